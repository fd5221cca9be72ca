package dev.quarry.testing;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Events sent as posthog-node 5.x sends them (POST /batch/, Content-Type application/json, Content-Encoding gzip, a
 * {@code {"api_key", "batch"}} body), and the check that the person-day rollup equals what the events give.
 */
public final class BatchSender {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchSender() {
    }

    /** One event as the SDKs put it in a batch. */
    public static Map<String, Object> event(String name, String distinctId, String timestamp,
                                            Map<String, Object> properties) {
        Map<String, Object> e = new HashMap<>();
        e.put("event", name);
        e.put("distinct_id", distinctId);
        e.put("timestamp", timestamp);
        e.put("properties", properties);
        return e;
    }

    /** Sends {@code events} to the project as one gzip batch; the answer must be 200. */
    public static void gzip(TestProjects.Project project, List<Map<String, Object>> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(JSON.writeValueAsBytes(Map.of("api_key", project.apiToken(), "batch", events)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        given().contentType("application/json").header("Content-Encoding", "gzip").body(out.toByteArray())
                .post("/batch/").then().statusCode(200);
    }

    /**
     * Person-day keys (event, local day in {@code zone}, person) of the team where the rollup view
     * {@code events_person_days} and the events disagree (count, first or last time), counted both ways: 0 when the
     * rollup is right.
     */
    public static long rollupDifferences(Pool pool, long team, String zone) {
        return pool.preparedQuery("""
                WITH truth AS (SELECT event, (timestamp AT TIME ZONE $2)::date AS day, person_id, count(*) AS events,
                                      min(timestamp) AS first_at, max(timestamp) AS last_at
                               FROM events WHERE team_id = $1 GROUP BY 1, 2, 3),
                     rollup AS (SELECT event, day, person_id, events, first_at, last_at
                                FROM events_person_days WHERE team_id = $1)
                SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM rollup) a)
                     + (SELECT count(*) FROM (SELECT * FROM rollup EXCEPT SELECT * FROM truth) b)""")
                .execute(Tuple.of(team, zone)).await().indefinitely().iterator().next().getLong(0);
    }
}
