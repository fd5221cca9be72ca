package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostHog's {@code cached_by_filters} on the legacy lists with the cached-results envelope: a repeat of a filter is
 * answered from the cache ({@code is_cached: true}, the first {@code last_refresh}) while it is fresh, whatever was
 * captured meanwhile; {@code refresh} and another {@code cache_invalidation_key} compute afresh; the page, the list and
 * the project are part of the key, the rendering format is not.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LegacyPersonsCacheTest {
    private static final String STEPS = "[{\"id\":\"signed up\",\"type\":\"events\",\"order\":0},"
            + "{\"id\":\"purchase\",\"type\":\"events\",\"order\":1}]";

    private static RequestSpecification funnel(Project project, int step) {
        return given().header("Authorization", "Bearer " + project.key()).queryParam("events", STEPS)
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-31")
                .queryParam("funnel_window_days", 14).queryParam("funnel_step", step);
    }

    private static JsonPath get(RequestSpecification request, Project project) {
        return request.get("/api/environments/" + project.id() + "/persons/funnel/").then().log().ifValidationFails()
                .statusCode(200).extract().jsonPath();
    }

    @Test
    void aRepeatIsAnsweredFromTheCacheUntilRefreshed() {
        Project project = TestProjects.create("Legacy persons cache");
        Capture.to(project).event("signed up", "ann", "2026-01-10T10:00:00Z")
                .event("purchase", "ann", "2026-01-10T11:00:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00Z").send();
        JsonPath first = get(funnel(project, 1), project);
        assertEquals(false, first.getBoolean("is_cached"));
        assertEquals(2, first.getInt("results[0].count"));

        // cat signs up meanwhile; the repeat is the cached answer, with its time
        Capture.to(project).event("signed up", "cat", "2026-01-10T10:00:00Z").send();
        JsonPath repeat = get(funnel(project, 1), project);
        assertEquals(true, repeat.getBoolean("is_cached"));
        assertEquals(first.getString("last_refresh"), repeat.getString("last_refresh"));
        assertEquals(first.getList("results[0].people.distinct_ids"), repeat.getList("results[0].people.distinct_ids"));
        // the same filter as CSV is rendered from the same answer
        String csv = funnel(project, 1).queryParam("format", "csv")
                .get("/api/environments/" + project.id() + "/persons/funnel/").then().statusCode(200).extract().asString();
        assertTrue(!csv.contains("cat"), csv);

        // another page, another step, another key, refresh: computed, with cat
        assertEquals(false, get(funnel(project, 2), project).getBoolean("is_cached"));
        assertEquals(false, get(funnel(project, 1).queryParam("limit", 50), project).getBoolean("is_cached"));
        JsonPath busted = get(funnel(project, 1).queryParam("cache_invalidation_key", "k1"), project);
        assertEquals(false, busted.getBoolean("is_cached"));
        assertEquals(3, busted.getInt("results[0].count"));
        JsonPath refreshed = get(funnel(project, 1).queryParam("refresh", "true"), project);
        assertEquals(false, refreshed.getBoolean("is_cached"));
        assertEquals(3, refreshed.getInt("results[0].count"));
        assertNotEquals(first.getString("last_refresh"), refreshed.getString("last_refresh"));
        // refresh=false is no refresh: the refreshed answer is now the cached one
        JsonPath after = get(funnel(project, 1).queryParam("refresh", "false"), project);
        assertEquals(true, after.getBoolean("is_cached"));
        assertEquals(refreshed.getString("last_refresh"), after.getString("last_refresh"));
        // a POST body's refresh counts too
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("events", JsonPath.from(STEPS).getList(""), "date_from", "2026-01-01",
                        "date_to", "2026-01-31", "funnel_window_days", 14, "funnel_step", 1, "refresh", true))
                .post("/api/environments/" + project.id() + "/persons/funnel/").then().statusCode(200)
                .body("is_cached", equalTo(false)).body("results[0].count", equalTo(3));
    }

    @Test
    void anotherProjectsSameFilterIsItsOwn() {
        Project a = TestProjects.create("Legacy cache A");
        Project b = TestProjects.create("Legacy cache B");
        Capture.to(a).event("signed up", "ann", "2026-01-10T10:00:00Z").send();
        Capture.to(b).event("signed up", "zed", "2026-01-10T10:00:00Z").send();
        get(funnel(a, 1), a);
        JsonPath other = get(funnel(b, 1), b);
        assertEquals(false, other.getBoolean("is_cached"));
        funnel(b, 1).get("/api/environments/" + b.id() + "/persons/funnel/").then().statusCode(200)
                .body("is_cached", equalTo(true))
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("zed"));
    }

    /** A deleted person is not served from a cached list: deleting persons drops the project's cached lists. */
    @Test
    void deletingAPersonDropsTheCachedLists() {
        Project project = TestProjects.create("Legacy cache deletion");
        Project other = TestProjects.create("Legacy cache deletion, other");
        Capture.to(project).event("signed up", "ann", "2026-01-10T10:00:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00Z").send();
        Capture.to(other).event("signed up", "zed", "2026-01-10T10:00:00Z").send();
        JsonPath first = get(funnel(project, 1), project);
        assertEquals(2, first.getInt("results[0].count"));
        get(funnel(other, 1), other);
        String bob = first.getList("results[0].people", Map.class).stream()
                .filter(p -> ((java.util.List<?>) p.get("distinct_ids")).contains("bob")).map(p -> (String) p.get("uuid"))
                .findFirst().orElseThrow();
        given().header("Authorization", "Bearer " + project.key())
                .delete("/api/environments/" + project.id() + "/persons/" + bob + "/").then().statusCode(202);
        JsonPath after = get(funnel(project, 1), project);
        assertEquals(false, after.getBoolean("is_cached"));
        assertEquals(java.util.List.of(java.util.List.of("ann")), after.getList("results[0].people.distinct_ids"));
        // the other project's cached list stays
        assertEquals(true, get(funnel(other, 1), other).getBoolean("is_cached"));
        // the bulk delete drops them too
        get(funnel(project, 1), project);
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("distinct_ids", java.util.List.of("ann")))
                .post("/api/environments/" + project.id() + "/persons/bulk_delete/").then().statusCode(202);
        JsonPath empty = get(funnel(project, 1), project);
        assertEquals(false, empty.getBoolean("is_cached"));
        assertEquals(0, empty.getInt("results[0].count"));
    }

    /**
     * The answer's links are absolute URLs built from the request's origin: a request with a forged {@code Host}
     * caches its own entry, and callers of the real host never get its {@code next}.
     */
    @Test
    void aForgedHostDoesNotReachOtherCallersLinks() {
        Project project = TestProjects.create("Legacy cache host");
        Capture.to(project).event("signed up", "ann", "2026-01-10T10:00:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00Z").send();
        JsonPath forged = get(funnel(project, 1).queryParam("limit", 1).header("Host", "evil.example"), project);
        assertTrue(forged.getString("next").startsWith("http://evil.example/"), forged.getString("next"));
        JsonPath honest = get(funnel(project, 1).queryParam("limit", 1), project);
        assertEquals(false, honest.getBoolean("is_cached"));
        assertTrue(!honest.getString("next").contains("evil.example"), honest.getString("next"));
        assertTrue(!honest.getString("initial").contains("evil.example"), honest.getString("initial"));
        JsonPath again = get(funnel(project, 1).queryParam("limit", 1), project);
        assertEquals(true, again.getBoolean("is_cached"));
        assertEquals(honest.getString("next"), again.getString("next"));
    }
}
