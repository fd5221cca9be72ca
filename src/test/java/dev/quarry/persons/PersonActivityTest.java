package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Person edits and deletions in the activity log, as PostHog's person views write them (scope {@code Person}, item id
 * the numeric person id): {@code updated}, {@code delete_property}, {@code deleted}; read through
 * {@code persons/activity/}, {@code persons/:id/activity/} and the project's activity log, with scopes and the project
 * wall. A bulk-deleted person's uuid is retired as a deleted one's is.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonActivityTest {
    @Inject
    Pool pool;

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    /** The team's person for a distinct id: {@code (uuid, numeric id)}; null when it has none. */
    private Row person(Project p, String distinctId) {
        var rows = pool.preparedQuery("SELECT p.uuid, p.id FROM person_distinct_ids d JOIN persons p ON "
                        + "p.team_id = d.team_id AND p.uuid = d.person_id WHERE d.team_id = $1 AND d.distinct_id = $2")
                .execute(Tuple.of(p.id(), distinctId)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    @Test
    void editsAndDeletionsAreLoggedAndPaged() {
        Project p = TestProjects.create("Person activity");
        Capture.to(p).event("$pageview", "ann", "2026-02-01T00:00:00Z").event("$pageview", "bob", "2026-02-02T00:00:00Z")
                .event("$pageview", "cid", "2026-02-03T00:00:00Z").send();
        String base = "/api/environments/" + p.id() + "/persons/";
        Row ann = person(p, "ann");
        String annUuid = ann.getUUID(0).toString();
        long annId = ann.getLong(1);
        as(p.key()).body(Map.of("properties", Map.of("plan", "pro"))).patch(base + annUuid + "/").then().statusCode(202);
        as(p.key()).body(Map.of("key", "seats", "value", 3)).post(base + annId + "/update_property/").then()
                .statusCode(202);
        as(p.key()).body(Map.of("$unset", "plan")).post(base + annUuid + "/delete_property/").then().statusCode(201)
                .body("success", equalTo(true));

        // one person's activity by uuid or numeric id, newest first, in PostHog's ActivityLogSerializer shape
        for (String id : List.of(annUuid, Long.toString(annId))) {
            as(p.key()).get(base + id + "/activity/").then().statusCode(200)
                    .body("total_count", equalTo(3)).body("next", nullValue()).body("previous", nullValue())
                    .body("results.activity", equalTo(List.of("delete_property", "updated", "updated")))
                    .body("results.scope", equalTo(List.of("Person", "Person", "Person")))
                    .body("results.item_id", equalTo(List.of(Long.toString(annId), Long.toString(annId),
                            Long.toString(annId))))
                    .body("results[0].detail.name", equalTo(annUuid))
                    .body("results[0].detail.changes[0].type", equalTo("Person"))
                    .body("results[0].detail.changes[0].action", equalTo("changed"))
                    .body("results[0].detail.changes[0].field", nullValue())
                    .body("results[1].detail.changes[0].field", equalTo("properties"))
                    .body("results[1].detail.name", nullValue())
                    .body("results[1].user.id", equalTo((int) p.ownerUserId()))
                    .body("results[1].is_system", equalTo(false))
                    .body("results[1].team_id", equalTo((int) p.id()));
        }
        // the edits themselves went through: seats set, plan unset
        as(p.key()).get(base + annUuid + "/").then().statusCode(200).body("properties.seats", equalTo(3))
                .body("properties.plan", nullValue());

        // deletions: one by DELETE, two by bulk_delete; their entries outlive the persons
        Row bob = person(p, "bob");
        Row cid = person(p, "cid");
        as(p.key()).delete(base + bob.getUUID(0) + "/").then().statusCode(202);
        as(p.key()).body(Map.of("distinct_ids", List.of("cid"))).post(base + "bulk_delete/").then().statusCode(202);
        as(p.key()).get(base + "activity/").then().statusCode(200).body("total_count", equalTo(5))
                .body("results.activity", equalTo(List.of("deleted", "deleted", "delete_property", "updated",
                        "updated")))
                .body("results[0].item_id", equalTo(Long.toString(cid.getLong(1))))
                .body("results[0].detail.name", equalTo(cid.getUUID(0).toString()))
                .body("results[0].detail.changes", nullValue())
                .body("results[1].item_id", equalTo(Long.toString(bob.getLong(1))));
        // pages of limit entries with absolute next/previous links; past the end is empty
        as(p.key()).get(base + "activity/?limit=2").then().statusCode(200).body("results", hasSize(2))
                .body("next", matchesPattern("http://[^/]+" + base + "activity/\\?limit=2&page=2"))
                .body("previous", nullValue());
        as(p.key()).get(base + "activity/?limit=2&page=3").then().statusCode(200).body("results", hasSize(1))
                .body("next", nullValue())
                .body("previous", matchesPattern("http://[^/]+" + base + "activity/\\?limit=2&page=2"));
        as(p.key()).get(base + "activity/?page=2147483647").then().statusCode(200).body("results", hasSize(0))
                .body("total_count", equalTo(5));
        // the project's activity log holds them too
        as(p.key()).get("/api/environments/" + p.id() + "/advanced_activity_logs/?scopes=Person&activities=deleted")
                .then().statusCode(200).body("results", hasSize(2));
        // a deleted person's own activity page is a 404, as PostHog's get_object is
        as(p.key()).get(base + bob.getUUID(0) + "/activity/").then().statusCode(404);
    }

    @Test
    void errorsScopesAndTheProjectWall() {
        Project p = TestProjects.create("Person activity wall");
        Project other = TestProjects.create("Person activity wall other");
        Capture.to(p).event("$pageview", "ann", "2026-02-01T00:00:00Z").send();
        Capture.to(other).event("$pageview", "zed", "2026-02-01T00:00:00Z").send();
        String base = "/api/projects/" + p.id() + "/persons/";
        String zed = person(other, "zed").getUUID(0).toString();
        as(other.key()).body(Map.of("properties", Map.of("plan", "pro"))).patch("/api/projects/" + other.id()
                + "/persons/" + zed + "/").then().statusCode(202);
        // another project's person is not found here, and its entries are not listed
        as(p.key()).get(base + zed + "/activity/").then().statusCode(404);
        as(p.key()).get(base + "activity/").then().statusCode(200).body("total_count", equalTo(0))
                .body("results", hasSize(0));
        as(p.key()).get("/api/projects/" + other.id() + "/persons/activity/").then().statusCode(403);
        // activity_log:read, not person:read
        as(p.keyWith("person:read")).get(base + "activity/").then().statusCode(403)
                .body("detail", containsString("activity_log:read"));
        as(p.keyWith("activity_log:read")).get(base + "activity/").then().statusCode(200);
        // DRF's words for a limit or page that is not a positive integer
        as(p.key()).get(base + "activity/?limit=0").then().statusCode(400).body("attr", equalTo("limit"))
                .body("type", equalTo("validation_error"));
        as(p.key()).get(base + "activity/?page=x").then().statusCode(400).body("attr", equalTo("page"));
        as(p.key()).get(base + "activity/?limit=99999999999999999999").then().statusCode(200);
        // an edit that fails (no such person) logs nothing
        as(p.key()).body(Map.of("key", "a", "value", 1)).post(base + "00000000-0000-0000-0000-000000000001/update_property/")
                .then().statusCode(404);
        as(p.key()).get(base + "activity/").then().statusCode(200).body("total_count", equalTo(0));
    }

    /**
     * A bulk-deleted person's uuid is retired, as a deleted one's: once its distinct id is reset, the next event makes
     * a new person with another uuid, and the deleted person's events do not become the new person's.
     */
    @Test
    void aBulkDeletedPersonsEventsStayWithIt() {
        Project p = TestProjects.create("Bulk delete retires");
        Capture.to(p).event("$pageview", "dee", "2026-02-01T00:00:00Z").send();
        String base = "/api/projects/" + p.id() + "/persons/";
        String old = person(p, "dee").getUUID(0).toString();
        as(p.key()).body(Map.of("ids", List.of(old))).post(base + "bulk_delete/").then().statusCode(202);
        as(p.key()).body(Map.of("distinct_id", "dee")).post(base + "reset_person_distinct_id/").then().statusCode(202);
        Capture.to(p).event("$pageview", "dee", "2026-02-02T00:00:00Z").send();
        String renewed = person(p, "dee").getUUID(0).toString();
        assertNotEquals(old, renewed);
        var counted = pool.preparedQuery("SELECT count(*) FILTER (WHERE person_id = $2), count(*) FROM events "
                        + "WHERE team_id = $1").execute(Tuple.of(p.id(), java.util.UUID.fromString(renewed)))
                .await().indefinitely().iterator().next();
        assertEquals(1L, counted.getLong(0), "only the new event is the new person's");
        assertEquals(2L, counted.getLong(1));
    }
}
