package dev.quarry.organizations;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The organization lookups every CLI call bootstraps with: the id from users/@me answers, with the projects the key
 * may see; other organizations are not found.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class OrganizationsTest {
    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    @Test
    void theOrganizationOfUsersMeAnswersWithItsProjects() {
        Project p = TestProjects.create("Org Acme");
        String org = as(p.key()).get("/api/users/@me/").then().statusCode(200).extract().path("organization.id");
        as(p.key()).get("/api/organizations/" + org + "/").then().statusCode(200)
                .body("id", equalTo(org)).body("name", notBlank())
                .body("teams.id", equalTo(List.of((int) p.id())))
                .body("projects[0].id", equalTo((int) p.id()))
                .body("membership_level", equalTo(15));
        as(p.key()).get("/api/organizations/" + org + "/projects/").then().statusCode(200)
                .body("results", hasSize(1)).body("results[0].id", equalTo((int) p.id()))
                .body("results[0].organization", equalTo(org)).body("results[0].api_token", equalTo(p.apiToken()));
        as(p.key()).get("/api/organizations/" + org + "/projects/" + p.id() + "/").then().statusCode(200)
                .body("name", equalTo("Org Acme"));
        as(p.key()).get("/api/organizations/@current/").then().statusCode(200).body("id", equalTo(org));
        as(p.key()).get("/api/organizations/").then().statusCode(200).body("results[0].id", equalTo(org));
    }

    /**
     * PostHog's root lists GET /api/projects/ and /api/environments/: the key's organization's projects (how a script
     * finds its project id), never another organization's; scope project:read.
     */
    @Test
    void theRootProjectsListShowsTheOrganizationsProjects() {
        Project p = TestProjects.create("Root list");
        Project other = TestProjects.create("Root list other");
        String org = as(p.key()).get("/api/users/@me/").then().extract().path("organization.id");
        for (String path : List.of("/api/projects/", "/api/environments/")) {
            as(p.key()).get(path).then().statusCode(200)
                    .body("count", equalTo(1)).body("next", equalTo(null)).body("previous", equalTo(null))
                    .body("results.id", equalTo(List.of((int) p.id())))
                    .body("results[0].organization", equalTo(org))
                    .body("results[0].name", equalTo("Root list"))
                    .body("results[0].api_token", equalTo(p.apiToken()));
            as(other.key()).get(path).then().statusCode(200).body("results.id", equalTo(List.of((int) other.id())));
            as(p.keyWith("query:read")).get(path).then().statusCode(403);
        }
    }

    /**
     * The project lists are DRF limit/offset pages (PostHog's default pagination, 100 a page): a script with more
     * projects than a page follows {@code next}; a limit that is not an integer is a 400 naming it.
     */
    @Test
    void projectListsArePagedByLimitAndOffset() {
        String owner = "pages+" + UUID.randomUUID() + "@quarry.local";
        List<Long> ids = new java.util.ArrayList<>();
        String key = null;
        for (int i = 0; i < 3; i++) {
            io.restassured.path.json.JsonPath created = given().contentType("application/json")
                    .header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                    .body(java.util.Map.of("name", "Paged " + i, "owner_email", owner, "scopes", List.of("*")))
                    .post("/admin/projects").then().statusCode(200).extract().jsonPath();
            ids.add(created.getLong("id"));
            key = created.getString("personal_api_key.value");
        }
        String org = as(key).get("/api/users/@me/").then().extract().path("organization.id");
        for (String path : List.of("/api/projects/", "/api/environments/", "/api/organizations/" + org + "/projects/")) {
            String next = as(key).get(path + "?limit=2").then().statusCode(200)
                    .body("count", equalTo(3)).body("previous", equalTo(null))
                    .body("results.id", equalTo(List.of(ids.get(0).intValue(), ids.get(1).intValue())))
                    .body("next", containsString("limit=2&offset=2"))
                    .extract().path("next");
            String previous = as(key).get(next.substring(next.indexOf("/api/"))).then().statusCode(200)
                    .body("count", equalTo(3)).body("next", equalTo(null))
                    .body("results.id", equalTo(List.of(ids.get(2).intValue())))
                    .extract().path("previous");
            assertTrue(previous.endsWith(path + "?limit=2"), previous);
            as(key).get(path).then().statusCode(200).body("results", hasSize(3)).body("next", equalTo(null));
            as(key).get(path + "?offset=5").then().statusCode(200).body("count", equalTo(3))
                    .body("results", hasSize(0));
            as(key).get(path + "?limit=two").then().statusCode(400).body("attr", equalTo("limit"));
        }
    }

    /** PostHog's CLI tool project-settings-update: PATCH on the organization's project, a JSON body of the fields to change. */
    @Test
    void theCliPatchesAProjectThroughItsOrganization() {
        Project p = TestProjects.create("Org patch");
        Project other = TestProjects.create("Org patch other");
        String org = as(p.key()).get("/api/users/@me/").then().extract().path("organization.id");
        as(p.key()).contentType("application/json").body("{\"name\":\"Renamed by the CLI\",\"timezone\":\"Europe/Paris\","
                        + "\"app_urls\":[\"https://example.com\"]}")
                .patch("/api/organizations/" + org + "/projects/" + p.id() + "/").then().statusCode(200)
                .body("id", equalTo((int) p.id())).body("name", equalTo("Renamed by the CLI"))
                .body("timezone", equalTo("Europe/Paris"));
        as(p.key()).get("/api/projects/" + p.id() + "/").then().statusCode(200)
                .body("name", equalTo("Renamed by the CLI")).body("timezone", equalTo("Europe/Paris"));
        as(p.key()).contentType("application/json").body("{\"name\":\"Current\"}")
                .patch("/api/organizations/@current/projects/@current/").then().statusCode(200)
                .body("id", equalTo((int) p.id())).body("name", equalTo("Current"));
        as(p.key()).contentType("application/json").body("{\"timezone\":\"Mars/Olympus\"}")
                .patch("/api/organizations/" + org + "/projects/" + p.id() + "/").then().statusCode(400)
                .body("attr", equalTo("timezone"));
        as(p.keyWith("project:read", "organization:read")).contentType("application/json").body("{\"name\":\"x\"}")
                .patch("/api/organizations/" + org + "/projects/" + p.id() + "/").then().statusCode(403)
                .body("detail", containsString("project:write"));
        String otherOrg = as(other.key()).get("/api/users/@me/").then().extract().path("organization.id");
        as(p.key()).contentType("application/json").body("{\"name\":\"x\"}")
                .patch("/api/organizations/" + otherOrg + "/projects/" + p.id() + "/").then().statusCode(404);
        as(p.key()).contentType("application/json").body("{\"name\":\"x\"}")
                .patch("/api/organizations/" + org + "/projects/" + other.id() + "/").then().statusCode(403);
        as(other.key()).get("/api/projects/" + other.id() + "/").then().statusCode(200)
                .body("name", equalTo("Org patch other"));
        as(p.key()).get("/api/projects/" + p.id() + "/").then().body("name", equalTo("Current"));
    }

    /**
     * The breaker's F7: a project's test-account filters and display-name properties are read with the project on every
     * request, so their size is refused before anything is stored (26,000 filters were stored behind a 400 before).
     */
    @Test
    void oversizedProjectListsAreRefusedBeforeTheyAreStored() {
        Project p = TestProjects.create("Project list bounds");
        StringBuilder filters = new StringBuilder("{\"test_account_filters\":[");
        for (int i = 0; i < 101; i++) {
            filters.append(i == 0 ? "" : ",").append("{\"key\":\"email\",\"value\":\"x").append(i)
                    .append("\",\"operator\":\"not_icontains\",\"type\":\"person\"}");
        }
        as(p.key()).contentType("application/json").body(filters + "]}").patch("/api/projects/" + p.id() + "/")
                .then().statusCode(400).body("attr", equalTo("test_account_filters"));
        String longName = "n".repeat(70_000);
        as(p.key()).contentType("application/json").body("{\"person_display_name_properties\":[\"" + longName + "\"]}")
                .patch("/api/projects/" + p.id() + "/").then().statusCode(400)
                .body("attr", equalTo("person_display_name_properties"));
        as(p.key()).get("/api/projects/" + p.id() + "/").then().statusCode(200)
                .body("test_account_filters", equalTo(java.util.List.of()))
                .body("person_display_name_properties", equalTo(null));
        as(p.key()).contentType("application/json").body("{\"test_account_filters\":[{\"key\":\"email\","
                        + "\"value\":\"@example.com\",\"operator\":\"not_icontains\",\"type\":\"person\"}]}")
                .patch("/api/projects/" + p.id() + "/").then().statusCode(200)
                .body("test_account_filters[0].value", equalTo("@example.com"));
    }

    /** The CLI's org-members-list: the organization's users as PostHog's OrganizationMemberSerializer shows them. */
    @Test
    void membersListTheOrganizationsUsers() {
        Project p = TestProjects.create("Org members");
        Project other = TestProjects.create("Org members other");
        var me = as(p.key()).get("/api/users/@me/").then().statusCode(200).extract().jsonPath();
        String org = me.getString("organization.id");
        as(p.key()).get("/api/organizations/" + org + "/members/").then().statusCode(200)
                .body("count", equalTo(1)).body("next", equalTo(null))
                .body("results[0].user.uuid", equalTo(me.getString("uuid")))
                .body("results[0].user.email", equalTo(me.getString("email")))
                .body("results[0].user.distinct_id", equalTo(me.getString("distinct_id")))
                .body("results[0].level", equalTo(15)).body("results[0].joined_at", notBlank())
                .body("results[0].id", notBlank());
        as(p.key()).get("/api/organizations/@current/members/").then().statusCode(200).body("count", equalTo(1));
        // another organization's members are not found; the scope is PostHog's organization_member:read
        String otherOrg = as(other.key()).get("/api/users/@me/").then().extract().path("organization.id");
        as(p.key()).get("/api/organizations/" + otherOrg + "/members/").then().statusCode(404);
        as(p.keyWith("organization:read")).get("/api/organizations/" + org + "/members/").then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'organization_member:read'"));
    }

    private static org.hamcrest.Matcher<String> notBlank() {
        return org.hamcrest.Matchers.not(org.hamcrest.Matchers.blankOrNullString());
    }

    @Test
    void errorsScopesAndIsolation() {
        Project p = TestProjects.create("Org one");
        Project other = TestProjects.create("Org two");
        String org = as(p.key()).get("/api/users/@me/").then().extract().path("organization.id");
        String otherOrg = as(other.key()).get("/api/users/@me/").then().extract().path("organization.id");
        as(p.key()).get("/api/organizations/" + otherOrg + "/").then().statusCode(404);
        as(p.key()).get("/api/organizations/" + otherOrg + "/projects/").then().statusCode(404);
        as(p.key()).get("/api/organizations/" + UUID.randomUUID() + "/").then().statusCode(404);
        as(p.key()).get("/api/organizations/not-an-id/").then().statusCode(404);
        as(p.key()).get("/api/organizations/" + org + "/projects/" + other.id() + "/").then().statusCode(403);
        as(p.keyWith("query:read")).get("/api/organizations/" + org + "/").then().statusCode(403)
                .body("detail", containsString("organization:read"));
        given().get("/api/organizations/" + org + "/").then().statusCode(401);
        // a key scoped to no project of this organization sees an organization without projects
        String scoped = p.keyWith(List.of("organization:read"), List.of(other.id()));
        as(scoped).get("/api/organizations/" + org + "/projects/").then().statusCode(200).body("results", hasSize(0));
    }
}
