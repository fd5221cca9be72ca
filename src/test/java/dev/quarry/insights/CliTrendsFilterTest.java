package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trendsFilter {@code @posthog/cli}'s query-trends and insight-create send (the Metric display's fields with
 * their defaults), PostHog's current display values, and the Metric display: a time series like PostHog's
 * (its frontend files Metric under ChartDisplayCategory.TimeSeries), whose range total is BoldNumber's number.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CliTrendsFilterTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("CLI trends filter");
        String t = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        Capture.to(team).event("$pageview", "u1", t).event("$pageview", "u1", t).event("$pageview", "u2", t).send();
    }

    private static JsonPath post(String trendsFilter) {
        String body = "{\"query\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],"
                + "\"dateRange\":{\"date_from\":\"-1d\"},\"trendsFilter\":" + trendsFilter + "}}";
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/")
                .then().log().ifValidationFails().statusCode(200).extract().jsonPath();
    }

    @Test
    void theCliBodyIsAnswered() {
        JsonPath answer = post("{\"display\":\"ActionsLineGraph\",\"metricColorByDirection\":false,"
                + "\"metricShowChange\":true,\"metricSummary\":\"total\",\"smoothingIntervals\":1}");
        assertEquals(3, answer.getInt("results[0].count"));
    }

    @Test
    void metricTotalIsBoldNumbersNumber() {
        JsonPath bold = post("{\"display\":\"BoldNumber\"}");
        JsonPath metric = post("{\"display\":\"Metric\",\"metricSummary\":\"total\",\"metricChangeDecreaseColor\":null,"
                + "\"metricLineIncreaseColor\":\"#00ff00\",\"xAxisLabel\":\"Day\",\"yAxisLabel\":null,"
                + "\"legendPosition\":\"bottom\",\"showAnnotations\":true,\"yAxisStartAtZero\":true}");
        assertEquals(3, bold.getInt("results[0].aggregated_value"));
        assertEquals(bold.getInt("results[0].aggregated_value"), metric.getInt("results[0].count"));
    }

    @Test
    void everyCurrentDisplayIsAccepted() {
        for (String display : new String[] {"Auto", "ScatterPlot", "TwoDimensionalHeatmap",
                "ActionsDonut", "Metric"}) {
            post("{\"display\":\"" + display + "\"}");
        }
    }

    @Test
    void anUnknownFieldOrValueIsStillRefused() {
        String base = "{\"query\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],"
                + "\"trendsFilter\":";
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(base + "{\"metricSummary\":\"median\"}}}").post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400);
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(base + "{\"bogusField\":1}}}").post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400);
        // PostHog computes these with runners of their own; Quarry refuses them rather than draw a line graph
        for (String display : new String[] {"BoxPlot", "SlopeGraph"}) {
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body(base + "{\"display\":\"" + display + "\"}}}")
                    .post("/api/environments/" + team.id() + "/query/")
                    .then().statusCode(400).body("attr", org.hamcrest.Matchers.equalTo("display"));
        }
    }
}
