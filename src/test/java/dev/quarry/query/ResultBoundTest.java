package dev.quarry.query;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects.Project;
import dev.quarry.testing.WideEvents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user's HogQL result reaches the app only up to 64 MiB of its rows' text (ResultBound, V117_2): past it the
 * database fails the statement at the first row over, PostHog's 400 {@code response_too_large}, rather than the app
 * buffering all of it (a select of wide properties, repeated, over 50,000 rows would be tens of GB in the app that
 * serves every project). Within the bound, results are as before, in their order.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ResultBoundTest {
    private static final int EVENTS = WideEvents.EVENTS;
    private static final int WIDTH = WideEvents.WIDTH;
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = WideEvents.project("Result bound");
        }
    }

    @Test
    void aResultPastTheBoundStopsInTheDatabase() {
        // ten rows of twelve 900 kB columns: 108 MB of text, stopped at the seventh row (75.6 MB)
        String columns = String.join(", ", Collections.nCopies(12, "properties"));
        Response refused = HogQLRequests.post(team, "select " + columns + " from events order by timestamp");
        refused.then().statusCode(400).body("type", equalTo("invalid_request")).body("code", equalTo("response_too_large"));
        Matcher read = Pattern.compile("\\((\\d+) bytes when it was stopped\\)").matcher(refused.jsonPath().getString("detail"));
        assertTrue(read.find(), refused.asString());
        long bytes = Long.parseLong(read.group(1));
        assertTrue(bytes > ResultBound.MAX_BYTES && bytes < (long) (EVENTS - 2) * 12 * WIDTH, refused.asString());
    }

    @Test
    void withinTheBoundTheResultIsAsBefore() {
        Response r = HogQLRequests.post(team, "select toString(timestamp), length(toString(properties)), event, event "
                + "from events order by timestamp desc limit 3");
        r.then().statusCode(200).body("columns", equalTo(List.of("toString(timestamp)", "length(toString(properties))",
                "event", "event")));
        assertEquals(List.of("2026-02-01 00:00:09", WIDTH + 9, "wide", "wide"), r.jsonPath().getList("results[0]"));
        assertEquals("2026-02-01 00:00:07", r.jsonPath().getString("results[2][0]"));
        assertEquals(List.of(10), HogQLRequests.firstRow(team, "with c as (select count() as n from events) select n from c"));
        assertEquals(List.of(2), HogQLRequests.firstRow(team,
                "select count() from (select 1 as x union all select 2 as x)"));
    }
}
