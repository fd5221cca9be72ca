package dev.quarry.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AuthEndpointsTest {
    private static Project project;
    private static Project otherProject;

    @BeforeEach
    void projects() {
        if (project == null) {
            project = TestProjects.create("Auth test");
            otherProject = TestProjects.create("Someone else's");
        }
    }

    @Test
    void projectAnswersUnderBothPrefixesWithAndWithoutTrailingSlash() {
        for (String path : List.of("/api/projects/%d/", "/api/projects/%d", "/api/environments/%d/",
                "/api/environments/%d")) {
            given().header("Authorization", "Bearer " + project.key())
                    .get(String.format(path, project.id()))
                    .then().statusCode(200)
                    .body("id", equalTo((int) project.id()))
                    .body("api_token", equalTo(project.apiToken()))
                    .body("timezone", equalTo("UTC"));
        }
    }

    @Test
    void noCredentialsIs401NotAuthenticated() {
        given().get("/api/projects/" + project.id() + "/")
                .then().statusCode(401)
                .body("type", equalTo("authentication_error"))
                .body("code", equalTo("not_authenticated"))
                .body("detail", equalTo("Authentication credentials were not provided."))
                .body("attr", nullValue());
    }

    @Test
    void unknownKeyNamesWhereItWasFound() {
        given().header("Authorization", "Bearer phx_not_a_key").get("/api/projects/" + project.id() + "/")
                .then().statusCode(401)
                .body("code", equalTo("authentication_failed"))
                .body("detail", equalTo("Personal API key found in request Authorization header is invalid."));
        given().queryParam("personal_api_key", "phx_nope").get("/api/projects/" + project.id() + "/")
                .then().statusCode(401)
                .body("detail", equalTo("Personal API key found in request query string is invalid."));
    }

    @Test
    void keyInQueryStringWorks() {
        given().queryParam("personal_api_key", project.key()).get("/api/environments/" + project.id() + "/")
                .then().statusCode(200).body("name", equalTo("Auth test"));
    }

    @Test
    void onlyTheFirstKeyFoundIsTried() {
        // A bad header key is not rescued by a good query-string key.
        given().header("Authorization", "Bearer phx_wrong").queryParam("personal_api_key", project.key())
                .get("/api/projects/" + project.id() + "/")
                .then().statusCode(401)
                .body("detail", equalTo("Personal API key found in request Authorization header is invalid."));
    }

    @Test
    void missingScopeIs403NamingTheScope() {
        String personOnly = project.keyWith("person:read");
        given().header("Authorization", "Bearer " + personOnly).get("/api/projects/" + project.id() + "/")
                .then().statusCode(403)
                .body("type", equalTo("authentication_error"))
                .body("code", equalTo("permission_denied"))
                .body("detail", equalTo("API key missing required scope 'project:read'"));
    }

    @Test
    void writeScopeSatisfiesRead() {
        String writer = project.keyWith("project:write");
        given().header("Authorization", "Bearer " + writer).get("/api/projects/" + project.id() + "/")
                .then().statusCode(200);
    }

    @Test
    void keyLimitedToOtherProjectsIs403() {
        String limited = project.keyWith(List.of("*"), List.of(project.id() + 1000));
        given().header("Authorization", "Bearer " + limited).get("/api/projects/" + project.id() + "/")
                .then().statusCode(403)
                .body("detail", equalTo("API key does not have access to the requested project: ID " + project.id() + "."));
    }

    @Test
    void anotherOrganizationsProjectIs403() {
        given().header("Authorization", "Bearer " + project.key()).get("/api/projects/" + otherProject.id() + "/")
                .then().statusCode(403)
                .body("code", equalTo("permission_denied"))
                .body("detail", equalTo("You don't have access to the project."));
    }

    @Test
    void unknownOrNonNumericProjectIs404() {
        for (String id : List.of("999999", "abc")) {
            given().log().uri().header("Authorization", "Bearer " + project.key()).get("/api/projects/" + id + "/")
                    .then().statusCode(404)
                    .body("type", equalTo("invalid_request"))
                    .body("code", equalTo("not_found"))
                    .body("detail", equalTo("Project not found."));
        }
    }

    @Test
    void currentKeyAndCurrentUser() {
        given().log().uri().header("Authorization", "Bearer " + project.key()).get("/api/personal_api_keys/@current")
                .then().statusCode(200)
                .body("scopes", hasItem("*"))
                .body("scoped_teams.size()", equalTo(0))
                .body("user_id", equalTo((int) project.ownerUserId()));
        given().header("Authorization", "Bearer " + project.key()).get("/api/users/@me/")
                .then().statusCode(200)
                .body("team.id", equalTo((int) project.id()))
                .body("organization.id", org.hamcrest.Matchers.notNullValue())
                .body("distinct_id", org.hamcrest.Matchers.notNullValue())
                // as every other answer naming the user (created_by, members): one user, one answer
                .body("is_email_verified", equalTo(true));
        given().header("Authorization", "Bearer " + project.key()).get("/api/projects/@current/")
                .then().statusCode(200).body("id", equalTo((int) project.id()));
    }

    @Test
    void operatorEndpointNeedsTheSecret() {
        given().contentType(ContentType.JSON).body(Map.of("name", "x")).post("/admin/projects")
                .then().statusCode(403).body("code", equalTo("permission_denied"));
        given().contentType(ContentType.JSON).header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                .body(Map.of("name", "x", "scopes", List.of("bogus"))).post("/admin/projects")
                .then().statusCode(400).body("type", equalTo("validation_error")).body("attr", equalTo("scopes"));
    }

    @Test
    void unparseableJsonIs400ParseError() {
        given().contentType(ContentType.JSON).header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                .body("{not json").post("/admin/projects")
                .then().statusCode(400)
                .body("type", equalTo("invalid_request"))
                .body("code", equalTo("parse_error"));
    }
}
