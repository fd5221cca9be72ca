package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LargeResponseTest {
    @Test
    void aResponseOfHundredsOfKilobytesArrivesWhole() {
        TestProjects.Project project = TestProjects.create("Large responses");
        Capture capture = Capture.to(project);
        for (int i = 0; i < 2000; i++) {
            capture.event("$pageview", "user-" + i, "2026-01-01T00:00:00Z", Map.of("path", "/page/" + i));
        }
        capture.send();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select uuid, event, distinct_id, properties from events limit 2000")))
                .post("/api/projects/" + project.id() + "/query/")
                .then().statusCode(200).body("results.size()", equalTo(2000));
    }
}
