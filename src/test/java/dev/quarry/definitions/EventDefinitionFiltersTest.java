package dev.quarry.definitions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET event_definitions/}'s filters and orderings as PostHog's EventDefinitionViewSet reads them
 * ({@link EventListing}). One project, seven definitions:
 * <pre>
 *   signup      seen yesterday 12:00        $pageview  seen yesterday 09:00 (a core event)
 *   purchase    seen yesterday 10:00        hidden_one seen two days ago, then marked hidden
 *   $identify   seen three days ago (core)  old_thing  seen 2025-01-01 (stale)
 *   declared    created by POST, never seen, tagged "core", verified
 * </pre>
 * The other project has "secret", also tagged "core".
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EventDefinitionFiltersTest {
    private static Project team;
    private static Project other;

    private static String daysAgo(int days, String time) {
        return LocalDate.now(ZoneOffset.UTC).minusDays(days) + "T" + time + "Z";
    }

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Event definition filters");
        other = TestProjects.create("Event definition filters other");
        Capture.to(team)
                .event("signup", "u1", daysAgo(1, "12:00:00"))
                .event("purchase", "u1", daysAgo(1, "10:00:00"))
                .event("$pageview", "u1", daysAgo(1, "09:00:00"))
                .event("hidden_one", "u2", daysAgo(2, "10:00:00"))
                .event("$identify", "u2", daysAgo(3, "10:00:00"))
                .event("old_thing", "u3", "2025-01-01T00:00:00Z")
                .send();
        String base = base(team);
        as(team.key()).body(Map.of("name", "declared", "tags", List.of("core"), "verified", true)).post(base)
                .then().statusCode(201);
        String hidden = as(team.key()).get(base + "by_name/?name=hidden_one").then().statusCode(200).extract().path("id");
        as(team.key()).body(Map.of("hidden", true)).patch(base + hidden + "/").then().statusCode(200);
        Capture.to(other).event("secret", "z", daysAgo(1, "10:00:00")).send();
        as(other.key()).body(Map.of("name", "other_declared", "tags", List.of("core"))).post(base(other))
                .then().statusCode(201);
    }

    private static String base(Project project) {
        return "/api/projects/" + project.id() + "/event_definitions/";
    }

    private static RequestSpecification as(String key) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static List<String> names(String query) {
        return as(team.key()).get(base(team) + query).then().statusCode(200).extract().path("results.name");
    }

    private static void lists(String query, List<String> expected) {
        as(team.key()).get(base(team) + query).then().statusCode(200)
                .body("results.name", equalTo(expected)).body("count", equalTo(expected.size()));
    }

    /**
     * A page of definitions of legal size (tags, descriptions) stops before the response limit, its next continuing
     * at the first one left out: the project's default page never becomes a 400 (a breaker's finding).
     */
    @Test
    void aPageOfLargeDefinitionsStopsBeforeTheResponseLimit() {
        Project big = TestProjects.create("Event definitions of legal size");
        String base = "/api/projects/" + big.id() + "/event_definitions/";
        for (int d = 0; d < 80; d++) {
            List<String> tags = new java.util.ArrayList<>();
            for (int t = 0; t < dev.quarry.web.Tags.MAX_TAGS; t++) {
                tags.add("\u20ac".repeat(250) + t);
            }
            as(big.key()).body(Map.of("name", String.format("planned_%02d", d), "description", "\u20ac".repeat(4096),
                    "tags", tags)).post(base).then().statusCode(201);
        }
        io.restassured.path.json.JsonPath first = as(big.key()).get(base).then().statusCode(200)
                .body("count", equalTo(80)).extract().jsonPath();
        int kept = first.getList("results").size();
        org.junit.jupiter.api.Assertions.assertTrue(kept > 0 && kept < 80, "kept " + kept);
        String next = first.getString("next");
        org.junit.jupiter.api.Assertions.assertTrue(next.contains("offset=" + kept), next);
        as(big.key()).get(next.substring(next.indexOf("/api/"))).then().statusCode(200)
                .body("results[0].name", equalTo(String.format("planned_%02d", kept)));
    }

    @Test
    void defaultOrderIsTheDayLastSeenThenTheName() {
        // yesterday's three by name (signup was seen last, but on the same day), never-seen last
        lists("", List.of("$pageview", "purchase", "signup", "hidden_one", "$identify", "old_thing", "declared"));
        // with a search and no ordering, shorter names first: signup (6), purchase (8), $pageview (9)
        lists("?search=p", List.of("signup", "purchase", "$pageview"));
    }

    @Test
    void eventTypeSplitsOnTheDollarPrefix() {
        lists("?event_type=event_custom", List.of("purchase", "signup", "hidden_one", "old_thing", "declared"));
        lists("?event_type=event_posthog", List.of("$pageview", "$identify"));
        lists("?event_type=all", List.of("$pageview", "purchase", "signup", "hidden_one", "$identify", "old_thing",
                "declared"));
        lists("?event_type=event", names(""));
        for (String bad : List.of("bogus", "", "action")) {
            as(team.key()).get(base(team) + "?event_type=" + bad).then().statusCode(400)
                    .body("type", equalTo("validation_error")).body("code", equalTo("invalid"))
                    .body("attr", equalTo("event_type"))
                    .body("detail", equalTo("Not a valid event type. Use one of: event, event_custom, event_posthog."));
        }
    }

    @Test
    void orderingByPostHogsFieldsUnknownOnesDropped() {
        String custom = "?event_type=event_custom&ordering=";
        lists(custom + "name", List.of("declared", "hidden_one", "old_thing", "purchase", "signup"));
        lists(custom + "-name", List.of("signup", "purchase", "old_thing", "hidden_one", "declared"));
        // descending puts never-seen last, ascending first
        lists(custom + "-last_seen_at", List.of("signup", "purchase", "hidden_one", "old_thing", "declared"));
        lists(custom + "last_seen_at", List.of("declared", "old_thing", "hidden_one", "purchase", "signup"));
        // comma-joined and repeated keys, in request order
        lists(custom + "last_seen_at::date,-name", List.of("declared", "old_thing", "hidden_one", "signup", "purchase"));
        lists(custom + "-last_seen_at::date&ordering=-name",
                List.of("signup", "purchase", "hidden_one", "old_thing", "declared"));
        // unknown fields are dropped (PostHog's events table sends ordering=event): the default order
        lists(custom + "event", List.of("purchase", "signup", "hidden_one", "old_thing", "declared"));
        // an explicit ordering replaces the search's shorter-first
        lists("?search=p&ordering=-name", List.of("signup", "purchase", "$pageview"));
    }

    @Test
    void namesExcludedPropertiesAndTags() {
        lists("?names=purchase,signup&names=$identify", List.of("purchase", "signup", "$identify"));
        lists("?names=secret", List.of());
        lists("?excluded_properties=" + enc("[\"purchase\",\"$pageview\",\"nothing\"]"),
                List.of("signup", "hidden_one", "$identify", "old_thing", "declared"));
        as(team.key()).get(base(team) + "?excluded_properties=purchase").then().statusCode(400)
                .body("attr", equalTo("excluded_properties"));
        // tags: definitions carrying any of them, this project's only; not a JSON list: no filter, as PostHog
        lists("?tags=" + enc("[\"core\",\"nope\"]"), List.of("declared"));
        lists("?tags=" + enc("[\"nope\"]"), List.of());
        as(team.key()).get(base(team) + "?tags=core").then().statusCode(200).body("count", equalTo(7));
    }

    @Test
    void hiddenStaleAndVerified() {
        lists("?exclude_hidden=true", List.of("$pageview", "purchase", "signup", "$identify", "old_thing", "declared"));
        lists("?exclude_hidden=TRUE&event_type=event_posthog", List.of("$pageview", "$identify"));
        // only the text "true" turns it on, as PostHog reads it
        as(team.key()).get(base(team) + "?exclude_hidden=1").then().statusCode(200).body("count", equalTo(7));
        // stale: last seen more than 30 days ago; never seen is kept
        lists("?exclude_stale=true", List.of("$pageview", "purchase", "signup", "hidden_one", "$identify", "declared"));
        // verified: the verified definitions and PostHog's core events; otherwise the rest
        lists("?verified=true", List.of("$pageview", "$identify", "declared"));
        lists("?verified=false", List.of("purchase", "signup", "hidden_one", "old_thing"));
        lists("?verified=", List.of("purchase", "signup", "hidden_one", "old_thing"));
        lists("?verified=false&exclude_hidden=true&exclude_stale=true&search=u",
                List.of("signup", "purchase"));
    }

    @Test
    void pagingKeepsTheOrderAndTheFilteredCount() {
        as(team.key()).get(base(team) + "?event_type=event_custom&ordering=name&limit=2&offset=2").then().statusCode(200)
                .body("count", equalTo(5)).body("results.name", equalTo(List.of("old_thing", "purchase")));
        // limit and offset as PostHog's EventDefinitionQuerySerializer reads them
        as(team.key()).get(base(team) + "?event_type=event_custom&ordering=name&limit=%202.0%20&offset=%D9%A3")
                .then().statusCode(200).body("results.name", equalTo(List.of("purchase", "signup")));
        for (String[] bad : new String[][] {{"limit=abc", "limit", "A valid integer is required."},
                {"limit=0", "limit", "Ensure this value is greater than or equal to 1."},
                {"limit=", "limit", "A valid integer is required."},
                {"offset=-1", "offset", "Ensure this value is greater than or equal to 0."},
                {"offset=1.5", "offset", "A valid integer is required."}}) {
            as(team.key()).get(base(team) + "?" + bad[0]).then().statusCode(400)
                    .body("attr", equalTo(bad[1])).body("detail", equalTo(bad[2]));
        }
        as(team.key()).get(base(team) + "?limit=99999999999999999999999").then().statusCode(200).body("count", equalTo(7));
        as(other.key()).get(base(other) + "?tags=" + enc("[\"core\"]")).then().statusCode(200)
                .body("results.name", equalTo(List.of("other_declared")));
    }

    private static String enc(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }
}
