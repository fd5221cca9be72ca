package dev.quarry.insights;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Trends series results as they go out, byte for byte (pinned on the code before the series rows became records):
 * several series by a breakdown (labels "<series> - <value>"), a formula over a breakdown per interval and as a total
 * value. Only {@code results} is compared (the statements and cache fields follow it).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TrendsWireTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Trends wire");
        Capture.to(team)
                .event("$pageview", "ann", "2020-01-02T10:00:00Z", Map.of("$browser", "Chrome"))
                .event("$pageview", "ann", "2020-01-03T10:00:00Z", Map.of("$browser", "Chrome"))
                .event("$pageview", "bob", "2020-01-03T11:00:00Z", Map.of("$browser", "Firefox"))
                .event("signup", "bob", "2020-01-03T12:00:00Z", Map.of("$browser", "Firefox"))
                .event("signup", "cat", "2020-01-04T12:00:00Z", Map.of("$browser", "Chrome"))
                .send();
    }

    private static String results(String query) {
        String body = given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"refresh\":\"force_blocking\",\"query\":" + query + "}")
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200).extract().asString();
        return body.substring(0, body.indexOf(",\"hasMore\""));
    }

    private static final String SERIES = "\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"},"
            + "{\"kind\":\"EventsNode\",\"event\":\"signup\",\"custom_name\":\"Signups\"}],"
            + "\"dateRange\":{\"date_from\":\"2020-01-02\",\"date_to\":\"2020-01-04\"},\"interval\":\"day\","
            + "\"breakdownFilter\":{\"breakdown\":\"$browser\",\"breakdown_type\":\"event\"}";

    @Test
    void severalSeriesByABreakdown() {
        assertEquals(SEVERAL_SERIES, results("{\"kind\":\"TrendsQuery\"," + SERIES + "}"));
    }

    @Test
    void aFormulaOverABreakdownPerInterval() {
        assertEquals(FORMULA, results("{\"kind\":\"TrendsQuery\"," + SERIES
                + ",\"trendsFilter\":{\"formula\":\"A + 2 * B\"}}"));
    }

    @Test
    void aFormulaOverABreakdownAsATotal() {
        assertEquals(FORMULA_TOTAL, results("{\"kind\":\"TrendsQuery\"," + SERIES
                + ",\"trendsFilter\":{\"formula\":\"A + 2 * B\",\"display\":\"ActionsPie\"}}"));
    }

    // each action as PostHog's trends runner writes it: math_group_type_index after math_hogql
    private static final String SEVERAL_SERIES = ("{\"results\":[{\"action\":{\"id\":\"$pageview\",\"type\":\"events\",\"order\":0,\"name\":\"$pageview"
            + "\",\"custom_name\":null,\"math\":\"total\",\"math_property\":null,\"math_hogql\":null,\"properties\""
            + ":[]},\"data\":[1,1,0],\"count\":2,\"labels\":[\"2-Jan-2020\",\"3-Jan-2020\",\"4-Jan-2020\"],\"days\""
            + ":[\"2020-01-02\",\"2020-01-03\",\"2020-01-04\"],\"label\":\"$pageview - Chrome\",\"breakdown_value\""
            + ":\"Chrome\",\"filter\":{}},{\"action\":{\"id\":\"$pageview\",\"type\":\"events\",\"order\":0,\"name"
            + "\":\"$pageview\",\"custom_name\":null,\"math\":\"total\",\"math_property\":null,\"math_hogql\":null,"
            + "\"properties\":[]},\"data\":[0,1,0],\"count\":1,\"labels\":[\"2-Jan-2020\",\"3-Jan-2020\",\"4-Jan-20"
            + "20\"],\"days\":[\"2020-01-02\",\"2020-01-03\",\"2020-01-04\"],\"label\":\"$pageview - Firefox\",\"br"
            + "eakdown_value\":\"Firefox\",\"filter\":{}},{\"action\":{\"id\":\"signup\",\"type\":\"events\",\"orde"
            + "r\":1,\"name\":\"signup\",\"custom_name\":\"Signups\",\"math\":\"total\",\"math_property\":null,\"ma"
            + "th_hogql\":null,\"properties\":[]},\"data\":[0,0,1],\"count\":1,\"labels\":[\"2-Jan-2020\",\"3-Jan-2"
            + "020\",\"4-Jan-2020\"],\"days\":[\"2020-01-02\",\"2020-01-03\",\"2020-01-04\"],\"label\":\"signup - C"
            + "hrome\",\"breakdown_value\":\"Chrome\",\"filter\":{}},{\"action\":{\"id\":\"signup\",\"type\":\"even"
            + "ts\",\"order\":1,\"name\":\"signup\",\"custom_name\":\"Signups\",\"math\":\"total\",\"math_property"
            + "\":null,\"math_hogql\":null,\"properties\":[]},\"data\":[0,1,0],\"count\":1,\"labels\":[\"2-Jan-2020"
            + "\",\"3-Jan-2020\",\"4-Jan-2020\"],\"days\":[\"2020-01-02\",\"2020-01-03\",\"2020-01-04\"],\"label\":"
            + "\"signup - Firefox\",\"breakdown_value\":\"Firefox\",\"filter\":{}}]")
            .replace("\"math_hogql\":null,", "\"math_hogql\":null,\"math_group_type_index\":null,");
    private static final String FORMULA = "{\"results\":[{\"action\":null,\"data\":[1.0,1.0,2.0],\"count\":4.0,\"labels\":[\"2-Jan-2020\",\"3-J"
            + "an-2020\",\"4-Jan-2020\"],\"days\":[\"2020-01-02\",\"2020-01-03\",\"2020-01-04\"],\"label\":\"Formul"
            + "a (A + 2 * B)\",\"breakdown_value\":\"Chrome\",\"filter\":{}},{\"action\":null,\"data\":[0.0,3.0,0.0"
            + "],\"count\":3.0,\"labels\":[\"2-Jan-2020\",\"3-Jan-2020\",\"4-Jan-2020\"],\"days\":[\"2020-01-02\","
            + "\"2020-01-03\",\"2020-01-04\"],\"label\":\"Formula (A + 2 * B)\",\"breakdown_value\":\"Firefox\",\"f"
            + "ilter\":{}}]";
    private static final String FORMULA_TOTAL = "{\"results\":[{\"action\":null,\"data\":[],\"labels\":[],\"days\":[],\"aggregated_value\":4.0,\"coun"
            + "t\":4.0,\"label\":\"Formula (A + 2 * B)\",\"breakdown_value\":\"Chrome\",\"filter\":{}},{\"action\":"
            + "null,\"data\":[],\"labels\":[],\"days\":[],\"aggregated_value\":3.0,\"count\":3.0,\"label\":\"Formul"
            + "a (A + 2 * B)\",\"breakdown_value\":\"Firefox\",\"filter\":{}}]";
}
