package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * The {@code filters} of a dynamic cohort as PostHog's {@code CohortSerializer.validate_filters}
 * (posthog/api/cohort.py) checks them on create and edit: not an object, or no {@code properties} key, is 400
 * "Must contain a 'properties' key with type and values" with {@code attr} {@code filters__detail} (the validator
 * raises the dict {@code {"detail", "type"}}, which drf-exceptions-hog flattens with "__"); a criterion missing a
 * required key of its pydantic model is 400 "Missing required keys for &lt;kind&gt; filter: &lt;key&gt;", attr
 * {@code filters}. A static cohort's filters are not checked. Its {@code query} ({@code validate_query} and the rules
 * of {@code create}) and {@code _create_static_person_ids} are read as PostHog reads them. The bodies are those
 * PostHog's cohort editor and its "save as static cohort" send.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortFiltersBodyTest {
    private static final String NO_PROPERTIES = "Must contain a 'properties' key with type and values";

    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    private static String base(Project p) {
        return "/api/projects/" + p.id() + "/cohorts/";
    }

    /** The editor's shape: an OR group of AND groups, holding {@code leaf}. */
    private static String filters(String leaf) {
        return "{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":\"AND\",\"values\":[" + leaf + "]}]}}";
    }

    private static final String PLAN_SET = filters("{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}");

    @Test
    void filtersWithoutPropertiesAre400OnCreateAndEdit() {
        Project team = TestProjects.create("Cohort filters body");
        // {}, null, a list, a string: "not isinstance(raw, dict) or 'properties' not in raw" (PostHog's own test sends
        // the string "[Slkasd=lkxcn]")
        for (String bad : new String[] {"{}", "null", "[]", "\"[Slkasd=lkxcn]\"", "{\"groups\":[]}"}) {
            as(team).body("{\"name\":\"x\",\"filters\":" + bad + "}").post(base(team)).then().statusCode(400)
                    .body("type", equalTo("validation_error")).body("code", equalTo("invalid_input"))
                    .body("detail", equalTo(NO_PROPERTIES)).body("attr", equalTo("filters__detail"));
        }
        // beside legacy groups too: PostHog validates filters whenever they are sent
        as(team).body("{\"name\":\"x\",\"filters\":{},\"groups\":[{\"properties\":[{\"key\":\"plan\",\"value\":\"a\","
                + "\"type\":\"person\",\"operator\":\"exact\"}]}]}").post(base(team)).then().statusCode(400)
                .body("detail", equalTo(NO_PROPERTIES)).body("attr", equalTo("filters__detail"));

        long id = as(team).body("{\"name\":\"ok\",\"filters\":" + PLAN_SET + "}").post(base(team)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        for (String bad : new String[] {"{}", "null"}) {
            as(team).body("{\"filters\":" + bad + "}").patch(base(team) + id + "/").then().statusCode(400)
                    .body("detail", equalTo(NO_PROPERTIES)).body("attr", equalTo("filters__detail"));
        }
        // nothing of the refused edits was stored
        as(team).get(base(team) + id + "/").then().statusCode(200)
                .body("filters.properties.values[0].values[0].key", equalTo("plan"));
        // an edit without filters is not checked; an unknown cohort is 404 before the body is read
        as(team).body("{\"name\":\"renamed\"}").patch(base(team) + id + "/").then().statusCode(200);
        as(team).body("{\"filters\":{}}").patch(base(team) + (id + 100_000) + "/").then().statusCode(404);
    }

    /**
     * {@code is_static} is DRF's BooleanField ("yes" is true, "maybe", 2 and [] are "Must be a valid boolean.");
     * an edit that would flip a cohort between dynamic and static is a 400 naming it, so a dynamic cohort's filters
     * can never be stored unchecked behind a flip (the breaker's {@code {"is_static":true,"filters":{"bad":1}}}).
     */
    @Test
    void isStaticIsDrfsBooleanAndAnEditDoesNotFlipIt() {
        Project team = TestProjects.create("Cohort is_static");
        for (String bad : new String[] {"\"maybe\"", "2", "[]"}) {
            as(team).body("{\"name\":\"x\",\"is_static\":" + bad + "}").post(base(team)).then().statusCode(400)
                    .body("detail", equalTo("Must be a valid boolean.")).body("attr", equalTo("is_static"));
        }
        as(team).body("{\"name\":\"yes\",\"is_static\":\"yes\"}").post(base(team)).then().statusCode(201)
                .body("is_static", equalTo(true));
        long id = as(team).body("{\"name\":\"dynamic\",\"filters\":" + PLAN_SET + "}").post(base(team)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        as(team).body("{\"is_static\":true,\"filters\":{\"bad\":1}}").patch(base(team) + id + "/").then()
                .statusCode(400).body("attr", equalTo("is_static"));
        as(team).get(base(team) + id + "/").then().statusCode(200).body("is_static", equalTo(false))
                .body("filters.properties.values[0].values[0].key", equalTo("plan"));
        // the kind it already has is no flip
        as(team).body("{\"is_static\":false,\"name\":\"still dynamic\"}").patch(base(team) + id + "/").then()
                .statusCode(200).body("name", equalTo("still dynamic"));
    }

    @Test
    void staticCohortsFiltersAreNotChecked() {
        Project team = TestProjects.create("Cohort filters body, static");
        long id = as(team).body("{\"name\":\"s\",\"is_static\":true,\"filters\":{}}").post(base(team)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        // the stored cohort is static: its edit is not checked either
        as(team).body("{\"filters\":{}}").patch(base(team) + id + "/").then().statusCode(200);
    }

    @Test
    void aCriterionMissingARequiredKeyIsNamedAsPostHogNamesIt() {
        Project team = TestProjects.create("Cohort filters body, keys");
        String[][] cases = {
            // PersonFilter's model validator: value (unless is_set / is_not_set) and operator, named together
            {"{\"key\":\"plan\",\"type\":\"person\"}", "Missing required keys for person filter: value, operator"},
            {"{\"key\":\"plan\",\"type\":\"person\",\"value\":\"a\"}", "Missing required keys for person filter: operator"},
            {"{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"exact\"}", "Missing required keys for person filter: value"},
            {"{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"exact\",\"value\":null}",
                "Missing required keys for person filter: value"},
            // a required field of the model: pydantic's "missing", mapped by _cohort_error_message
            {"{\"type\":\"person\",\"operator\":\"exact\",\"value\":\"a\"}", "Missing required keys for person filter: key"},
            {"{\"key\":\"id\",\"type\":\"cohort\"}", "Missing required keys for cohort filter: value"},
            {"{\"key\":\"purchase\",\"type\":\"behavioral\",\"value\":\"performed_event\",\"time_value\":30,"
                + "\"time_interval\":\"day\"}", "Missing required keys for behavioral filter: event_type"},
            {"{\"type\":\"behavioral\",\"value\":\"performed_event\",\"event_type\":\"events\"}",
                "Missing required keys for behavioral filter: key"},
        };
        for (String[] c : cases) {
            as(team).body("{\"name\":\"x\",\"filters\":" + filters(c[0]) + "}").post(base(team)).then()
                    .statusCode(400).body("type", equalTo("validation_error")).body("detail", equalTo(c[1]))
                    .body("attr", equalTo("filters"));
        }
        // the first mappable error wins, in pydantic's order (values[0] before values[1])
        as(team).body("{\"name\":\"x\",\"filters\":" + filters("{\"key\":\"id\",\"type\":\"cohort\"},"
                + "{\"key\":\"plan\",\"type\":\"person\"}") + "}").post(base(team)).then().statusCode(400)
                .body("detail", equalTo("Missing required keys for cohort filter: value"));
        // is_set needs no value
        as(team).body("{\"name\":\"ok\",\"filters\":" + PLAN_SET + "}").post(base(team)).then().statusCode(201);
    }

    @Test
    void shapesPostHogsModelRefusesAre400NamingFilters() {
        Project team = TestProjects.create("Cohort filters body, shapes");
        String leaf = "{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}";
        String[] bad = {
            "{\"properties\":null}",                                        // no group
            "{\"properties\":[" + leaf + "]}",                               // a flat list is no Group
            "{\"properties\":{\"type\":\"XOR\",\"values\":[" + leaf + "]}}",  // type is AND or OR
            "{\"properties\":{\"type\":\"AND\"}}",                           // values required
            // a leaf type outside person / cohort / behavioral (the discriminator)
            filters("{\"key\":\"$browser\",\"type\":\"event\",\"operator\":\"exact\",\"value\":\"x\"}"),
            filters("{\"key\":\"id\",\"type\":\"precalculated-cohort\",\"value\":1}"),
        };
        for (String f : bad) {
            as(team).body("{\"name\":\"x\",\"filters\":" + f + "}").post(base(team)).then().statusCode(400)
                    .body("type", equalTo("validation_error")).body("attr", equalTo("filters"));
        }
    }

    @Test
    void aQueryIsCheckedAsPostHogChecksItAndNeverDropped() {
        Project team = TestProjects.create("Cohort query body");
        String actors = "{\"kind\":\"ActorsQuery\",\"select\":[\"id\"]}";
        // validate_query: attr query
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":\"select 1\"}").post(base(team)).then()
                .statusCode(400).body("detail", equalTo("Query must be a dictionary.")).body("attr", equalTo("query"));
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":{\"kind\":\"TrendsQuery\"}}").post(base(team))
                .then().statusCode(400).body("detail", equalTo("Query must be an ActorsQuery or HogQLQuery. Got: TrendsQuery"))
                .body("attr", equalTo("query"));
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":{\"select\":[\"id\"]}}").post(base(team)).then()
                .statusCode(400).body("detail", equalTo("Query must be an ActorsQuery or HogQLQuery. Got: None"));
        // create's rules: no attr
        as(team).body("{\"name\":\"q\",\"filters\":" + PLAN_SET + ",\"query\":" + actors + "}").post(base(team))
                .then().statusCode(400).body("detail", equalTo("Cannot set both query and filters at the same time."))
                .body("attr", equalTo(null));
        as(team).body("{\"name\":\"q\",\"query\":" + actors + "}").post(base(team)).then().statusCode(400)
                .body("detail", equalTo("Cannot create a dynamic cohort with a query. Set is_static to true."))
                .body("attr", equalTo(null));
        // a static cohort is filled from its query (CohortFromQueryTest): here no events, so no members; the query
        // is kept and shown
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":{\"kind\":\"HogQLQuery\",\"query\":"
                + "\"select person_id from events\"}}").post(base(team)).then().statusCode(201)
                .body("count", equalTo(0)).body("query.kind", equalTo("HogQLQuery"));
        // a falsy query is none
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":{}}").post(base(team)).then().statusCode(201);
        as(team).body("{\"name\":\"q\",\"is_static\":true,\"query\":null}").post(base(team)).then().statusCode(201);
        as(team).get(base(team) + "?search=q").then().statusCode(200).body("count", equalTo(3));
    }

    @Test
    void staticPersonIdsOnCreateAreTheMembers() {
        Project team = TestProjects.create("Cohort static person ids");
        Project other = TestProjects.create("Cohort static person ids, other");
        Capture.to(team).event("x", "a", "2026-01-01T00:00:00Z").event("x", "b", "2026-01-01T00:00:00Z").send();
        Capture.to(other).event("x", "o", "2026-01-01T00:00:00Z").send();
        String a = person(team, "a");
        String o = person(other, "o");
        // a and the other project's o: only a is the project's, so 1 member (PostHog filters by team)
        // a listed twice is one member; the cohort and its members are written together, so the created answer
        // already counts them
        long id = as(team).body("{\"name\":\"s\",\"description\":\"d\",\"is_static\":true,"
                        + "\"_create_static_person_ids\":[\"" + a + "\",\"" + o + "\",\"" + a + "\"]}").post(base(team))
                .then().statusCode(201).body("count", equalTo(1)).body("is_static", equalTo(true))
                .body("name", equalTo("s")).body("description", equalTo("d")).body("created_by", notNullValue())
                .extract().jsonPath().getLong("id");
        as(team).get(base(team) + id + "/").then().statusCode(200).body("count", equalTo(1));
        // only the other project's person: a static cohort of none
        long none = as(team).body("{\"name\":\"n\",\"is_static\":true,\"_create_static_person_ids\":[\"" + o
                + "\"]}").post(base(team)).then().statusCode(201).body("count", equalTo(0)).extract().jsonPath()
                .getLong("id");
        as(team).get(base(team) + none + "/").then().statusCode(200).body("count", equalTo(0));
        as(team).get("/api/projects/" + team.id() + "/persons/cohorts/?person_id=" + a).then().statusCode(200)
                .body("results.size()", equalTo(1)).body("results[0].id", equalTo((int) id));
        as(team).body("{\"name\":\"s\",\"is_static\":true,\"_create_static_person_ids\":\"" + a + "\"}").post(base(team))
                .then().statusCode(400).body("detail", equalTo("Expected a list of items but got type \"str\"."))
                .body("attr", equalTo("_create_static_person_ids"));
        as(team).body("{\"name\":\"s\",\"is_static\":true,\"_create_static_person_ids\":[\"nope\"]}").post(base(team))
                .then().statusCode(400).body("attr", equalTo("_create_static_person_ids"));
        // Python's uuid.UUID forms: braced, urn:uuid:, 32 digits without hyphens (upper case too) are a's uuid;
        // 1-1-1-1-1, which Java's UUID.fromString would take, is not a uuid
        String bare = a.replace("-", "").toUpperCase();
        as(team).body("{\"name\":\"forms\",\"is_static\":true,\"_create_static_person_ids\":[\"{" + a + "}\",\"urn:uuid:"
                + a + "\",\"" + bare + "\"]}").post(base(team)).then().statusCode(201).body("count", equalTo(1));
        as(team).body("{\"name\":\"s\",\"is_static\":true,\"_create_static_person_ids\":[\"1-1-1-1-1\"]}").post(base(team))
                .then().statusCode(400).body("attr", equalTo("_create_static_person_ids"));
    }

    private static String person(Project p, String distinctId) {
        return as(p).get("/api/projects/" + p.id() + "/persons/?distinct_id=" + distinctId).then().statusCode(200)
                .extract().path("results[0].uuid");
    }
}
