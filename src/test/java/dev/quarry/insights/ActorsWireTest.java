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
 * Actor answers as they go out, byte for byte (pinned on the code before the person became a record): an
 * ActorsQuery over a trends cell with every column kind, an ActorsQuery without source, and the legacy persons list
 * (persons/lifecycle) as JSON and CSV. Person uuids (PostHog's deterministic uuid of project and distinct id) and the
 * answer's cache times are replaced by markers; the persons' own times, key order, nulls and numbers are compared.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ActorsWireTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Actors wire");
        Capture.to(team)
                .event("$pageview", "ann", "2020-01-02T10:00:00Z", Map.of("$set", Map.of("email", "ann@x.test",
                        "plan", "pro")))
                .event("$pageview", "ann", "2020-01-02T11:30:00.250Z")
                .event("$pageview", "bob", "2020-01-02T12:00:00Z", Map.of("$set", Map.of("name", "Bob", "n", 3)))
                .event("$pageview", "7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d", "2020-01-03T09:00:00Z")
                .send();
    }

    private static String normalized(String body) {
        return body.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?<!7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d)", "<uuid>")
                .replaceAll("\"(last_refresh|next_allowed_client_refresh|cache_target_age)\":\"[^\"]+\"", "\"$1\":\"<time>\"")
                .replaceAll("\"cache_key\":\"[^\"]+\"", "\"cache_key\":\"<key>\"")
                .replace("team_id = " + team.id(), "team_id = <team>")
                .replaceAll("\"query_status\":\\{[^}]*}", "\"query_status\":<status>")
                .replace("\"timings\":null", "\"timings\":<timings>"); // PostHog's null without modifiers.timings
    }

    private static String query(String query) {
        return normalized(given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"refresh\":\"force_blocking\",\"query\":" + query + "}")
                .post("/api/environments/" + team.id() + "/query/").then().statusCode(200).extract().asString());
    }

    @Test
    void actorsOfATrendsCellWithEveryColumn() {
        String body = query("{\"kind\":\"ActorsQuery\",\"select\":[\"person\",\"id\",\"created_at\",\"is_identified\","
                + "\"properties\",\"distinct_ids\",\"matched_recordings\",\"person.$delete\",\"event_count\","
                + "\"properties.email\",\"properties.n\",\"properties.nosuch\",\"person_display_name -- Person\"],"
                + "\"orderBy\":[\"event_count DESC\",\"created_at DESC\"],"
                + "\"source\":{\"kind\":\"InsightActorsQuery\",\"source\":{\"kind\":\"TrendsQuery\",\"series\":"
                + "[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],\"trendsFilter\":{\"display\":\"BoldNumber\"},"
                + "\"dateRange\":{\"date_from\":\"2020-01-01\",\"date_to\":\"2020-01-05\"}}}}");
        assertEquals(ACTORS_OF_A_CELL, body.substring(0, body.indexOf(",\"hogql\"")));
    }

    @Test
    void everyPersonWithoutSource() {
        // person ids are random (v4): ordered by what the test fixes
        String body = query("{\"kind\":\"ActorsQuery\",\"orderBy\":[\"created_at DESC\"]}");
        assertEquals(EVERY_PERSON, body.substring(0, body.indexOf(",\"hogql\"")));
    }

    @Test
    void legacyLifecycleListAsJsonAndCsv() {
        String url = "/api/environments/" + team.id() + "/persons/lifecycle/";
        String json = normalized(given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", "[{\"id\":\"$pageview\",\"type\":\"events\"}]")
                .queryParam("date_from", "2020-01-01").queryParam("date_to", "2020-01-05").queryParam("interval", "day")
                .queryParam("target_date", "2020-01-02").queryParam("lifecycle_type", "new")
                .get(url).then().statusCode(200).extract().asString());
        assertEquals(LIFECYCLE_JSON, json);
        String csv = normalized(given().header("Authorization", "Bearer " + team.key())
                .queryParam("events", "[{\"id\":\"$pageview\",\"type\":\"events\"}]")
                .queryParam("date_from", "2020-01-01").queryParam("date_to", "2020-01-05").queryParam("interval", "day")
                .queryParam("target_date", "2020-01-02").queryParam("lifecycle_type", "new").queryParam("format", "csv")
                .get(url).then().statusCode(200).extract().asString());
        assertEquals(LIFECYCLE_CSV, csv);
    }

    private static final String ACTORS_OF_A_CELL = "{\"results\":[[{\"type\":\"person\",\"id\":\"<uuid>\",\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-0"
            + "2T10:00:00Z\",\"properties\":{\"plan\":\"pro\",\"email\":\"ann@x.test\"},\"is_identified\":false,\"n"
            + "ame\":\"ann@x.test\",\"distinct_ids\":[\"ann\"],\"matched_recordings\":[],\"value_at_data_point\":nu"
            + "ll},\"<uuid>\",\"2020-01-02T10:00:00Z\",false,{\"plan\":\"pro\",\"email\":\"ann@x.test\"},[\"ann\"],"
            + "[],null,2,\"ann@x.test\",null,null,{\"display_name\":\"ann@x.test\",\"id\":\"<uuid>\"}],[{\"type\":"
            + "\"person\",\"id\":\"<uuid>\",\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-03T09:00:00Z\",\"propertie"
            + "s\":{},\"is_identified\":false,\"name\":\"7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d\",\"distinct_ids\":["
            + "\"7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d\"],\"matched_recordings\":[],\"value_at_data_point\":null},\""
            + "<uuid>\",\"2020-01-03T09:00:00Z\",false,{},[\"7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d\"],[],null,1,null"
            + ",null,null,{\"display_name\":\"<uuid>\",\"id\":\"<uuid>\"}],[{\"type\":\"person\",\"id\":\"<uuid>\","
            + "\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-02T12:00:00Z\",\"properties\":{\"n\":3,\"name\":\"Bob\""
            + "},\"is_identified\":false,\"name\":\"Bob\",\"distinct_ids\":[\"bob\"],\"matched_recordings\":[],\"va"
            + "lue_at_data_point\":null},\"<uuid>\",\"2020-01-02T12:00:00Z\",false,{\"n\":3,\"name\":\"Bob\"},[\"bo"
            + "b\"],[],null,1,null,3,null,{\"display_name\":\"Bob\",\"id\":\"<uuid>\"}]],\"columns\":[\"person\",\""
            + "id\",\"created_at\",\"is_identified\",\"properties\",\"distinct_ids\",\"matched_recordings\",\"perso"
            + "n.$delete\",\"event_count\",\"properties.email\",\"properties.n\",\"properties.nosuch\",\"person_dis"
            + "play_name -- Person\"],\"types\":[\"Tuple\",\"String\",\"DateTime\",\"Boolean\",\"String\",\"Array\""
            + ",\"Array\",\"String\",\"UInt64\",\"String\",\"String\",\"String\",\"Tuple\"],\"hasMore\":false,\"lim"
            + "it\":100,\"offset\":0,\"missing_actors_count\":0";
    private static final String EVERY_PERSON = "{\"results\":[[{\"type\":\"person\",\"id\":\"<uuid>\",\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-0"
            + "3T09:00:00Z\",\"properties\":{},\"is_identified\":false,\"name\":\"7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6"
            + "c5d\",\"distinct_ids\":[\"7c1a9d52-3f4e-4b6a-9c2d-1e8f0a7b6c5d\"],\"matched_recordings\":[],\"value_"
            + "at_data_point\":null},\"<uuid>\",\"2020-01-03T09:00:00Z\"],[{\"type\":\"person\",\"id\":\"<uuid>\","
            + "\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-02T12:00:00Z\",\"properties\":{\"n\":3,\"name\":\"Bob\""
            + "},\"is_identified\":false,\"name\":\"Bob\",\"distinct_ids\":[\"bob\"],\"matched_recordings\":[],\"va"
            + "lue_at_data_point\":null},\"<uuid>\",\"2020-01-02T12:00:00Z\"],[{\"type\":\"person\",\"id\":\"<uuid>"
            + "\",\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-02T10:00:00Z\",\"properties\":{\"plan\":\"pro\",\"em"
            + "ail\":\"ann@x.test\"},\"is_identified\":false,\"name\":\"ann@x.test\",\"distinct_ids\":[\"ann\"],\"m"
            + "atched_recordings\":[],\"value_at_data_point\":null},\"<uuid>\",\"2020-01-02T10:00:00Z\"]],\"columns"
            + "\":[\"person\",\"id\",\"created_at\"],\"types\":[\"Tuple\",\"String\",\"DateTime\"],\"hasMore\":fals"
            + "e,\"limit\":100,\"offset\":0,\"missing_actors_count\":0";
    private static final String LIFECYCLE_JSON = "{\"results\":[{\"people\":[{\"type\":\"person\",\"id\":\"<uuid>\",\"uuid\":\"<uuid>\",\"created_at\""
            + ":\"2020-01-02T12:00:00Z\",\"properties\":{\"n\":3,\"name\":\"Bob\"},\"is_identified\":false,\"name\""
            + ":\"Bob\",\"distinct_ids\":[\"bob\"],\"matched_recordings\":[],\"value_at_data_point\":null},{\"type"
            + "\":\"person\",\"id\":\"<uuid>\",\"uuid\":\"<uuid>\",\"created_at\":\"2020-01-02T10:00:00Z\",\"proper"
            + "ties\":{\"plan\":\"pro\",\"email\":\"ann@x.test\"},\"is_identified\":false,\"name\":\"ann@x.test\","
            + "\"distinct_ids\":[\"ann\"],\"matched_recordings\":[],\"value_at_data_point\":null}],\"count\":2}],\""
            + "next\":null}";
    private static final String LIFECYCLE_CSV = "count,people.0.created_at,people.0.distinct_ids.0,people.0.id,people.0.is_identified,people.0.name,people.0.properties.n,people.0.properties.name,people.0.type,people.0.uuid,people.0.value_at_data_point,people.1.created_at,people.1.distinct_ids.0,people.1.id,people.1.is_identified,people.1.name,people.1.properties.email,people.1.properties.plan,people.1.type,people.1.uuid,people.1.value_at_data_point\r\n"
            + "2,2020-01-02T12:00:00Z,bob,<uuid>,False,Bob,3,Bob,person,<uuid>,,2020-01-02T10:00:00Z,ann,<uuid>,False,ann@x.test,ann@x.test,pro,person,<uuid>,\r\n";
}
