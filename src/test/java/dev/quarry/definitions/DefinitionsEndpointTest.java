package dev.quarry.definitions;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.everyItem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Event and property definitions: filled by capture (first and last seen, types, which properties an event had),
 * read and edited through event_definitions/ and property_definitions/ with PostHog's shapes, scopes and errors.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class DefinitionsEndpointTest {
    private static Project team;
    private static Project other;
    /** Recent enough to count in the 30-day volume whenever the test runs. */
    private static final String RECENT = LocalDate.now(ZoneOffset.UTC).minusDays(2) + "T10:00:00Z";
    private static final String RECENT_LATER = LocalDate.now(ZoneOffset.UTC).minusDays(1) + "T10:00:00Z";

    @Inject
    Pool pool;

    /**
     * Two batches: purchase ×2 (price 9.5, then "cheap"; plan set on the person), $pageview ×1 in the first; purchase ×1
     * a day later in the second, plus an old signed_up from 2025 (outside 30 days). The other project has its own
     * "secret_event".
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Definitions");
        other = TestProjects.create("Definitions other");
        Capture.to(team)
                .event("purchase", "u1", RECENT, Map.of("price", 9.5, "$set", Map.of("plan", "pro", "signup_date", "2026-01-01")))
                .event("purchase", "u2", RECENT, Map.of("price", "cheap", "coupon", true))
                .event("$pageview", "u1", RECENT, Map.of("$current_url", "https://x.test/"))
                .send();
        Capture.to(team)
                .event("purchase", "u1", RECENT_LATER, Map.of("price", 3))
                .event("signed_up", "u3", "2025-01-01T00:00:00Z")
                .send();
        Capture.to(other).event("secret_event", "z", RECENT, Map.of("secret_prop", 1)).send();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    @Test
    void captureFillsEventDefinitionsWithSeenTimesAndVolume() {
        String base = "/api/projects/" + team.id() + "/event_definitions/";
        as(team.key()).get(base + "by_name/?name=purchase").then().statusCode(200)
                .body("name", equalTo("purchase"))
                .body("id", notNullValue())
                .body("created_at", equalTo(RECENT.replace("Z", ".000000Z")))
                .body("last_seen_at", equalTo(RECENT_LATER.replace("Z", ".000000Z")))
                .body("volume_30_day", equalTo(3))
                .body("verified", equalTo(false)).body("hidden", equalTo(false))
                .body("tags", equalTo(List.of())).body("description", nullValue());
        as(team.key()).get(base + "by_name/?name=signed_up").then().statusCode(200).body("volume_30_day", equalTo(0));
        // listed most recently seen first, with the count and no other project's names
        as(team.key()).get(base).then().statusCode(200)
                .body("count", equalTo(3))
                .body("results.name", equalTo(List.of("purchase", "$pageview", "signed_up")));
        as(team.key()).get("/api/environments/" + team.id() + "/event_definitions/?search=PURCH").then().statusCode(200)
                .body("count", equalTo(1)).body("results[0].volume_30_day", equalTo(3));
        // LIKE's wildcards in a search are literal characters: "_" is only signed_up's underscore, "%" nothing
        as(team.key()).queryParam("search", "_").get(base).then().statusCode(200)
                .body("count", equalTo(1)).body("results.name", equalTo(List.of("signed_up")));
        as(team.key()).queryParam("search", "%").get(base).then().statusCode(200).body("count", equalTo(0));
        // each word of a search matches on its own, in any order (PostHog's term_search_filter_sql)
        as(team.key()).queryParam("search", "up signed").get(base).then().statusCode(200)
                .body("results.name", equalTo(List.of("signed_up")));
        as(team.key()).queryParam("search", "  page   view ").get(base).then().statusCode(200)
                .body("results.name", equalTo(List.of("$pageview")));
        as(team.key()).queryParam("search", "signed nothing").get(base).then().statusCode(200).body("count", equalTo(0));
        as(team.key()).queryParam("search", java.util.stream.IntStream.range(0, 60).mapToObj(i -> "w" + i)
                .collect(java.util.stream.Collectors.joining(" "))).get(base).then().statusCode(400)
                .body("attr", equalTo("search"));
        as(team.key()).get(base + "?limit=1").then().statusCode(200).body("results.size()", equalTo(1))
                .body("next", containsString("offset=1"));
    }

    /** A page's volumes are counted once and served again for a while (each list page recounted the events). */
    @Test
    void volumesAreCountedOnceForAWhile() {
        TestProjects.Project p = TestProjects.create("Definition volumes kept");
        Capture.to(p).event("kept_event", "a", RECENT).send();
        String base = "/api/projects/" + p.id() + "/event_definitions/";
        as(p.key()).get(base).then().statusCode(200).body("results[0].volume_30_day", equalTo(1));
        Capture.to(p).event("kept_event", "b", RECENT).send();
        as(p.key()).get(base).then().statusCode(200).body("results[0].volume_30_day", equalTo(1));
    }

    @Test
    void propertyDefinitionsCarryTheFirstTypeSeen() {
        String base = "/api/projects/" + team.id() + "/property_definitions/";
        // price was first 9.5 (Numeric); "cheap" and 3 later do not change it
        as(team.key()).get(base + "?properties=price,coupon&type=event").then().statusCode(200)
                .body("count", equalTo(2))
                .body("results.name", equalTo(List.of("coupon", "price")))
                .body("results[1].property_type", equalTo("Numeric")).body("results[1].is_numerical", equalTo(true))
                .body("results[0].property_type", equalTo("Boolean"));
        // the person properties PostHog derives from the $pageview's $current_url are person properties too
        as(team.key()).get(base + "?type=person").then().statusCode(200)
                .body("results.name", equalTo(List.of("$current_url", "$initial_current_url", "plan", "signup_date")))
                .body("results[3].property_type", equalTo("DateTime"));
        as(team.key()).get(base + "?type=event&event_names=[\"$pageview\"]").then().statusCode(200)
                .body("results.find { it.name == '$current_url' }.is_seen_on_filtered_events", equalTo(true))
                .body("results.find { it.name == 'price' }.is_seen_on_filtered_events", equalTo(false));
        as(team.key()).get(base + "?type=event&is_numerical=true").then().statusCode(200)
                .body("results.name", equalTo(List.of("price")));
        as(team.key()).get(base + "?type=session").then().statusCode(200).body("count", equalTo(0));
        as(team.key()).get(base + "?properties=secret_prop").then().statusCode(200).body("count", equalTo(0));
    }

    /**
     * PostHog's list parameters past the basic ones: {@code filter_by_event_names} (only the properties seen with
     * {@code event_names}), seen ones sorted first, {@code excluded_properties}, {@code is_feature_flag}; and the
     * properties ingestion sets ($groups, $group_0, $set) never listed as event properties.
     */
    @Test
    void propertyListsNarrowByEventNamesAndHideIngestionsOwnProperties() {
        Project p = TestProjects.create("Definitions filters");
        Capture.to(p).event("$pageview", "u1", RECENT, Map.of("$current_url", "https://x.test/", "zz_page", 1,
                        "$groups", Map.of("company", "acme"), "$set", Map.of("plan", "pro")))
                .event("purchase", "u1", RECENT, Map.of("price", 9.5, "$feature/beta", true))
                .send();
        String base = "/api/projects/" + p.id() + "/property_definitions/";
        List<String> all = as(p.key()).get(base + "?type=event&limit=1000").then().statusCode(200).extract()
                .jsonPath().getList("results.name");
        assertTrue(all.containsAll(List.of("$current_url", "zz_page", "price", "$feature/beta")), all.toString());
        for (String hidden : List.of("$groups", "$group_0", "$set")) {
            assertFalse(all.contains(hidden), hidden + " listed: " + all);
        }
        // seen with $pageview first, then the rest, each part by name
        List<String> seenFirst = as(p.key()).get(base + "?type=event&limit=1000&event_names=[\"$pageview\"]").then()
                .statusCode(200).extract().jsonPath().getList("results.name");
        assertTrue(seenFirst.indexOf("zz_page") < seenFirst.indexOf("price"), seenFirst.toString());
        as(p.key()).get(base + "?type=event&limit=1000&filter_by_event_names=true&event_names=[\"$pageview\"]")
                .then().statusCode(200)
                .body("results.is_seen_on_filtered_events", everyItem(equalTo(true)))
                .body("results.name", hasItems("$current_url", "zz_page"))
                .body("results.name", not(hasItem("price")))
                .body("count", equalTo(seenFirst.size() - 2)); // less price and $feature/beta
        as(p.key()).get(base + "?type=event&limit=1000&excluded_properties=[\"price\",\"zz_page\"]").then()
                .statusCode(200).body("count", equalTo(all.size() - 2)).body("results.name", not(hasItem("price")));
        as(p.key()).get(base + "?type=event&is_feature_flag=true").then().statusCode(200)
                .body("results.name", equalTo(List.of("$feature/beta")));
        as(p.key()).get(base + "?type=event&is_feature_flag=maybe").then().statusCode(400)
                .body("attr", equalTo("is_feature_flag"));
        as(p.key()).get(base + "?type=person&event_names=[\"$pageview\"]").then().statusCode(400)
                .body("detail", equalTo("`event_names` can only be set for `event` type"));
    }

    /** A batch of already known names within the hour writes no row version (xmin stays); a new name adds one row. */
    @Test
    void knownNamesWriteNothingAndNewNamesAreAddedOnce() {
        Project p = TestProjects.create("Definitions writes");
        Capture.to(p).event("purchase", "u1", RECENT_LATER, Map.of("price", 9.5)).send();
        String before = xmin(p, "purchase");
        Capture.to(p).event("purchase", "u9", RECENT_LATER, Map.of("price", 1, "coupon", false)).send();
        assertEquals(before, xmin(p, "purchase"));
        Capture.to(p).event("refund", "u9", RECENT_LATER, Map.of("price", 1)).event("refund", "u8", RECENT_LATER).send();
        var rows = pool.preparedQuery("SELECT count(*) FROM event_definitions WHERE team_id = $1 AND name = 'refund'")
                .execute(Tuple.of(p.id())).await().indefinitely();
        assertEquals(1L, rows.iterator().next().getLong(0));
        rows = pool.preparedQuery("SELECT string_agg(property, ',' ORDER BY property) FROM event_properties "
                        + "WHERE team_id = $1 AND event = 'purchase'").execute(Tuple.of(p.id())).await().indefinitely();
        assertEquals("coupon,price", rows.iterator().next().getString(0));
    }

    /** Null, object and list values name a property without saying its type: stored untyped, capture unharmed. */
    @Test
    void valuesWithoutATypeAreStoredUntyped() {
        Project p = TestProjects.create("Definitions untyped");
        java.util.Map<String, Object> props = new java.util.HashMap<>();
        props.put("empty", null);
        props.put("obj", Map.of("a", 1));
        props.put("list", List.of(1, 2));
        java.util.Map<String, Object> set = new java.util.HashMap<>();
        set.put("nothing", null);
        props.put("$set", set);
        Capture.to(p).event("odd", "u1", RECENT, props).send();
        as(p.key()).get("/api/projects/" + p.id() + "/property_definitions/?properties=empty,obj,list").then().statusCode(200)
                .body("results.name", equalTo(List.of("empty", "list", "obj")))
                .body("results.property_type", equalTo(java.util.Arrays.asList(null, null, null)))
                .body("results.is_numerical", equalTo(List.of(false, false, false)));
        as(p.key()).get("/api/projects/" + p.id() + "/property_definitions/?type=person").then().statusCode(200)
                .body("results.name", equalTo(List.of("nothing")));
    }

    private String xmin(Project p, String name) {
        return pool.preparedQuery("SELECT xmin::text FROM event_definitions WHERE team_id = $1 AND name = $2")
                .execute(Tuple.of(p.id(), name)).await().indefinitely().iterator().next().getString(0);
    }

    @Test
    void createPatchAndErrors() {
        Project team = TestProjects.create("Definitions edits");
        Capture.to(team).event("purchase", "u1", RECENT, Map.of("coupon", true)).send();
        String base = "/api/projects/" + team.id() + "/event_definitions/";
        String id = as(team.key()).body(Map.of("name", "planned_event", "description", "Planned", "tags", List.of("Growth")))
                .post(base).then().statusCode(201)
                .body("name", equalTo("planned_event")).body("description", equalTo("Planned"))
                .body("tags", equalTo(List.of("growth"))).body("last_seen_at", nullValue()).body("volume_30_day", equalTo(0))
                .extract().path("id");
        as(team.key()).body(Map.of("name", "planned_event")).post(base).then().statusCode(400).body("attr", equalTo("name"));
        as(team.key()).body(Map.of("description", "x")).post(base).then().statusCode(400).body("attr", equalTo("name"));
        as(team.key()).body(Map.of("verified", true)).patch(base + id + "/").then().statusCode(200)
                .body("verified", equalTo(true)).body("verified_at", notNullValue()).body("description", equalTo("Planned"));
        as(team.key()).body(Map.of("hidden", true, "verified", true)).patch(base + id + "/").then().statusCode(400)
                .body("attr", equalTo("hidden"));
        as(team.key()).body(Map.of("verified", "yes")).patch(base + id + "/").then().statusCode(400).body("attr", equalTo("verified"));
        // a description is bounded so that a page of definitions always fits an answer; nothing of a refused edit stays
        as(team.key()).body(Map.of("description", "d".repeat(4097))).patch(base + id + "/").then().statusCode(400)
                .body("attr", equalTo("description"));
        as(team.key()).get(base + id + "/").then().statusCode(200).body("description", equalTo("Planned"));
        as(team.key()).get(base + id + "/").then().statusCode(200).body("verified", equalTo(true));
        as(team.key()).get(base + UUID.randomUUID() + "/").then().statusCode(404);
        as(team.key()).get(base + "nope/").then().statusCode(404);
        as(team.key()).get(base + "by_name/?name=nope").then().statusCode(404);
        as(team.key()).get(base + "by_name/").then().statusCode(400).body("attr", equalTo("name"));

        String prop = as(team.key()).get("/api/projects/" + team.id() + "/property_definitions/?properties=coupon")
                .then().statusCode(200).extract().path("results[0].id");
        String pbase = "/api/projects/" + team.id() + "/property_definitions/";
        as(team.key()).body(Map.of("description", "Coupon used", "property_type", "String")).patch(pbase + prop + "/")
                .then().statusCode(200).body("description", equalTo("Coupon used")).body("property_type", equalTo("String"))
                .body("is_numerical", equalTo(false));
        as(team.key()).body(Map.of("property_type", "Float")).patch(pbase + prop + "/").then().statusCode(400)
                .body("attr", equalTo("property_type"));
        // a list is named as sent (DRF quotes the value); "property_type": null clears the type (PostHog's serializer
        // allows null), where leaving the field out keeps it (a breaker's finding: null was taken as "not sent")
        as(team.key()).body("{\"property_type\": [\"DateTime\"]}").patch(pbase + prop + "/").then().statusCode(400)
                .body("detail", equalTo("\"[\"DateTime\"]\" is not a valid choice.")).body("attr", equalTo("property_type"));
        as(team.key()).body("{\"description\": \"Coupon used\"}").patch(pbase + prop + "/").then().statusCode(200)
                .body("property_type", equalTo("String"));
        as(team.key()).body("{\"property_type\": null}").patch(pbase + prop + "/").then().statusCode(200)
                .body("property_type", nullValue()).body("is_numerical", equalTo(false));
        as(team.key()).get(pbase + prop + "/").then().statusCode(200).body("description", equalTo("Coupon used"))
                .body("property_type", nullValue());
        as(team.key()).get(pbase + "?type=group-x").then().statusCode(400).body("attr", equalTo("type"));
        as(team.key()).get(pbase + "?event_names=notjson").then().statusCode(400).body("attr", equalTo("event_names"));
    }

    /** PostHog's enterprise serializers: updated_by is the editing user, verified_by who verified (cleared unverified). */
    @Test
    void editsNameWhoMadeThemAndWhoVerified() {
        Project team = TestProjects.create("Definitions editors");
        Capture.to(team).event("checkout", "u1", RECENT, Map.of("coupon", true)).send();
        String base = "/api/projects/" + team.id() + "/event_definitions/";
        String id = as(team.key()).get(base + "?search=checkout").then().statusCode(200)
                .body("results[0].updated_by", nullValue()).body("results[0].verified_by", nullValue())
                .extract().path("results[0].id");
        int owner = (int) team.ownerUserId();
        as(team.key()).body(Map.of("verified", true)).patch(base + id + "/").then().statusCode(200)
                .body("updated_by.id", equalTo(owner)).body("verified_by.id", equalTo(owner))
                .body("updated_by.email", notNullValue()).body("updated_by.uuid", notNullValue());
        // every read names them: the page, the row, by name
        as(team.key()).get(base + "?search=checkout").then().statusCode(200)
                .body("results[0].updated_by.id", equalTo(owner)).body("results[0].verified_by.id", equalTo(owner));
        as(team.key()).get(base + id + "/").then().statusCode(200).body("verified_by.id", equalTo(owner));
        as(team.key()).get(base + "by_name/?name=checkout").then().statusCode(200).body("updated_by.id", equalTo(owner));
        as(team.key()).body(Map.of("verified", false)).patch(base + id + "/").then().statusCode(200)
                .body("verified_by", nullValue()).body("verified_at", nullValue()).body("updated_by.id", equalTo(owner));
        String created = as(team.key()).body(Map.of("name", "planned", "verified", true)).post(base).then().statusCode(201)
                .body("updated_by.id", equalTo(owner)).body("verified_by.id", equalTo(owner)).extract().path("id");
        as(team.key()).get(base + created + "/").then().statusCode(200).body("verified_by.id", equalTo(owner));

        String pbase = "/api/projects/" + team.id() + "/property_definitions/";
        String prop = as(team.key()).get(pbase + "?properties=coupon").then().statusCode(200)
                .body("results[0].updated_by", nullValue()).extract().path("results[0].id");
        as(team.key()).body(Map.of("description", "Coupon used")).patch(pbase + prop + "/").then().statusCode(200)
                .body("updated_by.id", equalTo(owner)).body("verified_by", nullValue());
        as(team.key()).get(pbase + "?properties=coupon").then().statusCode(200)
                .body("results[0].updated_by.id", equalTo(owner));
        as(team.key()).get(pbase + prop + "/").then().statusCode(200).body("updated_by.id", equalTo(owner));
    }

    @Test
    void scopesAndIsolation() {
        String base = "/api/projects/" + team.id() + "/event_definitions/";
        String pbase = "/api/projects/" + team.id() + "/property_definitions/";
        as(team.keyWith("query:read")).get(base).then().statusCode(403).body("detail", containsString("event_definition:read"));
        as(team.keyWith("event_definition:read")).body(Map.of("name", "x")).post(base).then().statusCode(403)
                .body("detail", containsString("event_definition:write"));
        as(team.keyWith("event_definition:read")).get(pbase).then().statusCode(403);
        String id = as(team.keyWith("event_definition:read")).get(base + "by_name/?name=purchase").then().statusCode(200)
                .extract().path("id");
        as(team.keyWith("property_definition:write")).get(pbase + "?type=person").then().statusCode(200);
        given().get(base).then().statusCode(401);
        // the other project's definitions are neither listed nor reachable by id
        String secret = as(other.key()).get("/api/projects/" + other.id() + "/event_definitions/by_name/?name=secret_event")
                .then().statusCode(200).extract().path("id");
        as(team.key()).get(base + secret + "/").then().statusCode(404);
        as(team.key()).body(Map.of("description", "mine now")).patch(base + secret + "/").then().statusCode(404);
        as(team.key()).get("/api/projects/" + other.id() + "/event_definitions/").then().statusCode(403);
        as(other.key()).get("/api/projects/" + other.id() + "/event_definitions/" + secret + "/").then().statusCode(200)
                .body("description", nullValue());
        as(other.key()).get("/api/projects/" + other.id() + "/event_definitions/" + id + "/").then().statusCode(404);
    }
}
