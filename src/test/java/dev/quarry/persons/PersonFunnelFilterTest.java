package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * persons/funnel's {@code explicit_date} and {@code aggregation_group_type_index}, which PostHog's legacy Filter
 * reads (DateMixin.use_explicit_dates, GroupsAggregationMixin).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonFunnelFilterTest {
    private static final String STEPS = "[{\"id\":\"signed up\",\"type\":\"events\",\"order\":0},"
            + "{\"id\":\"purchase\",\"type\":\"events\",\"order\":1}]";
    private static final String FROM = "2026-01-10T09:00:00";
    private static final String TO = "2026-01-10T10:30:00";
    private static Project team;

    /**
     * 2026-01-10 (UTC): dan signs up at 08:00 and buys at 08:30 (before 09:00); bob signs up at 10:00, views pricing
     * at 10:10 and buys at 10:20; ann signs up at 10:00, views pricing at 10:40 and buys at 11:00 (after 10:30).
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Funnel explicit dates");
        Capture.to(team)
                .event("signed up", "dan", "2026-01-10T08:00:00Z").event("purchase", "dan", "2026-01-10T08:30:00Z")
                .event("signed up", "bob", "2026-01-10T10:00:00Z").event("pricing", "bob", "2026-01-10T10:10:00Z")
                .event("purchase", "bob", "2026-01-10T10:20:00Z")
                .event("signed up", "ann", "2026-01-10T10:00:00Z").event("pricing", "ann", "2026-01-10T10:40:00Z")
                .event("purchase", "ann", "2026-01-10T11:00:00Z")
                .send();
    }

    private static RequestSpecification as() {
        return given().header("Authorization", "Bearer " + team.key());
    }

    private static RequestSpecification funnel(int step) {
        return as().queryParam("events", STEPS).queryParam("date_from", FROM).queryParam("date_to", TO)
                .queryParam("funnel_step", step);
    }

    /**
     * Without explicit_date the bounds are widened to whole days (dan's 08:00 and ann's 11:00 count); with it they
     * are used as given: dan is before 09:00, ann's purchase after 10:30. The answers are cached apart.
     */
    @Test
    void explicitDateReadsTheBoundsAsGiven() {
        for (int round = 0; round < 2; round++) {
            funnel(2).get("/api/environments/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                    .statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob", "dan"));
            funnel(2).queryParam("explicit_date", "true")
                    .get("/api/environments/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                    .statusCode(200).body("results[0].people.distinct_ids.flatten()", equalTo(List.of("bob")))
                    .body("is_cached", equalTo(round == 1));
            funnel(1).queryParam("explicit_date", "true")
                    .get("/api/environments/" + team.id() + "/persons/funnel/").then().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob"));
        }
        // a date alone is its midnight when explicit (PostHog's relative_date_parse), its whole day when not
        for (Object[] expected : new Object[][]{{"false", 3}, {"true", 0}}) {
            as().queryParam("events", STEPS).queryParam("date_from", "2026-01-09").queryParam("date_to", "2026-01-10")
                    .queryParam("funnel_step", 1).queryParam("explicit_date", expected[0])
                    .get("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                    .statusCode(200).body("results[0].count", equalTo(expected[1]));
        }
        // PostHog's process_bool: a JSON true, or str_to_bool's words; false and other text are not explicit
        as().contentType("application/json").body(Map.of("events", List.of(
                        Map.of("id", "signed up", "type", "events", "order", 0),
                        Map.of("id", "purchase", "type", "events", "order", 1)),
                        "date_from", FROM, "date_to", TO, "funnel_step", 2, "explicit_date", true))
                .post("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", equalTo(List.of("bob")));
        funnel(2).queryParam("explicit_date", "1").get("/api/projects/" + team.id() + "/persons/funnel/").then()
                .statusCode(200).body("results[0].people.distinct_ids.flatten()", equalTo(List.of("bob")));
        funnel(2).queryParam("explicit_date", "false").get("/api/projects/" + team.id() + "/persons/funnel/").then()
                .statusCode(200)
                .body("results[0].people.distinct_ids.flatten()", containsInAnyOrder("ann", "bob", "dan"));
    }

    /** The correlation list reads the same funnel: with explicit_date ann has not converted by 10:30. */
    @Test
    void correlationReadsExplicitDates() {
        for (Object[] expected : new Object[][]{{null, List.of("ann", "bob")}, {"true", List.of("bob")}}) {
            RequestSpecification request = as().queryParam("events", STEPS).queryParam("date_from", FROM)
                    .queryParam("date_to", TO)
                    .queryParam("funnel_correlation_person_entity", "{\"id\":\"pricing\",\"type\":\"events\"}")
                    .queryParam("funnel_correlation_person_converted", "true");
            if (expected[0] != null) {
                request = request.queryParam("explicit_date", expected[0]);
            }
            request.get("/api/projects/" + team.id() + "/persons/funnel/correlation/").then().log()
                    .ifValidationFails().statusCode(200)
                    .body("results[0].people.distinct_ids.flatten()",
                            containsInAnyOrder(((List<?>) expected[1]).toArray()));
        }
    }

    /**
     * A funnel aggregated by groups lists groups (GroupActorsTest; none here: no event names a company), never its
     * persons; its correlation list is a 400 naming aggregation_group_type_index. An index outside 0 … 4 is PostHog's
     * 400.
     */
    @Test
    void groupAggregationIsNotIgnored() {
        funnel(1).queryParam("aggregation_group_type_index", 0)
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().log().ifValidationFails()
                .statusCode(200).body("results[0].people", equalTo(List.of()));
        as().queryParam("events", STEPS).queryParam("aggregation_group_type_index", 1)
                .queryParam("funnel_correlation_person_entity", "{\"id\":\"pricing\",\"type\":\"events\"}")
                .get("/api/projects/" + team.id() + "/persons/funnel/correlation/").then().statusCode(400)
                .body("attr", equalTo("aggregation_group_type_index"));
        for (String bad : List.of("5", "-1", "x")) {
            funnel(1).queryParam("aggregation_group_type_index", bad)
                    .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400)
                    .body("attr", equalTo("aggregation_group_type_index"));
        }
        funnel(1).queryParam("aggregation_group_type_index", 7)
                .get("/api/projects/" + team.id() + "/persons/funnel/").then().statusCode(400)
                .body("detail", equalTo("aggregation_group_type_index is required to be at least 0 and less than 5"));
    }
}
