package dev.quarry.cohorts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cohort list's {@code search}, {@code type} and {@code basic} parameters as the PostHog CLI's cohorts-list sends
 * them ({@code ?basic=true&limit=5&search=cli}), read as PostHog's CohortViewSet reads them: names containing the term
 * in any case (its exact matches, {@code search_match_type} "exact"), {@code static}/{@code dynamic}, and a payload
 * without {@code filters}, {@code query} and {@code groups}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CohortListSearchTest {
    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    @Test
    void searchTypeAndBasic() {
        Project p = TestProjects.create("Cohort list search");
        Project other = TestProjects.create("Cohort list search, other");
        String base = "/api/projects/" + p.id() + "/cohorts/";
        String dynamic = "{\"name\":\"%s\",\"filters\":{\"properties\":{\"type\":\"OR\",\"values\":[{\"type\":\"AND\","
                + "\"values\":[{\"key\":\"plan\",\"type\":\"person\",\"operator\":\"is_set\"}]}]}}}";
        as(p).body(dynamic.formatted("CLI buyers")).post(base).then().statusCode(201);
        as(p).body("{\"name\":\"cli static\",\"is_static\":true}").post(base).then().statusCode(201);
        as(p).body(dynamic.formatted("Pro users")).post(base).then().statusCode(201);
        as(p).body(dynamic.formatted("100%_off")).post(base).then().statusCode(201);
        as(other).body("{\"name\":\"cli elsewhere\",\"is_static\":true}").post("/api/projects/" + other.id() + "/cohorts/")
                .then().statusCode(201);

        as(p).get(base + "?basic=true&limit=5&search=cli").then().statusCode(200).body("count", equalTo(2))
                .body("results.name", equalTo(List.of("cli static", "CLI buyers")))
                .body("results.search_match_type", equalTo(List.of("exact", "exact")))
                .body("results[0]", not(hasKey("filters"))).body("results[0]", not(hasKey("groups")))
                .body("results[0]", not(hasKey("query")));
        // without basic the full shape, and without search no match type
        as(p).get(base + "?search=CLI").then().statusCode(200).body("count", equalTo(2))
                .body("results[1].filters.properties.type", equalTo("OR"));
        as(p).get(base).then().statusCode(200).body("count", equalTo(4)).body("results[0].search_match_type", nullValue());
        // LIKE's wildcards are the characters themselves
        as(p).queryParam("search", "%_").get(base).then().statusCode(200).body("count", equalTo(1))
                .body("results[0].name", equalTo("100%_off"));
        as(p).get(base + "?search=_").then().statusCode(200).body("count", equalTo(1));
        as(p).get(base + "?type=static").then().statusCode(200).body("count", equalTo(1))
                .body("results[0].name", equalTo("cli static"));
        as(p).get(base + "?type=dynamic&search=cli").then().statusCode(200).body("count", equalTo(1))
                .body("results[0].name", equalTo("CLI buyers"));
        as(p).get(base + "?search=" + "x".repeat(201)).then().statusCode(400).body("attr", equalTo("search"))
                .body("detail", equalTo("Search query must be 200 characters or fewer."));
    }
}
