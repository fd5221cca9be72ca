package dev.quarry.hogql;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.testing.Capture;
import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Quarry's internal tables and columns ({@code #person_overrides}, {@code #session_key}, {@code #stored_person_id})
 * cannot be named in HogQL text, quoted or not (the breaker read them with backticks): they are unknown names, as the
 * resolver answers any other. A property whose key starts with {@code #} is still read.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class InternalNamesTest {
    @Test
    void internalNamesAreUnknownInUserText() {
        for (String query : List.of("select * from `#person_overrides`", "select * from \"#person_overrides\"",
                "select `#session_key` from events", "select e.`#stored_person_id` from events e",
                "select events.`#session_key` from events", "select events['#session_key'] from events")) {
            assertThrows(HogQLResolutionException.class, () -> Parser.parseSelect(query), query);
        }
        // a property key starting with # is a property, not an internal name
        Parser.parseSelect("select properties.`#tag`, person.properties.`#x`, e.properties['#y'] from events e");
    }

    @Test
    void overHttpTheyAreA400AndPropertiesStillRead() {
        Project team = TestProjects.create("Internal names");
        Capture.to(team).event("tagged", "ann", "2026-02-01T00:00:00Z", Map.of("#tag", "v")).send();
        HogQLRequests.post(team, "select * from `#person_overrides`").then().statusCode(400)
                .body("detail", equalTo("Unknown table \"#person_overrides\""));
        HogQLRequests.post(team, "select `#session_key` from events").then().statusCode(400)
                .body("detail", equalTo("Unable to resolve field: #session_key"));
        assertEquals(List.of("v"), HogQLRequests.firstRow(team, "select properties.`#tag` from events"));
    }
}
