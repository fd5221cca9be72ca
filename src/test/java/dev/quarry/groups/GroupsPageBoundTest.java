package dev.quarry.groups;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A page of groups is read up to what an answer may carry: groups whose properties are 900 kB of text that does not
 * compress are refused as {@code response_too_large} once the database has read about 6 MB of them, not read whole;
 * a page that fits is answered in order.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GroupsPageBoundTest {
    private static final int GROUPS = 12;
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Groups page bound");
        Random random = new Random(7);
        for (int i = 0; i < GROUPS; i++) {
            // 600,000 characters of base64: within the 655,360 bytes a group's properties may hold
            byte[] noise = new byte[450_000];
            random.nextBytes(noise);
            Capture.to(team).event("$groupidentify", "u", String.format("2026-01-10T10:%02d:00Z", i),
                    Map.of("$group_type", "company", "$group_key", "company-" + i,
                            "$group_set", Map.of("name", "Company " + i, "blob", Base64.getEncoder().encodeToString(noise))))
                    .send();
        }
    }

    /**
     * Properties that compress well are counted by their text, not their stored bytes (a breaker's 7.2 MB groups of
     * repeated letters counted as a few kB each): a page of them stops as soon.
     */
    @Test
    void compressiblePropertiesAreCountedByTheirText() {
        Project p = TestProjects.create("Groups page bound, compressible");
        for (int i = 0; i < 12; i++) {
            Capture.to(p).event("$groupidentify", "u", String.format("2026-01-10T10:%02d:00Z", i),
                    Map.of("$group_type", "company", "$group_key", "fat-" + i,
                            "$group_set", Map.of("blob", String.valueOf((char) ('a' + i)).repeat(600_000)))).send();
        }
        given().header("Authorization", "Bearer " + p.key()).get("/api/projects/" + p.id() + "/groups/?group_type_index=0")
                .then().statusCode(400).body("code", equalTo("response_too_large"));
    }

    /**
     * A group's properties are bounded as a person's: a new group past 655,360 bytes is stored trimmed (its name kept),
     * and a $group_set that would take a stored group past it leaves the group as it was.
     */
    @Test
    void aGroupsPropertiesAreBounded() {
        Project p = TestProjects.create("Groups bound");
        Capture.to(p).event("$groupidentify", "u", "2026-01-10T10:00:00Z", Map.of("$group_type", "company",
                "$group_key", "big", "$group_set", Map.of("name", "Big", "a_blob", "x".repeat(700_000)))).send();
        Capture.to(p).event("$groupidentify", "u", "2026-01-10T10:01:00Z", Map.of("$group_type", "company",
                "$group_key", "grows", "$group_set", Map.of("name", "Grows", "a_blob", "y".repeat(400_000)))).send();
        Capture.to(p).event("$groupidentify", "u", "2026-01-10T10:02:00Z", Map.of("$group_type", "company",
                "$group_key", "grows", "$group_set", Map.of("b_blob", "z".repeat(400_000)))).send();
        var spec = given().header("Authorization", "Bearer " + p.key());
        spec.get("/api/projects/" + p.id() + "/groups/?group_type_index=0&search=big").then().statusCode(200)
                .body("results[0].group_key", equalTo("big"))
                .body("results[0].group_properties.name", equalTo("Big"))
                .body("results[0].group_properties.a_blob", org.hamcrest.Matchers.nullValue());
        given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/groups/?group_type_index=0&search=grows").then().statusCode(200)
                .body("results[0].group_key", equalTo("grows"))
                .body("results[0].group_properties.name", equalTo("Grows"))
                .body("results[0].group_properties.b_blob", org.hamcrest.Matchers.nullValue())
                .body("results[0].group_properties.a_blob.length()", equalTo(400_000));
    }

    @Test
    void aPagePastTheAnswerSizeIsRefusedAndASmallerOneIsAnswered() {
        String url = "/api/projects/" + team.id() + "/groups/?group_type_index=0";
        // stopped by the database's running size (its detail is what was read: at most one group past 6 MB)
        given().header("Authorization", "Bearer " + team.key()).get(url).then().statusCode(400)
                .body("code", equalTo("response_too_large"))
                .body("detail", containsString("The response would be 6"));
        given().header("Authorization", "Bearer " + team.key()).get(url + "&limit=3&offset=1").then().statusCode(200)
                .body("count", equalTo(GROUPS))
                .body("results.group_key", equalTo(List.of("company-10", "company-9", "company-8")))
                .body("results[0].group_properties.name", equalTo("Company 10"));
    }
}
