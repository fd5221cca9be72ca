package dev.quarry.dates;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The application reads the time from the one injected {@link Clock} ({@link SystemClock}): fixing it fixes what
 * capture stamps on an event sent without a timestamp and what a query's relative date range counts back from.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FixedClockTest {
    private static final Instant NOW = Instant.parse("2020-01-19T18:00:00Z");
    private static Project project;

    @Inject
    Pool pool;

    @BeforeEach
    void fixTheClock() {
        QuarkusMock.installMockForType(Clock.fixed(NOW, ZoneOffset.UTC), Clock.class);
        if (project == null) {
            project = TestProjects.create("Fixed clock");
        }
    }

    @Test
    void captureStampsTheInjectedNow() {
        given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "batch",
                        List.of(Map.of("event", "$pageview", "distinct_id", "clocked", "properties", Map.of()))))
                .post("/batch/").then().statusCode(200);
        OffsetDateTime stored = pool.preparedQuery("SELECT timestamp FROM events WHERE team_id = $1 AND distinct_id = $2")
                .execute(Tuple.of(project.id(), "clocked")).await().indefinitely().iterator().next()
                .getOffsetDateTime(0);
        assertEquals(NOW, stored.toInstant());
    }

    @Test
    void relativeDateRangesCountBackFromTheInjectedNow() {
        JsonPath body = given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "LifecycleQuery", "interval", "day",
                        "series", List.of(Map.of("kind", "EventsNode", "event", "$pageview")),
                        "dateRange", Map.of("date_from", "-3d"))))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("2020-01-16", "2020-01-17", "2020-01-18", "2020-01-19"), body.getList("results[0].days"));
    }
}
