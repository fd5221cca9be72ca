package dev.quarry.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A personal API key in the JSON body of {@code POST query}, as PostHog answers it: its
 * {@code PersonalAPIKeyAuthentication} reads {@code personal_api_key} from the body (after the Authorization header),
 * so the request is authenticated by it (a wrong body key is a 401 naming the body); then its query view validates the
 * whole body as the pydantic {@code QueryRequest}, which forbids extra fields, so {@code personal_api_key} is a 400
 * {@code parse_error} ("JSON parse error - … QueryRequest … personal_api_key …"), with no query run. Other endpoints
 * (DRF serializers ignore unknown keys) take the body key and answer.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class BodyKeyOnQueryTest {
    @Test
    void aBodyKeyAuthenticatesAndTheQueryBodyThenRefusesTheExtraField() {
        Project p = TestProjects.create("body key");
        String url = "/api/projects/" + p.id() + "/query/";
        given().contentType("application/json")
                .body("{\"personal_api_key\":\"" + p.key() + "\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}")
                .post(url).then().statusCode(400)
                .body("type", equalTo("invalid_request")).body("code", equalTo("parse_error"))
                .body("attr", equalTo("personal_api_key"))
                .body("detail", containsString("QueryRequest"));
        given().contentType("application/json")
                .body("{\"personal_api_key\":\"phx_not_a_key\",\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}")
                .post(url).then().statusCode(401)
                .body("detail", equalTo("Personal API key found in request body is invalid."));
        // the same key in the header: the body without the field runs
        given().contentType("application/json").header("Authorization", "Bearer " + p.key())
                .body("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}")
                .post(url).then().statusCode(200).body("results[0][0]", equalTo(1));
        // an endpoint whose serializer ignores unknown keys answers with the body key alone
        given().contentType("application/json").body("{\"personal_api_key\":\"" + p.key() + "\",\"name\":\"by body key\"}")
                .post("/api/projects/" + p.id() + "/cohorts/").then().statusCode(201).body("name", equalTo("by body key"));
    }
}
