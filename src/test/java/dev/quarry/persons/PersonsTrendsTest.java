package dev.quarry.persons;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostHog's legacy GET persons/trends (posthog/api/person.py, still served): the persons behind a trends data point,
 * as its frontend asks for them (the clicked interval as date_from = date_to, the series as entityId/type/entityMath,
 * the insight's events and properties JSON-encoded), in PostHog's cached-results envelope.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonsTrendsTest {
    private static Project team;
    private static Project other;

    /**
     * "buy": a on 2020-02-03 (plan pro) and 02-04 (plan free), b on 02-03 (plan free), c on 02-05 (plan pro); "view":
     * d on 02-03. The other project: "buy" by x on 02-03.
     */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Persons trends");
        other = TestProjects.create("Persons trends other");
        Capture.to(team)
                .event("buy", "a", "2020-02-03T10:00:00Z", Map.of("plan", "pro", "$set", Map.of("email", "a@x.test")))
                .event("buy", "a", "2020-02-04T10:00:00Z", Map.of("plan", "free"))
                .event("buy", "b", "2020-02-03T11:00:00Z", Map.of("plan", "free", "$set", Map.of("email", "b@x.test")))
                .event("buy", "c", "2020-02-05T10:00:00Z", Map.of("plan", "pro", "$set", Map.of("email", "c@x.test")))
                .event("view", "d", "2020-02-03T10:00:00Z", Map.of("$set", Map.of("email", "d@x.test")))
                .send();
        Capture.to(other).event("buy", "x", "2020-02-03T10:00:00Z", Map.of("$set", Map.of("email", "x@x.test"))).send();
    }

    private static RequestSpecification as() {
        return given().header("Authorization", "Bearer " + team.key());
    }

    private static String url(String kind) {
        return "/api/" + kind + "/" + team.id() + "/persons/trends/";
    }

    private static TreeSet<String> emails(JsonPath body) {
        return new TreeSet<>(body.getList("results[0].people.properties.email", String.class));
    }

    @Test
    void thePersonsOfTheClickedInterval() {
        String events = "[{\"id\":\"buy\",\"type\":\"events\",\"order\":0,\"name\":\"buy\"}]";
        // 02-03: a and b bought (d only viewed); both path prefixes answer the same
        for (String kind : List.of("projects", "environments")) {
            JsonPath body = as().queryParam("events", events).queryParam("entityId", "buy").queryParam("type", "events")
                    .queryParam("cache_invalidation_key", kind) // else the second path is answered from the cache
                    .queryParam("entityMath", "total").queryParam("date_from", "2020-02-03")
                    .queryParam("date_to", "2020-02-03T23:59:59").queryParam("interval", "day")
                    .get(url(kind)).then().statusCode(200)
                    .body("results[0].count", equalTo(2)).body("next", nullValue())
                    .body("missing_persons", equalTo(0)).body("is_cached", equalTo(false))
                    .extract().jsonPath();
            assertEquals(new TreeSet<>(List.of("a@x.test", "b@x.test")), emails(body));
            // initial: the request's own absolute URL
            assertEquals(true, body.getString("initial").startsWith("http"));
            assertEquals(true, body.getString("initial").contains("/api/" + kind + "/" + team.id() + "/persons/trends/?"));
            assertEquals(true, body.getString("initial").contains("entityId=buy"));
        }
        // the whole range 02-03 … 02-05: a, b, c once each
        JsonPath all = as().queryParam("events", events).queryParam("entityId", "buy").queryParam("type", "events")
                .queryParam("date_from", "2020-02-03").queryParam("date_to", "2020-02-05T23:59:59")
                .get(url("projects")).then().statusCode(200).body("results[0].count", equalTo(3)).extract().jsonPath();
        assertEquals(new TreeSet<>(List.of("a@x.test", "b@x.test", "c@x.test")), emails(all));
    }

    @Test
    void filtersAndBreakdownValueNarrowThePersons() {
        // an event property filter: plan = pro over 02-03 … 02-05 is a (02-03) and c
        JsonPath pro = as().queryParam("entityId", "buy").queryParam("type", "events")
                .queryParam("properties", "[{\"key\":\"plan\",\"value\":\"pro\",\"operator\":\"exact\",\"type\":\"event\"}]")
                .queryParam("date_from", "2020-02-03").queryParam("date_to", "2020-02-05T23:59:59")
                .get(url("projects")).then().statusCode(200).extract().jsonPath();
        assertEquals(new TreeSet<>(List.of("a@x.test", "c@x.test")), emails(pro));
        // breakdown plan, value free: a (02-04) and b
        JsonPath free = as().queryParam("entityId", "buy").queryParam("type", "events").queryParam("breakdown", "plan")
                .queryParam("breakdown_type", "event").queryParam("breakdown_value", "free")
                .queryParam("date_from", "2020-02-03").queryParam("date_to", "2020-02-05T23:59:59")
                .get(url("projects")).then().statusCode(200).extract().jsonPath();
        assertEquals(new TreeSet<>(List.of("a@x.test", "b@x.test")), emails(free));
        // a page of one: next moves the offset on
        as().queryParam("entityId", "buy").queryParam("type", "events").queryParam("limit", 1)
                .queryParam("date_from", "2020-02-03").queryParam("date_to", "2020-02-05T23:59:59")
                .get(url("projects")).then().statusCode(200).body("results[0].count", equalTo(1))
                .body("next", org.hamcrest.Matchers.containsString("offset=1"));
    }

    @Test
    void errorsMethodAndIsolation() {
        // PostHog's ValidationError when no entity can be determined
        as().queryParam("date_from", "2020-02-03").get(url("projects")).then().statusCode(400)
                .body("type", equalTo("validation_error"))
                .body("detail", equalTo("An entity id and the entity type must be provided to determine an entity"));
        // an action target of an action the project does not have
        as().queryParam("entityId", "999999999").queryParam("type", "actions").get(url("projects")).then().statusCode(400)
                .body("detail", equalTo("Action 999999999 does not exist."));
        as().queryParam("entityId", "buy").queryParam("type", "cohorts").get(url("projects")).then().statusCode(400)
                .body("attr", equalTo("type"));
        as().post(url("projects")).then().statusCode(405);
        given().get(url("projects")).then().statusCode(401);
        // another project's key: refused, and this project's answer never holds the other's person
        given().header("Authorization", "Bearer " + other.key()).queryParam("entityId", "buy").queryParam("type", "events")
                .get(url("projects")).then().statusCode(403);
        JsonPath mine = as().queryParam("entityId", "buy").queryParam("type", "events")
                .queryParam("date_from", "2020-02-03").queryParam("date_to", "2020-02-03T23:59:59")
                .get(url("projects")).then().statusCode(200).extract().jsonPath();
        assertEquals(false, emails(mine).contains("x@x.test"));
    }

    /**
     * {@code explicit_date} (PostHog's DateMixin, every legacy filter): the interval's dates bound the events as given;
     * without it date_to is taken to the end of its day.
     */
    @Test
    void explicitDatesBoundTheIntervalAsGiven() {
        String events = "[{\"id\":\"buy\",\"type\":\"events\",\"order\":0,\"name\":\"buy\"}]";
        JsonPath exact = as().queryParam("events", events).queryParam("entityId", "buy").queryParam("type", "events")
                .queryParam("entityMath", "total").queryParam("date_from", "2020-02-03T00:00:00")
                .queryParam("date_to", "2020-02-03T10:30:00").queryParam("interval", "day")
                .queryParam("explicit_date", "true").get(url("environments")).then().statusCode(200)
                .extract().jsonPath();
        // a bought at 10:00, b at 11:00
        assertEquals(new TreeSet<>(List.of("a@x.test")), emails(exact));
        JsonPath wholeDay = as().queryParam("events", events).queryParam("entityId", "buy").queryParam("type", "events")
                .queryParam("entityMath", "total").queryParam("date_from", "2020-02-03T00:00:00")
                .queryParam("date_to", "2020-02-03T10:30:00").queryParam("interval", "day")
                .get(url("environments")).then().statusCode(200).extract().jsonPath();
        assertEquals(new TreeSet<>(List.of("a@x.test", "b@x.test")), emails(wholeDay));
    }
}
