package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * A cohort's filters may name only cohorts of its own project, as PostHog's {@code will_create_loops}
 * (posthog/api/cohort.py) checks on update: another project's cohort id (or one that does not exist) is 400
 * {@code "Invalid Cohort ID in filter"}, a chain back to the edited cohort is 400 "Cohorts cannot reference other
 * cohorts in a loop."; Quarry checks on create too, so such a cohort is never stored. The bodies are the JSON the
 * PostHog app sends (its cohort editor's {@code filters}, the old {@code groups}).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortReferencesTest {
    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    private static String base(Project p) {
        return "/api/projects/" + p.id() + "/cohorts/";
    }

    /** The cohort editor's filters: one AND group holding one cohort criterion. */
    private static String naming(long cohortId) {
        return "{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":\"AND\",\"values\":[{\"key\":\"id\","
                + "\"type\":\"cohort\",\"value\":" + cohortId + ",\"negation\":false}]}]}}";
    }

    private static long create(Project p, String body) {
        return as(p).body(body).post(base(p)).then().statusCode(201).extract().jsonPath().getLong("id");
    }

    @Test
    void anotherProjectsCohortIsRefusedOnCreateAndUpdate() {
        Project team = TestProjects.create("Cohort references");
        Project other = TestProjects.create("Cohort references, other");
        Capture.to(other).event("x", "o1", "2026-01-01T00:00:00Z").send();
        long foreign = create(other, "{\"name\":\"Theirs\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":"
                + "[{\"type\":\"AND\",\"values\":[{\"key\":\"$initial_os\",\"type\":\"person\",\"operator\":\"is_not_set\"}]}]}}}");

        as(team).body("{\"name\":\"Borrowed\",\"filters\":" + naming(foreign) + "}").post(base(team)).then()
                .statusCode(400).body("type", equalTo("validation_error")).body("code", equalTo("invalid_input"))
                .body("detail", equalTo("Invalid Cohort ID in filter")).body("attr", nullValue());
        // a cohort that exists nowhere answers the same: the answer tells nothing about the other project
        as(team).body("{\"name\":\"Missing\",\"filters\":" + naming(foreign + 100_000) + "}").post(base(team)).then()
                .statusCode(400).body("detail", equalTo("Invalid Cohort ID in filter"));
        // the old groups field, with the id as text (PostHog's own test sends "99999")
        as(team).body("{\"name\":\"Legacy\",\"groups\":[{\"properties\":[{\"type\":\"cohort\",\"value\":\"" + foreign
                + "\",\"key\":\"id\"}]}]}").post(base(team)).then().statusCode(400)
                .body("detail", equalTo("Invalid Cohort ID in filter"));
        as(team).get(base(team)).then().statusCode(200).body("count", equalTo(0));

        long own = create(team, "{\"name\":\"Own\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":"
                + "\"AND\",\"values\":[{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}]}]}}}");
        as(team).body("{\"filters\":" + naming(foreign) + "}").patch(base(team) + own + "/").then().statusCode(400)
                .body("detail", equalTo("Invalid Cohort ID in filter")).body("attr", nullValue());
        // nothing was stored
        as(team).get(base(team) + own + "/").then().statusCode(200)
                .body("filters.properties.values[0].values[0].key", equalTo("plan")).body("groups.size()", equalTo(0));
        // the project's own cohort may be named
        long user = create(team, "{\"name\":\"Uses own\",\"filters\":" + naming(own) + "}");
        as(team).get(base(team) + user + "/").then().statusCode(200)
                .body("filters.properties.values[0].values[0].value", equalTo((int) own));
    }

    /**
     * A saved insight is stored with whatever ids its query holds (PostHog's InsightSerializer checks none), and reads
     * nothing across the wall when it runs: another project's cohort is the query endpoint's 400 naming the id.
     */
    @Test
    void aSavedInsightNamingAnotherProjectsCohortReadsNothing() {
        Project team = TestProjects.create("Insight cohort references");
        Project other = TestProjects.create("Insight cohort references, other");
        Capture.to(other).event("signup", "o1", "2026-03-01T10:00:00Z").send();
        long foreign = create(other, "{\"name\":\"Theirs\",\"is_static\":true}");
        String base = "/api/environments/" + team.id() + "/insights/";
        String query = "{\"kind\":\"InsightVizNode\",\"source\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":"
                + "\"EventsNode\",\"event\":\"signup\",\"math\":\"total\"}],\"dateRange\":{\"date_from\":"
                + "\"2026-03-01\",\"date_to\":\"2026-03-02\"},\"interval\":\"day\",\"properties\":[{\"key\":\"id\","
                + "\"type\":\"cohort\",\"value\":" + foreign + "}]}}";
        int id = as(team).body("{\"name\":\"Borrowed cohort\",\"query\":" + query + "}").post(base).then()
                .statusCode(201).extract().path("id");
        as(team).get(base + id + "/?refresh=blocking").then().statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID " + foreign));
    }

    private static String legacyNaming(long cohortId) {
        return "[{\"properties\":[{\"type\":\"cohort\",\"value\":" + cohortId + ",\"key\":\"id\"}]}]";
    }

    private static final String PLAN_SET = "{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":\"AND\","
            + "\"values\":[{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}]}]}}";

    /**
     * A cohort is read by its {@code filters} when they are truthy, by its legacy {@code groups} only otherwise
     * (PostHog's {@code Cohort.properties}, posthog/models/cohort/cohort.py); {@code will_create_loops}
     * (posthog/api/cohort.py) walks those {@code properties} only. So groups sent beside filters are stored as sent and
     * never read: another project's id or a loop in them is no 400, they are not calculated, and a cohort whose
     * filters are read is not walked through its groups. Groups alone are read and checked, on create and update.
     */
    @Test
    void legacyGroupsBesideFiltersAreStoredButNotRead() {
        Project team = TestProjects.create("Cohort groups beside filters");
        Project other = TestProjects.create("Cohort groups beside filters, other");
        long foreign = create(other, "{\"name\":\"Theirs\",\"filters\":" + PLAN_SET + "}");
        Capture.to(team).event("x", "paid", "2026-01-01T00:00:00Z", java.util.Map.of("$set", java.util.Map.of("plan", "pro")))
                .send();
        Capture.to(team).event("x", "free", "2026-01-01T00:00:00Z").send();

        // filters read (one member: the person with a plan), the foreign id in groups kept as sent
        long both = create(team, "{\"name\":\"Both\",\"filters\":" + PLAN_SET + ",\"groups\":" + legacyNaming(foreign) + "}");
        as(team).get(base(team) + both + "/").then().statusCode(200).body("count", equalTo(1))
                .body("groups[0].properties[0].value", equalTo((int) foreign))
                .body("filters.properties.values[0].values[0].key", equalTo("plan"));
        // the same on update
        as(team).body("{\"groups\":" + legacyNaming(foreign + 1) + "}").patch(base(team) + both + "/").then()
                .statusCode(200).body("groups[0].properties[0].value", equalTo((int) foreign + 1)).body("count", equalTo(1));
        // groups alone are read, and checked
        as(team).body("{\"name\":\"Groups only\",\"groups\":" + legacyNaming(foreign) + "}").post(base(team)).then()
                .statusCode(400).body("detail", equalTo("Invalid Cohort ID in filter"));

        // B is read by its filters (naming A); its groups name C. C naming B is no loop: B's groups are not walked
        long a = create(team, "{\"name\":\"A\",\"filters\":" + PLAN_SET + "}");
        long c = create(team, "{\"name\":\"C\",\"filters\":" + PLAN_SET + "}");
        long b = create(team, "{\"name\":\"B\",\"filters\":" + naming(a) + ",\"groups\":" + legacyNaming(c) + "}");
        as(team).body("{\"filters\":" + naming(b) + "}").patch(base(team) + c + "/").then().statusCode(200);
        // a loop through what is read is still one
        as(team).body("{\"filters\":" + naming(c) + "}").patch(base(team) + a + "/").then().statusCode(400)
                .body("detail", equalTo("Cohorts cannot reference other cohorts in a loop."));
    }

    /**
     * Criteria that are no filter are a 400 wherever they become the cohort's criteria (the breaker's shapes): legacy
     * groups whose properties are not objects, on create (groups alone; empty filters are PostHog's own 400, see
     * CohortFiltersBodyTest); a properties object of an unknown type, whose {@code values} is no list.
     * Nothing of the refused edit is stored.
     */
    @Test
    void criteriaThatAreNoFilterAre400WhereverTheyBecomeTheCriteria() {
        Project team = TestProjects.create("Cohort criteria checked");
        for (String properties : new String[] {"[1]", "[\"x\"]", "[null]", "[[1]]"}) {
            as(team).body("{\"name\":\"g\",\"groups\":[{\"properties\":" + properties + "}]}")
                    .post(base(team)).then().statusCode(400).body("type", equalTo("validation_error"))
                    .body("attr", equalTo("groups"));
        }
        long stored = create(team, "{\"name\":\"Trap\",\"filters\":" + PLAN_SET
                + ",\"groups\":[{\"properties\":[1]}]}");
        // emptying the filters is itself PostHog's 400 (CohortFiltersBodyTest), before the groups are read
        as(team).body("{\"filters\":{}}").patch(base(team) + stored + "/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo("filters__detail"));
        long weirdGroups = create(team, "{\"name\":\"Weird groups\",\"filters\":" + PLAN_SET
                + ",\"groups\":[{\"properties\":{\"type\":\"weird\",\"values\":\"x\"}}]}");
        as(team).body("{\"filters\":{}}").patch(base(team) + weirdGroups + "/").then().statusCode(400)
                .body("type", equalTo("validation_error"));
        as(team).body("{\"filters\":{\"properties\":{\"type\":\"weird\",\"values\":\"x\"}}}")
                .patch(base(team) + stored + "/").then().statusCode(400).body("type", equalTo("validation_error"))
                .body("attr", equalTo("filters"));
        as(team).body("{\"name\":\"w\",\"filters\":{\"properties\":{\"type\":\"AND\",\"values\":\"x\"}}}")
                .post(base(team)).then().statusCode(400).body("attr", equalTo("filters"));
        // the refused edits stored nothing: the cohort is still read by its filters
        as(team).get(base(team) + stored + "/").then().statusCode(200)
                .body("filters.properties.values[0].values[0].key", equalTo("plan"));
    }

    @Test
    void aChainBackToTheEditedCohortIsALoop() {
        Project team = TestProjects.create("Cohort loops");
        long a = create(team, "{\"name\":\"A\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":"
                + "\"AND\",\"values\":[{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}]}]}}}");
        long b = create(team, "{\"name\":\"B\",\"filters\":" + naming(a) + "}");
        long c = create(team, "{\"name\":\"C\",\"filters\":" + naming(b) + "}");
        // A → C → B → A
        as(team).body("{\"filters\":" + naming(c) + "}").patch(base(team) + a + "/").then().statusCode(400)
                .body("detail", equalTo("Cohorts cannot reference other cohorts in a loop.")).body("attr", nullValue());
        // A → A
        as(team).body("{\"filters\":" + naming(a) + "}").patch(base(team) + a + "/").then().statusCode(400)
                .body("detail", equalTo("Cohorts cannot reference other cohorts in a loop."));
        // C naming A as well as B is no loop
        as(team).body("{\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":\"AND\",\"values\":["
                        + "{\"key\":\"id\",\"type\":\"cohort\",\"value\":" + a + "},{\"key\":\"id\",\"type\":\"cohort\","
                        + "\"value\":" + b + "}]}]}}}")
                .patch(base(team) + c + "/").then().statusCode(200);
    }
}
