package dev.quarry.events;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects.Project;
import dev.quarry.testing.WideEvents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A page of wide events is refused once what was read passes what an answer may carry, not after the whole page is
 * in memory (the breaker's 1,000 events of 900 kB: 290 MB in the app per request, and other projects' calls slowed
 * for seconds). Ten events of 900 kB: the database stops after about 6.3 MB of them, and a page that fits answers.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EventsPageBoundTest {
    private static final int EVENTS = WideEvents.EVENTS;
    private static final int WIDTH = WideEvents.WIDTH;
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = WideEvents.project("Events page bound");
        }
    }

    private static Response page(int limit) {
        return given().header("Authorization", "Bearer " + team.key()).get("/api/environments/" + team.id()
                + "/events/?after=2026-01-31T00:00:00Z&before=2026-02-02T00:00:00Z&limit=" + limit);
    }

    @Test
    void aPageWiderThanAnAnswerIsRefusedAfterWhatAnAnswerCarries() {
        Response refused = page(100);
        refused.then().statusCode(400).body("type", equalTo("invalid_request"))
                .body("code", equalTo("response_too_large"));
        Matcher read = Pattern.compile("would be (\\d+) bytes").matcher(refused.jsonPath().getString("detail"));
        assertTrue(read.find(), refused.asString());
        long bytes = Long.parseLong(read.group(1));
        // past the limit, and short of all ten events: the rest were never sent to the app
        assertTrue(bytes > 6_258_688 && bytes < (long) (EVENTS - 2) * WIDTH, refused.asString());
    }

    @Test
    void aPageThatFitsAnswers() {
        page(5).then().statusCode(200).body("results.size()", equalTo(5))
                .body("results[0].timestamp", equalTo("2026-02-01T00:00:09+00:00"));
    }
}
