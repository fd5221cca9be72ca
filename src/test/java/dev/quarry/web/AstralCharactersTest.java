package dev.quarry.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Characters outside the Basic Multilingual Plane (emoji) are written as their UTF-8 bytes, as PostHog's renderer
 * writes them, not as the escaped surrogate pair {@code \uD83D\uDE80} (a breaker finding on group keys).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class AstralCharactersTest {
    @Test
    void emojiLeaveAsUtf8() {
        Project project = TestProjects.create("Astral characters");
        byte[] body = given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select '🚀 ü' AS e"),
                        "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(200).extract().asByteArray();
        String text = new String(body, StandardCharsets.UTF_8);
        assertTrue(text.contains("[[\"🚀 ü\"]]"), text);
        assertTrue(!text.contains("\\uD83D") && !text.contains("\\ud83d"), text);
    }
}
