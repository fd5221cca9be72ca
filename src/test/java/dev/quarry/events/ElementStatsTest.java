package dev.quarry.events;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostHog's {@code GET elements/stats/} (the CLI's elements-stats-retrieve, the toolbar's heatmap): clicks grouped by
 * chain and event, most frequent first. Within the last day: the buy button autocaptured three times (two persons)
 * and rage-clicked once, the docs link autocaptured once, a pageview (no elements); ten days ago the buy button once
 * more (outside the default -7d). The other project's click on the same button is never counted here.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ElementStatsTest {
    private static final String BUY = "button.buy:attr__class=\"buy\"nth-child=\"1\"nth-of-type=\"1\"text=\"Buy\";"
            + "div.cart:attr__class=\"cart\"nth-child=\"2\"nth-of-type=\"1\"";
    private static final String DOCS = "a:href=\"/docs\"nth-child=\"1\"nth-of-type=\"1\"text=\"Docs\"";
    private static Project team;
    private static Project other;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Element stats");
        other = TestProjects.create("Element stats other");
        Instant hourAgo = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS);
        Capture.to(team)
                .event("$autocapture", "u1", hourAgo.toString(), Map.of("$elements_chain", BUY, "$browser", "Chrome"))
                .event("$autocapture", "u1", hourAgo.plusSeconds(1).toString(), Map.of("$elements_chain", BUY))
                .event("$autocapture", "u2", hourAgo.plusSeconds(2).toString(), Map.of("$elements_chain", BUY))
                .event("$rageclick", "u2", hourAgo.plusSeconds(3).toString(), Map.of("$elements_chain", BUY))
                .event("$autocapture", "u3", hourAgo.plusSeconds(4).toString(), Map.of("$elements_chain", DOCS))
                .event("$pageview", "u3", hourAgo.plusSeconds(5).toString(), Map.of("$current_url", "https://x.test/"))
                .event("$autocapture", "u1", hourAgo.minus(10, ChronoUnit.DAYS).toString(), Map.of("$elements_chain", BUY))
                .send();
        Capture.to(other).event("$autocapture", "z", hourAgo.toString(), Map.of("$elements_chain", BUY)).send();
    }

    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key());
    }

    private static String stats(Project p) {
        return "/api/environments/" + p.id() + "/elements/stats/";
    }

    @Test
    void clicksByChainMostFrequentFirst() {
        as(team).get(stats(team)).then().log().ifValidationFails().statusCode(200)
                .body("results.count", equalTo(List.of(3, 1, 1)))
                .body("results.type", equalTo(List.of("$autocapture", "$autocapture", "$rageclick")))
                .body("results[0].hash", nullValue())
                .body("results[0].elements.tag_name", equalTo(List.of("button", "div")))
                .body("results[0].elements[0].text", equalTo("Buy"))
                .body("results[0].elements[0].attr_class", equalTo(List.of("buy")))
                .body("results[1].elements[0].href", equalTo("/docs"))
                .body("next", nullValue()).body("previous", nullValue());
        // include narrows the event types (repeated, comma-separated or a JSON array); a date range widens them
        as(team).queryParam("include", "$rageclick").get(stats(team)).then().statusCode(200)
                .body("results.count", equalTo(List.of(1))).body("results[0].type", equalTo("$rageclick"));
        as(team).queryParam("include", "[\"$autocapture\"]").queryParam("date_from", "-30d").get(stats(team)).then()
                .statusCode(200).body("results.count", equalTo(List.of(4, 1)));
        // property filters, as PostHog's Filter reads them
        as(team).queryParam("properties", "[{\"key\":\"$browser\",\"value\":\"Chrome\",\"type\":\"event\"}]")
                .get(stats(team)).then().statusCode(200).body("results.count", equalTo(List.of(1)));
        // the other project's click is its own
        as(other).get(stats(other)).then().statusCode(200).body("results.count", equalTo(List.of(1)));
    }

    /**
     * Chains whose text is written escaped (a control character is six bytes of JSON) pass the statement's estimate,
     * which counts characters: the page still stops before the response limit, its next continuing there.
     */
    @Test
    void aPageStopsAtTheResponseLimitAsWritten() {
        Project escaped = TestProjects.create("Element stats escaped");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS).toString();
        for (int i = 0; i < 4; i++) {
            Capture.to(escaped).event("$autocapture", "u" + i, now, Map.of("$elements_chain",
                    "span:nth-child=\"" + i + "\"text=\"" + "\u0001".repeat(300_000) + "\"")).send();
        }
        var first = as(escaped).get(stats(escaped)).then().log().ifValidationFails().statusCode(200)
                .body("next", containsString("offset=")).extract().jsonPath();
        int shown = first.getList("results").size();
        org.junit.jupiter.api.Assertions.assertTrue(shown >= 1 && shown < 4, "rows on the first page: " + shown);
        // following next reads the rest, each row once
        as(escaped).queryParam("offset", shown).get(stats(escaped)).then().statusCode(200)
                .body("results.size()", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
    }

    @Test
    void pagesAndErrors() {
        as(team).queryParam("limit", 1).get(stats(team)).then().statusCode(200)
                .body("results.count", equalTo(List.of(3))).body("next", containsString("offset=1"))
                .body("previous", nullValue());
        as(team).queryParam("limit", 1).queryParam("offset", 2).get(stats(team)).then().statusCode(200)
                .body("results.type", equalTo(List.of("$rageclick"))).body("next", nullValue())
                .body("previous", containsString("offset=1"));
        as(team).queryParam("limit", "x").get(stats(team)).then().statusCode(400).body("attr", equalTo("limit"));
        as(team).queryParam("limit", 0).get(stats(team)).then().statusCode(400).body("attr", equalTo("limit"));
        as(team).queryParam("offset", -1).get(stats(team)).then().statusCode(400).body("attr", equalTo("offset"));
        as(team).queryParam("include", "$pageview").get(stats(team)).then().statusCode(400)
                .body("detail", equalTo("Only $autocapture, $rageclick, and $dead_click are supported."));
        as(team).queryParam("date_from", "someday").get(stats(team)).then().statusCode(400)
                .body("attr", equalTo("date_from"));
        // the scope is PostHog's element:read; another project's key is refused
        as(other).get(stats(team)).then().statusCode(403);
        given().header("Authorization", "Bearer " + team.keyWith("query:read")).get(stats(team)).then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'element:read'"));
    }
}
