package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.FunctionGroups;
import dev.quarry.web.FunctionGroups.Group;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The path → group mapping, with API Gateway's route matching. */
class FunctionGroupsTest {
    private static Optional<Group> group(String method, String path) {
        return FunctionGroups.groupOf(method, path);
    }

    @Test
    void eachGroupOwnsItsPathsUnderBothPrefixesWithOrWithoutTrailingSlash() {
        assertEquals(Optional.of(Group.CAPTURE), group("POST", "/batch/"));
        assertEquals(Optional.of(Group.CAPTURE), group("POST", "/i/v0/e"));
        assertEquals(Optional.of(Group.BOOTSTRAP), group("GET", "/api/users/@me/"));
        assertEquals(Optional.of(Group.BOOTSTRAP), group("GET", "/api/personal_api_keys/%40current"));
        assertEquals(Optional.of(Group.BOOTSTRAP), group("GET", "/api/environments/7/"));
        assertEquals(Optional.of(Group.BOOTSTRAP), group("POST", "/admin/projects/2/keys"));
        for (String prefix : new String[] {"/api/projects/7", "/api/environments/7"}) {
            assertEquals(Optional.of(Group.QUERY), group("POST", prefix + "/query/"));
            assertEquals(Optional.of(Group.QUERY), group("GET", prefix + "/query/abc/log"));
            assertEquals(Optional.of(Group.PLUGINS), group("GET", prefix + "/plugin_configs/3/logs/"));
            assertEquals(Optional.of(Group.PERSONS), group("GET", prefix + "/persons/"));
            assertEquals(Optional.of(Group.PERSONS), group("GET", prefix + "/cohorts/4/persons"));
        }
    }

    @Test
    void methodsAndUnknownPathsBelongToNoGroup() {
        assertEquals(Optional.empty(), group("GET", "/batch"));
        assertEquals(Optional.empty(), group("GET", "/api/projects/7/dashboards"));
        assertEquals(Optional.empty(), group("POST", "/api/projects"));
        assertEquals(Optional.empty(), group("POST", "/admin"));
        assertEquals(Optional.of(Group.CAPTURE), group(null, "/batch")); // the filter asks by path only
    }

    @Test
    void apiGatewayMatching() {
        assertTrue(FunctionGroups.matches("/a/{x}", "/a/1/"));
        assertFalse(FunctionGroups.matches("/a/{x}", "/a"));
        assertFalse(FunctionGroups.matches("/a/{x}", "/a/1/2"));
        assertTrue(FunctionGroups.matches("/a/{proxy+}", "/a/1/2"));
        assertFalse(FunctionGroups.matches("/a/{proxy+}", "/a/"));
        assertThrows(IllegalArgumentException.class, () -> new FunctionGroups.Route("GET", "/batch/"));
    }

    @Test
    void everyGroupHasAUniqueIdAndNoRouteIsDeclaredTwice() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Group g : Group.values()) {
            assertEquals(Optional.of(g), Group.byId(g.id()));
            for (FunctionGroups.Route r : g.routes()) {
                assertTrue(seen.add(r.toString()), "declared twice: " + r);
            }
        }
    }
}
