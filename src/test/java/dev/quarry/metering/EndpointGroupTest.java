package dev.quarry.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class EndpointGroupTest {
    @Test
    void captureEndpointsWithOrWithoutTrailingSlash() {
        for (String path : new String[] {"/batch", "/batch/", "/capture/", "/e", "/e/", "/i/v0/e/", "/track"}) {
            assertEquals(EndpointGroup.CAPTURE, EndpointGroup.of(path), path);
        }
    }

    @Test
    void projectEndpointsByTheirFirstSegment() {
        assertEquals(EndpointGroup.QUERY, EndpointGroup.of("/api/projects/1/query"));
        assertEquals(EndpointGroup.QUERY, EndpointGroup.of("/api/projects/1/query/abc/log/"));
        assertEquals(EndpointGroup.QUERY, EndpointGroup.of("/api/environments/@current/query/"));
        assertEquals(EndpointGroup.PERSONS, EndpointGroup.of("/api/projects/1/persons/values"));
        assertEquals(EndpointGroup.PERSONS, EndpointGroup.of("/api/projects/1/cohorts/"));
        assertEquals(EndpointGroup.PLUGINS, EndpointGroup.of("/api/projects/1/plugin_configs/5/logs"));
        assertEquals(EndpointGroup.BOOTSTRAP, EndpointGroup.of("/api/projects/1"));
        assertEquals(EndpointGroup.BOOTSTRAP, EndpointGroup.of("/api/projects/1/usage/"));
        assertEquals(EndpointGroup.BOOTSTRAP, EndpointGroup.of("/api/projects/1/querying"));
        assertEquals(EndpointGroup.BOOTSTRAP, EndpointGroup.of("/api/users/@me/"));
        assertEquals(EndpointGroup.BOOTSTRAP, EndpointGroup.of("/api/personal_api_keys/@current"));
    }

    @Test
    void operatorInternalAndOtherPathsAreNotMetered() {
        assertNull(EndpointGroup.of("/admin/projects"));
        assertNull(EndpointGroup.of("/internal/cohorts/recalculate"));
        assertNull(EndpointGroup.of("/q/health"));
        assertNull(EndpointGroup.of("/apiary"));
        assertNull(EndpointGroup.of("/batching"));
    }

    @Test
    void unitsAreOnePerSuccessfulCallPlusOnePerTenThousandRows() {
        assertEquals(1, BillableUnits.of(200, 0));
        assertEquals(1, BillableUnits.of(202, 9_999));
        assertEquals(2, BillableUnits.of(200, 10_000));
        assertEquals(3, BillableUnits.of(200, 20_000));
        assertEquals(0, BillableUnits.of(400, 20_000));
        assertEquals(0, BillableUnits.of(429, 0));
        assertEquals(0, BillableUnits.of(500, 0));
    }
}
