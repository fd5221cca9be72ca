package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.query.RoundTripProfile;
import dev.quarry.testing.RoundTripProxy;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Database round trips of a capture request, counted on the wire ({@link RoundTripProfile}: the pool reaches
 * PostgreSQL through a proxy that counts the turns and holds each answer 5 ms), for batches as posthog-node sends
 * them (gzip JSON, 100 events). Once the project's token and its capture quota answer are cached (the quota's for
 * 5 s, {@code dev.quarry.metering.QuotaCache}; the batches here are well within both), a batch whose distinct ids
 * all have persons costs {@code BEGIN} with the read of ids and persons, every write with {@code COMMIT}, and the
 * meter row: 3 (4 while the quota was read per request, 6 while {@code BEGIN} and {@code COMMIT} each took their
 * own round trip). A batch of new ids costs one more: the events go out with the new ids' advisory locks and their
 * fresh read, the persons' writes with {@code COMMIT} (4; was 5, and 8 before). A batch with an {@code $identify}
 * locks its ids, then their persons, then writes and commits (4; was 5, and 8 before). The stored rows are checked
 * after each, so the fewer round trips are not fewer writes.
 */
@QuarkusTest
@TestProfile(RoundTripProfile.class)
class CaptureRoundTripsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int COUNTED = 5;
    private static final int KNOWN_IDS = 3;
    private static final int NEW_IDS = 4;
    private static final int MERGES = 4;

    @Inject
    Pool pool;

    private static Map<String, Object> event(String event, String distinctId, Map<String, Object> properties) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("uuid", UUID.randomUUID().toString());
        e.put("event", event);
        e.put("distinct_id", distinctId);
        e.put("timestamp", "2026-11-30T10:00:00.000Z");
        e.put("properties", properties);
        e.put("type", "capture");
        e.put("library", "posthog-node");
        e.put("library_version", "5.8.0");
        return e;
    }

    private static Map<String, Object> pageview(String distinctId, int i) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("$current_url", "https://example.com/p/" + i);
        properties.put("$browser", "Chrome");
        properties.put("$set", Map.of("plan", "plan-" + i));
        properties.put("$lib", "posthog-node");
        properties.put("$lib_version", "5.8.0");
        return event("$pageview", distinctId, properties);
    }

    private static void send(Project project, List<Map<String, Object>> events) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("api_key", project.apiToken());
        body.put("batch", events);
        given().contentType("application/json").header("Content-Encoding", "gzip")
                .header("User-Agent", "posthog-node/5.8.0")
                .body(CaptureEndpointsTest.gzip(MAPPER.writeValueAsBytes(body)))
                .post("/batch/").then().log().ifValidationFails().statusCode(200).body("status", equalTo(1));
    }

    private static List<Map<String, Object>> batch(int size, IntFunction<Map<String, Object>> event) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            events.add(event.apply(i));
        }
        return events;
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    /** The median of the counted requests' round trips (a pooled connection being replaced counts more once). */
    private static int median(List<Integer> counted) {
        return counted.stream().sorted().toList().get(counted.size() / 2);
    }

    @Test
    void aBatchOfKnownPersonsCostsThreeRoundTripsAndNewOnesFour() throws IOException {
        Project project = TestProjects.create("Capture round trips");
        RoundTripProxy proxy = RoundTripProfile.ProxiedPostgres.proxy;
        // warm: the token is cached, the pooled connections have parsed capture's statements
        for (int r = 0; r < 6; r++) {
            int round = r;
            send(project, batch(100, i -> pageview("warm-" + round + "-" + (i % 10), i)));
        }
        List<Integer> known = new ArrayList<>();
        for (int r = 0; r < COUNTED; r++) {
            int round = r;
            proxy.reset();
            send(project, batch(100, i -> pageview("warm-0-" + (i % 10), round * 100 + i)));
            known.add(proxy.turns());
        }
        List<Integer> fresh = new ArrayList<>();
        for (int r = 0; r < COUNTED; r++) {
            int round = r;
            proxy.reset();
            send(project, batch(100, i -> pageview("new-" + round + "-" + i, i)));
            fresh.add(proxy.turns());
        }
        assertTrue(median(known) <= KNOWN_IDS, "round trips of a batch of 100 events of known persons: " + known);
        assertTrue(median(fresh) <= NEW_IDS, "round trips of a batch of 100 events of new persons: " + fresh);
        // every event stored; each person's last $set won (known: the last round's event i sets plan-(400 + i), the
        // person of warm-0-k is updated last by i = 90 + k)
        assertEquals(6 * 100 + 2 * COUNTED * 100, count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
        assertEquals(60 + COUNTED * 100, count("SELECT count(*) FROM persons WHERE team_id = $1", project.id()));
        assertEquals(1, count("SELECT count(*) FROM persons p JOIN person_distinct_ids d ON d.team_id = p.team_id "
                + "AND d.person_id = p.uuid WHERE p.team_id = $1 AND d.distinct_id = 'warm-0-3' "
                + "AND p.properties->>'plan' = 'plan-493'", project.id()));
    }

    /** Events of anon-{prefix}-1…99 and, first, user-{prefix} identifying as anon-{prefix}-1 ($identify). */
    private static List<Map<String, Object>> identifyBatch(String prefix) {
        return batch(100, i -> {
            if (i > 0) {
                return pageview("anon-" + prefix + "-" + i, i);
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("$anon_distinct_id", "anon-" + prefix + "-1");
            properties.put("$set", Map.of("email", "user-" + prefix + "@example.com"));
            return event("$identify", "user-" + prefix, properties);
        });
    }

    @Test
    void aBatchWithAnIdentifyLocksItsIdsAndPersonsInFourRoundTrips() throws IOException {
        Project project = TestProjects.create("Capture round trips merges");
        RoundTripProxy proxy = RoundTripProfile.ProxiedPostgres.proxy;
        // the anonymous persons first; then warm: every pooled connection has parsed the locking path's statements,
        // the persons' update among them (a statement's first use on a connection costs a Parse turn)
        for (int r = 0; r < 16 + COUNTED; r++) {
            String prefix = r < 16 ? "warm" + r : String.valueOf(r - 16);
            send(project, batch(100, i -> pageview("anon-" + prefix + "-" + i, i)));
        }
        for (int r = 0; r < 16; r++) {
            send(project, identifyBatch("warm" + r));
        }
        List<Integer> merges = new ArrayList<>();
        for (int r = 0; r < COUNTED; r++) {
            proxy.reset();
            send(project, identifyBatch(String.valueOf(r)));
            merges.add(proxy.turns());
        }
        assertTrue(median(merges) <= MERGES, "round trips of a batch of 100 events with an $identify: " + merges);
        for (int r = 0; r < COUNTED; r++) {
            // the identified id joined the anonymous id's person, which has the $identify's $set
            assertEquals(2, count("SELECT count(*) FROM person_distinct_ids d JOIN persons p ON p.team_id = d.team_id "
                    + "AND p.uuid = d.person_id WHERE d.team_id = $1 AND d.distinct_id IN ($2, $3) "
                    + "AND p.properties->>'email' = $4 AND p.is_identified", project.id(), "user-" + r,
                    "anon-" + r + "-1", "user-" + r + "@example.com"));
        }
        assertEquals(16 * 100 * 2 + 2 * COUNTED * 100,
                count("SELECT count(*) FROM events WHERE team_id = $1", project.id()));
    }
}
