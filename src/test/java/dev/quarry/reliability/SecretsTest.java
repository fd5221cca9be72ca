package dev.quarry.reliability;

import static dev.quarry.reliability.Hostile.map;
import static dev.quarry.reliability.Hostile.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys are never logged (every log record of a run of auth failures and successes is captured and searched), and a
 * key's value is shown once: in the operator's response that creates it, never again (the @current endpoint shows
 * the mask; the isolation sweep checks no other body carries a key).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SecretsTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("Secrets");
        }
    }

    @Test
    void keysNeverReachTheLog() {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
                if (record.getParameters() != null) {
                    for (Object p : record.getParameters()) {
                        line.append(' ').append(p);
                    }
                }
                if (record.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    record.getThrown().printStackTrace(new PrintWriter(trace));
                    line.append(' ').append(trace);
                }
                lines.add(line.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String wrong = "phx_" + "WrongKeyForTheLogTest".repeat(2);
        String base = "/api/projects/" + team.id();
        try {
            request().header("Authorization", "Bearer " + wrong).get(base + "/").then().statusCode(401);
            request().queryParam("personal_api_key", wrong).get(base + "/").then().statusCode(401);
            request().contentType("application/json").body(map("personal_api_key", wrong, "query", map("kind", "HogQLQuery",
                    "query", "select 1"))).post(base + "/query/").then().statusCode(401);
            request().header("Authorization", "Bearer " + wrong + "\u00e9").get(base + "/query/x/").statusCode();
            request().header("Authorization", "Bearer " + team.key()).get(base + "/").then().statusCode(200);
            request().header("Authorization", "Bearer " + team.key()).get("/api/projects/999999/").then().statusCode(404);
            request().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(map("query", map("kind", "HogQLQuery", "query", "select nope("))).post(base + "/query/").then().statusCode(400);
            request().contentType("application/json").body("{\"api_key\":\"" + wrong + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"d\"}]}")
                    .post("/batch/").then().statusCode(401);
            request().contentType("application/json").header("X-Quarry-Operator-Secret", "wrong")
                    .body(map("name", "x")).post("/admin/projects").then().statusCode(403);
            // The handler sees what the application's loggers write (JBoss Logging over the JBoss LogManager).
            org.jboss.logging.Logger.getLogger("dev.quarry.web.ApiExceptionMapper").info("secrets-test canary");
        } finally {
            root.removeHandler(capture);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("secrets-test canary")), "log capture works: " + lines);
        for (String line : lines) {
            assertFalse(line.contains("phx_"), "a log line carries a personal API key: " + line);
            assertFalse(line.contains(team.key().substring(4)), "a log line carries the key: " + line);
            assertFalse(line.contains(TestProjects.OPERATOR_SECRET), "a log line carries the operator secret: " + line);
        }
    }

    @Test
    void aKeyIsShownOnce() {
        String key = team.keyWith("query:read");
        assertTrue(key.startsWith("phx_"));
        String current = request().header("Authorization", "Bearer " + key).get("/api/personal_api_keys/@current/")
                .then().statusCode(200).extract().asString();
        assertFalse(current.contains(key), current);
        assertEquals(key.substring(0, 4) + "..." + key.substring(key.length() - 4),
                request().header("Authorization", "Bearer " + key).get("/api/personal_api_keys/@current/").path("mask_value"));
    }
}
