package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Capture inserts a batch's events with a plain INSERT first; a batch that holds an event already stored (same uuid,
 * event, distinct id and UTC day: PostHog's de-duplication key) fails that attempt on the primary key and is retried
 * with the upsert, in which the later copy replaces the stored one. Everything the failed attempt wrote is rolled
 * back with it, so the retried batch is stored exactly once: its new events, its persons and their properties, its
 * ingestion warnings and its rollup deltas (the person-day and property-day counts equal the raw events' counts).
 * Sent as posthog-node sends a batch: gzip JSON with Content-Encoding (without {@code sent_at}, so that the
 * timestamps are stored as sent and the days are known).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ResentEventsRetryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    Pool pool;

    private static Map<String, Object> event(String uuid, String event, String distinctId, String timestamp,
                                             Map<String, Object> properties) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("uuid", uuid);
        e.put("event", event);
        e.put("distinct_id", distinctId);
        e.put("timestamp", timestamp);
        e.put("properties", properties);
        e.put("type", "capture");
        e.put("library", "posthog-node");
        e.put("library_version", "5.8.0");
        return e;
    }

    private static void sendGzip(Project project, List<Map<String, Object>> events) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("api_key", project.apiToken());
        body.put("batch", events);
        given().contentType("application/json").header("Content-Encoding", "gzip")
                .header("User-Agent", "posthog-node/5.8.0")
                .body(CaptureEndpointsTest.gzip(MAPPER.writeValueAsBytes(body)))
                .post("/batch/").then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    private List<Row> rows(String sql, Object... args) {
        List<Row> out = new ArrayList<>();
        pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().forEach(out::add);
        return out;
    }

    private Map<String, Long> counts(String sql, long team) {
        Map<String, Long> out = new HashMap<>();
        for (Row row : rows(sql, team)) {
            out.put(row.getString(0), row.getLong(1));
        }
        return out;
    }

    @Test
    void aBatchWithAStoredEventIsRetriedAsAnUpsertAndStoredExactlyOnce() throws IOException {
        Project project = TestProjects.create("Resent retry");
        String stored = "0190f000-0000-7000-8000-0000000000a1";
        String fresh1 = "0190f000-0000-7000-8000-0000000000a2";
        String fresh2 = "0190f000-0000-7000-8000-0000000000a3";
        String overlong = "u".repeat(250);
        // First request: one event of "alice", whose person gets plan=free.
        sendGzip(project, List.of(event(stored, "$pageview", "alice", "2026-01-10T10:00:00Z",
                Map.of("copy", 1, "$browser", "Chrome", "$set", Map.of("plan", "free")))));
        assertEquals(1L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));

        // Second request: a later copy of that event (same key, another time of day and properties), a new event of
        // a new id "bob" with $set, and one of an overlong id (warning distinct_id_truncated). Its first attempt
        // fails on the events' primary key; the retry must store each of these once.
        sendGzip(project, List.of(
                event(stored, "$pageview", "alice", "2026-01-10T10:30:00Z",
                        Map.of("copy", 2, "$browser", "Firefox", "$set", Map.of("plan", "paid"))),
                event(fresh1, "$pageview", "bob", "2026-01-10T11:00:00Z",
                        Map.of("$browser", "Safari", "$set", Map.of("plan", "trial"))),
                event(fresh2, "signed up", overlong, "2026-01-11T09:00:00Z", Map.of("$browser", "Safari"))));

        // events: the stored copy replaced (not added), the two new ones stored once
        assertEquals(3L, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        Row replaced = rows("SELECT properties ->> 'copy', to_char(timestamp AT TIME ZONE 'UTC', 'HH24:MI'), "
                + "properties ->> '$browser' FROM events WHERE team_id = $1 AND uuid = $2", project.id(),
                UUID.fromString(stored)).get(0);
        assertEquals("2", replaced.getString(0));
        assertEquals("10:30", replaced.getString(1));
        assertEquals("Firefox", replaced.getString(2));
        // persons: one each for alice, bob and the cut id; $set applied once, the later value winning for alice
        assertEquals(3L, count("SELECT count(*) FROM persons WHERE team_id = $1", project.id()));
        assertEquals(3L, count("SELECT count(*) FROM person_distinct_ids WHERE team_id = $1", project.id()));
        Map<String, Long> plans = counts("SELECT p.properties ->> 'plan', count(*) FROM persons p WHERE p.team_id = $1 "
                + "AND p.properties ? 'plan' GROUP BY 1", project.id());
        assertEquals(Map.of("paid", 1L, "trial", 1L), plans);
        // the failed attempt's warning was rolled back with it: stored once
        assertEquals(1L, count("SELECT count(*) FROM ingestion_warnings WHERE team_id = $1 "
                + "AND type = 'distinct_id_truncated'", project.id()));

        // rollups kept in the batch's transaction equal the raw events (the project's zone is UTC)
        Map<String, Long> rawPersonDays = counts("SELECT event || ' ' || (timestamp AT TIME ZONE 'UTC')::date || ' ' "
                + "|| person_id, count(*) FROM events WHERE team_id = $1 GROUP BY 1", project.id());
        Map<String, Long> rolledPersonDays = counts("SELECT event || ' ' || day || ' ' || person_id, sum(events)::bigint "
                + "FROM events_person_days WHERE team_id = $1 GROUP BY 1 HAVING sum(events) <> 0", project.id());
        assertEquals(rawPersonDays, rolledPersonDays);
        assertEquals(3, rawPersonDays.size());
        Map<String, Long> rawBrowsers = counts("SELECT event || ' ' || (timestamp AT TIME ZONE 'UTC')::date || ' ' "
                + "|| (properties ->> '$browser'), count(*) FROM events WHERE team_id = $1 GROUP BY 1", project.id());
        Map<String, Long> rolledBrowsers = counts("SELECT event || ' ' || day || ' ' || value, sum(events)::bigint "
                + "FROM events_property_days WHERE team_id = $1 AND property = '$browser' GROUP BY 1 "
                + "HAVING sum(events) <> 0", project.id());
        assertEquals(rawBrowsers, rolledBrowsers);
        assertEquals(Map.of("$pageview 2026-01-10 Firefox", 1L, "$pageview 2026-01-10 Safari", 1L,
                "signed up 2026-01-11 Safari", 1L), rawBrowsers);
    }
}
