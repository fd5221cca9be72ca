package dev.quarry.insights.funnels;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The funnel kinds' nodes are records parsed once, strictly, as PostHog's models ({@code extra="forbid"}): a field
 * PostHog's schema does not have, at any depth (the query, its funnelsFilter, an exclusion, the actors and
 * correlation nodes around a funnel), is a 400 naming it in {@code attr}; a value of the wrong shape names its field;
 * a PostHog field Quarry does not compute is refused unless off; display fields are accepted.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FunnelSchemaTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("FunnelSchema");
        }
    }

    private static Map<String, Object> funnel(Map<String, Object> funnelsFilter) {
        Map<String, Object> q = new HashMap<>(Map.of("kind", "FunnelsQuery",
                "dateRange", Map.of("date_from", "2021-03-01", "date_to", "2021-03-08"),
                "series", List.of(Map.of("kind", "EventsNode", "event", "signed up"),
                        Map.of("kind", "EventsNode", "event", "paid"))));
        if (funnelsFilter != null) {
            q.put("funnelsFilter", funnelsFilter);
        }
        return q;
    }

    private static Map<String, Object> with(Map<String, Object> node, String field, Object value) {
        Map<String, Object> copy = new HashMap<>(node);
        copy.put(field, value);
        return copy;
    }

    private static Map<String, Object> funnelsActors(Map<String, Object> funnel) {
        return new HashMap<>(Map.of("kind", "FunnelsActorsQuery", "source", funnel, "funnelStep", 1));
    }

    private static Map<String, Object> correlation(Map<String, Object> funnelsActors) {
        return new HashMap<>(Map.of("kind", "FunnelCorrelationQuery", "funnelCorrelationType", "events",
                "source", funnelsActors));
    }

    private static Map<String, Object> correlationActors(Map<String, Object> correlation) {
        return new HashMap<>(Map.of("kind", "FunnelCorrelationActorsQuery", "source", correlation,
                "funnelCorrelationPersonEntity", Map.of("kind", "EventsNode", "event", "read docs")));
    }

    private static Map<String, Object> actorsOf(Map<String, Object> source) {
        return Map.of("kind", "ActorsQuery", "select", List.of("actor"), "source", source);
    }

    private static void refused(Map<String, Object> query, String attr) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo(attr));
    }

    private static void accepted(Map<String, Object> query) {
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body(Map.of("query", query, "refresh", "force_blocking"))
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200);
    }

    @Test
    void funnelsQueryAndItsFilter() {
        refused(with(funnel(null), "funnelSomething", 1), "funnelSomething");
        refused(funnel(Map.of("funnelWindowInterval", "two")), "funnelWindowInterval");
        refused(funnel(Map.of("binCount", Map.of())), "binCount");
        refused(funnel(Map.of("exclusions", List.of(Map.of("kind", "EventsNode", "event", "x", "funnelFromStep", 0,
                "funnelToStep", 1, "extra", true)))), "extra");
        refused(funnel(Map.of("exclusions", "x")), "exclusions");
        refused(with(funnel(null), "breakdownFilter", Map.of("breakdown", "$browser", "colour", "red")), "colour");
        refused(with(funnel(null), "samplingFactor", 0.5), "samplingFactor");
        refused(funnel(Map.of("funnelAggregateByHogQL", "properties.$session_id")), "funnelAggregateByHogQL");
        accepted(funnel(Map.of("funnelAggregateByHogQL", "person_id", "layout", "horizontal",
                "funnelStepReference", "previous", "hiddenLegendBreakdowns", List.of("x"), "useUdf", false)));
        accepted(with(funnel(Map.of("funnelVizType", "steps")), "samplingFactor", 1));
    }

    @Test
    void actorsAndCorrelationNodes() {
        Map<String, Object> funnel = funnel(null);
        refused(actorsOf(with(funnelsActors(funnel), "funnelStepz", 2)), "funnelStepz");
        refused(actorsOf(with(funnelsActors(funnel), "funnelStep", "first")), "funnelStep");
        accepted(actorsOf(with(funnelsActors(funnel), "funnelCustomSteps", List.of(1, 2))));
        refused(actorsOf(with(funnelsActors(funnel), "funnelCustomSteps", List.of("first"))), "funnelCustomSteps");
        refused(actorsOf(funnelsActors(with(funnel, "somethingNew", true))), "somethingNew");
        accepted(actorsOf(with(funnelsActors(funnel), "includeRecordings", true)));
        refused(with(correlation(funnelsActors(funnel)), "funnelCorrelationSomething", List.of()),
                "funnelCorrelationSomething");
        refused(with(correlation(funnelsActors(funnel)), "funnelCorrelationNames", "$browser"),
                "funnelCorrelationNames");
        refused(correlation(with(funnelsActors(funnel), "other", 1)), "other");
        accepted(correlation(funnelsActors(funnel)));
        refused(actorsOf(with(correlationActors(correlation(funnelsActors(funnel))), "funnelCorrelationPerson", true)),
                "funnelCorrelationPerson");
        refused(actorsOf(with(correlationActors(correlation(funnelsActors(funnel))), "funnelCorrelationPersonEntity",
                Map.of("kind", "EventsNode", "event", "read docs", "colour", "red"))), "colour");
        accepted(actorsOf(correlationActors(correlation(funnelsActors(funnel)))));
    }

    @Test
    void actorsKindsAnsweredDirectly() {
        accepted(with(funnelsActors(funnel(null)), "limit", 10));
        refused(with(funnelsActors(funnel(null)), "unknown", 10), "unknown");
        refused(with(correlationActors(correlation(funnelsActors(funnel(null)))), "unknown", 10), "unknown");
    }
}
