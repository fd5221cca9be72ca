package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * An event name longer than 200 characters is stored cut to its first 200, as PostHog's ingestion stores it
 * ({@code sanitizeEventName}: {@code substr(0, 200)}); it used to fail the whole batch on the events key's index row
 * size (a breaker finding: the batch's valid events were lost with it).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LongEventNamesTest {

    @Test
    void aLongEventNameIsCutTo200CharactersAndTheBatchIsStored() {
        Project team = TestProjects.create("Long event names");
        StringBuilder random = new StringBuilder();
        java.util.Random r = new java.util.Random(18);
        for (int i = 0; i < 3000; i++) {
            random.append((char) ('a' + r.nextInt(26)));
        }
        String name = "long_" + random;
        Capture.to(team)
                .event("short_one", "u1", "2026-03-01T10:00:00Z", Map.of("p", 1))
                .event(name, "u2", "2026-03-01T10:00:01Z", Map.of("p", 2))
                .send();
        List<Object> row = HogQLRequests.firstRow(team,
                "select count(), countIf(event = 'short_one'), max(length(event)), "
                        + "countIf(event = '" + name.substring(0, 200) + "') from events");
        assertEquals(List.of(2, 1, 200, 1), row);
    }

    @Test
    void theCutKeepsSurrogatePairsWhole() {
        String sent = "x".repeat(199) + "\uD83D\uDE00" + "tail";
        assertEquals("x".repeat(199), CapturePayloadParser.eventName(sent));
        String exact = "y".repeat(198) + "\uD83D\uDE00" + "tail";
        assertEquals(exact.substring(0, 200), CapturePayloadParser.eventName(exact));
        assertEquals("short", CapturePayloadParser.eventName("short"));
    }
}
