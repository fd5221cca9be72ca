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
 * capture stamps on an event sent without a timestamp, what a query's relative date range counts back from, and
 * what HogQL's {@code now()}, {@code today()} and {@code yesterday()} (and the dates computed from them) read.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FixedClockTest {
    private static final Instant NOW = Instant.parse("2020-01-19T18:00:00Z");
    private static Project project;
    /** A project 14 hours ahead of UTC: at the fixed instant its local day is already the 20th. */
    private static Project kiritimati;

    @Inject
    Pool pool;

    @BeforeEach
    void fixTheClock() {
        QuarkusMock.installMockForType(Clock.fixed(NOW, ZoneOffset.UTC), Clock.class);
        if (project == null) {
            project = TestProjects.create("Fixed clock");
            kiritimati = TestProjects.create("Fixed clock +14", "Pacific/Kiritimati");
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

    @Test
    void hogqlNowTodayAndYesterdayReadTheInjectedClock() {
        String sql = "SELECT toString(now()), toString(today()), toString(yesterday()), toString(toStartOfDay(now())),"
                + " dateDiff('day', toDate('2020-01-01'), today()), toString(now() - interval 3 day)";
        List<Object> utc = hogql(project, sql);
        assertEquals(List.of("2020-01-19 18:00:00", "2020-01-19", "2020-01-18", "2020-01-19 00:00:00", 18,
                "2020-01-16 18:00:00"), utc);
        // the team's timezone gives the local day of the same instant
        List<Object> ahead = hogql(kiritimati, sql);
        assertEquals(List.of("2020-01-20 08:00:00", "2020-01-20", "2020-01-19", "2020-01-20 00:00:00", 19,
                "2020-01-17 08:00:00"), ahead);
    }

    @Test
    void hogqlNowFiltersEventsByTheInjectedClock() {
        // events 1 and 3 days before the fixed instant: "the last 2 days" holds only the first
        for (String at : List.of("2020-01-18T18:00:00Z", "2020-01-16T18:00:00Z")) {
            given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "batch",
                            List.of(Map.of("event", "clock probe", "distinct_id", "prober", "timestamp", at,
                                    "properties", Map.of()))))
                    .post("/batch/").then().statusCode(200);
        }
        assertEquals(List.of(1), hogql(project,
                "SELECT count() FROM events WHERE event = 'clock probe' AND timestamp > now() - interval 2 day"));
        assertEquals(List.of(2), hogql(project,
                "SELECT count() FROM events WHERE event = 'clock probe' AND toDate(timestamp) >= today() - 3"));
    }

    private static List<Object> hogql(Project p, String query) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query)))
                .post("/api/environments/" + p.id() + "/query/").then().statusCode(200).extract().jsonPath()
                .getList("results[0]");
    }
}
