package dev.quarry.insights.saved;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * A saved insight is checked at save as deeply as POST query checks the same query (breaker finding: a series'
 * {@code math_hogql} of {@code count((} was stored, because a Trends plan builds its series inside steps that the save
 * check did not enter, and legacy {@code filters} with values no insight kind takes were stored while Quarry keeps and
 * runs the query only). Each refusal is a 400 naming the field, and nothing is stored or changed.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SavedInsightDepthTest {
    private static RequestSpecification as(Project p) {
        return given().header("Authorization", "Bearer " + p.key()).contentType("application/json");
    }

    private static String trends(String mathHogql, String extra) {
        return "{\"name\":\"m\",\"query\":{\"kind\":\"InsightVizNode\",\"source\":{\"kind\":\"TrendsQuery\",\"series\":[{"
                + "\"kind\":\"EventsNode\",\"event\":\"$pageview\",\"math\":\"hogql\",\"math_hogql\":\"" + mathHogql
                + "\"}]" + extra + "}}}";
    }

    @Test
    void aMathHogqlThatDoesNotParseIsRefusedAtSaveAsPostQueryRefusesIt() {
        Project p = TestProjects.create("saved depth");
        String base = "/api/projects/" + p.id() + "/insights/";
        // what POST query answers for the same series: the field named
        as(p).body("{\"query\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\","
                + "\"math\":\"hogql\",\"math_hogql\":\"count((\"}]}}").post("/api/projects/" + p.id() + "/query/")
                .then().statusCode(400).body("attr", equalTo("math_hogql"));
        for (String extra : new String[] {"", ",\"breakdownFilter\":{\"breakdown\":\"$browser\",\"breakdown_type\":\"event\"}",
                ",\"dateRange\":{\"date_from\":\"-30d\"},\"compareFilter\":{\"compare\":true}"}) {
            as(p).body(trends("count((", extra)).post(base).then().statusCode(400)
                    .body("code", equalTo("parse_error")).body("attr", equalTo("math_hogql"))
                    .body("detail", startsWith("Invalid query: "));
            // an aggregation of a column that does not exist is the run's compile error, here too
            as(p).body(trends("sum(nosuchcolumn)", extra)).post(base).then().statusCode(400);
        }
        as(p).get(base).then().statusCode(200).body("count", equalTo(0));

        // a good one is stored; a PATCH with a broken one is refused and changes nothing
        int id = as(p).body(trends("count()", "")).post(base).then().statusCode(201).extract().path("id");
        as(p).body("{\"query\":" + trends("count((", "").substring(trends("count((", "").indexOf("{\"kind\"")))
                .patch(base + id + "/").then().statusCode(400).body("attr", equalTo("math_hogql"));
        as(p).get(base + id + "/").then().statusCode(200)
                .body("query.source.series[0].math_hogql", equalTo("count()"));
    }

    @Test
    void legacyFiltersAreRefusedNotDropped() {
        Project p = TestProjects.create("saved filters");
        String base = "/api/projects/" + p.id() + "/insights/";
        as(p).body("{\"name\":\"legacy\",\"filters\":{\"insight\":\"TRENDS\",\"display\":\"Nope\",\"interval\":\"fortnight\","
                + "\"events\":[{\"id\":\"$pageview\",\"math\":\"wrong\"}]}}").post(base)
                .then().statusCode(400).body("attr", equalTo("filters"));
        // valid legacy filters too: Quarry would store the insight without a query, which nothing can show
        as(p).body("{\"name\":\"legacy\",\"filters\":{\"insight\":\"TRENDS\",\"events\":[{\"id\":\"$pageview\"}]}}")
                .post(base).then().statusCode(400).body("attr", equalTo("filters"));
        as(p).get(base).then().statusCode(200).body("count", equalTo(0));
        // what PostHog's own frontend sends beside a query: an empty filters object, or null
        as(p).body("{\"name\":\"q\",\"filters\":{}," + trends("count()", "").substring(1)).post(base).then().statusCode(201);
        as(p).body("{\"name\":\"q\",\"filters\":null}").post(base).then().statusCode(201);
        as(p).get(base).then().statusCode(200).body("count", equalTo(2));
    }
}
