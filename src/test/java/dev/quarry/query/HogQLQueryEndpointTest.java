package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class HogQLQueryEndpointTest {
    private static Project teamA;
    private static Project teamB;
    private static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS);

    private static String at(int hour) {
        return DAY.plus(hour, ChronoUnit.HOURS).toString();
    }

    /**
     * Team A, two days ago: alice 3 pageviews + 1 signup (Chrome), bob 1 pageview (Safari), carol 1 pageview
     * 40 days ago (outside 7 days). alice identifies with email. Team B: 5 pageviews by mallory and a "secret" event.
     */
    @BeforeEach
    void data() {
        if (teamA != null) {
            return;
        }
        teamA = TestProjects.create("HogQL A");
        teamB = TestProjects.create("HogQL B");
        Capture.to(teamA)
                .event("$pageview", "alice", at(1), Map.of("$browser", "Chrome", "price", "10"))
                .event("$pageview", "alice", at(2), Map.of("$browser", "Chrome", "price", "2.5"))
                .event("$pageview", "alice", at(3), Map.of("$browser", "Chrome", "price", "oops"))
                .event("signed up", "alice", at(4), Map.of("$browser", "Chrome", "$set", Map.of("email", "alice@example.com")))
                .event("$pageview", "bob", at(5), Map.of("$browser", "Safari"))
                .event("$pageview", "carol", DAY.minus(40, ChronoUnit.DAYS).toString(), Map.of("$browser", "Firefox"))
                .send();
        Capture b = Capture.to(teamB);
        for (int i = 0; i < 5; i++) {
            b.event("$pageview", "mallory", at(i + 1), Map.of("$browser", "Chrome"));
        }
        b.event("secret", "mallory", at(7), Map.of("$set", Map.of("email", "mallory@evil.test"))).send();
    }

    private ValidatableResponse hogql(Project project, String query, Map<String, Object> extra) {
        Map<String, Object> node = new java.util.HashMap<>(Map.of("kind", "HogQLQuery", "query", query));
        node.putAll(extra);
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", node, "refresh", "force_blocking"))
                .post("/api/environments/" + project.id() + "/query/").then().log().ifValidationFails();
    }

    private ValidatableResponse hogql(Project project, String query) {
        return hogql(project, query, Map.of());
    }

    @Test
    void theDocumentedExampleCountsEventsOfTheLastWeekByName() {
        // Last 7 days in team A: 4 pageviews (alice 3, bob 1) and 1 signup; carol's is 40 days old; team B is not seen.
        hogql(teamA, "select event, count() from events where timestamp > now() - interval 7 day "
                + "group by event order by count() desc")
                .statusCode(200)
                .body("columns", contains("event", "count()"))
                .body("types[0]", contains("event", "String"))
                .body("types[1]", contains("count()", "UInt64"))
                .body("results", equalTo(List.of(List.of("$pageview", 4), List.of("signed up", 1))))
                .body("hasMore", equalTo(false))
                .body("limit", equalTo(100))
                .body("offset", equalTo(0))
                .body("hogql", containsString("LIMIT 100"))
                .body("clickhouse", nullValue())
                .body("postgres", containsString("\"team_id\" = $1"))
                .body("is_cached", equalTo(false))
                .body("timezone", equalTo("UTC"))
                .body("cache_key", notNullValue())
                .body("last_refresh", notNullValue());
    }

    @Test
    void personPropertiesThroughTheLazyJoin() {
        // alice's 4 events carry her email; bob's one event has none.
        hogql(teamA, "select person.properties.email as email, count() as c from events "
                + "where timestamp > now() - interval 7 day group by email order by c desc")
                .statusCode(200)
                .body("results", equalTo(List.of(List.of("alice@example.com", 4), java.util.Arrays.asList(null, 1))));
    }

    @Test
    void cteSubqueryPlaceholdersAndJoins() {
        hogql(teamA, "with browsers as (select distinct_id, any(properties.$browser) as browser from events "
                        + "group by distinct_id) select b.browser, count() from events e join browsers b "
                        + "on e.distinct_id = b.distinct_id where e.event = {event} and e.distinct_id in "
                        + "(select distinct_id from person_distinct_ids) group by b.browser order by b.browser",
                Map.of("values", Map.of("event", "$pageview")))
                .statusCode(200)
                .body("results", equalTo(List.of(List.of("Chrome", 3), List.of("Firefox", 1), List.of("Safari", 1))));
    }

    @Test
    void functionFamilies() {
        // price: '10', '2.5', 'oops' (not a number → NULL, never an error), bob/carol/signup: none.
        hogql(teamA, "select sum(toFloat(properties.price)), countIf(properties.price is not null), "
                + "uniq(distinct_id), lower(concat('A', 'B')), round(2.567, 1), "
                + "toStartOfDay(min(timestamp)) = toStartOfDay(toDateTime({day})), if(1 > 2, 'x', 'y'), "
                + "JSONExtractString('{\"a\": \"b\"}', 'a'), length(splitByChar(',', 'a,b,c')) "
                + "from events where timestamp > now() - interval 7 day", Map.of("values", Map.of("day", at(0))))
                .statusCode(200)
                .body("results[0]", equalTo(List.of(12.5f, 3, 2, "ab", 2.6f, 1, "y", "b", 3))); // a comparison: UInt8 1
    }

    /** alice's four events in time order: three pageviews then the signup; each row sees its predecessor. */
    @Test
    void inCohortByIdAndNameRunsAsTheQueryRoleAndStaysInTheTeam() {
        // a dynamic cohort of team A holding alice (4 events); the name is looked up inside the query, as the
        // read-only query role, so that role may read the cohorts' names (migration V14_2)
        int id = given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body(Map.of("name", "Alices", "is_static", false, "filters", Map.of("properties", Map.of("type", "OR",
                        "values", List.of(Map.of("type", "AND", "values", List.of(Map.of("key", "email",
                                "value", "alice", "operator", "icontains", "type", "person"))))))))
                .post("/api/projects/" + teamA.id() + "/cohorts/").then().statusCode(201).extract().path("id");
        hogql(teamA, "select count() from events where person_id in cohort 'Alices'").statusCode(200)
                .body("results", equalTo(List.of(List.of(4))));
        hogql(teamA, "select count() from events where person_id in cohort " + id).statusCode(200)
                .body("results", equalTo(List.of(List.of(4))));
        hogql(teamA, "select count(), countIf(person_id not in cohort 'Alices') from events where "
                + "timestamp > now() - interval 7 day").statusCode(200).body("results", equalTo(List.of(List.of(5, 1))));
        // team B does not have team A's cohort: as in PostHog, a 400 naming it (issue 19), not an empty answer
        hogql(teamB, "select count() from events where person_id in cohort 'Alices'").statusCode(400)
                .body("detail", equalTo("Could not find a cohort with the name 'Alices'"));
        hogql(teamB, "select count() from events where person_id in cohort " + id).statusCode(400)
                .body("detail", equalTo("Could not find cohort with ID " + id));
        // the new constructs through the API: ARRAY JOIN, a lambda, a tuple, bracket access, a trailing comma
        hogql(teamA, "select b, count(), from events array join [properties['$browser']] as b "
                + "where timestamp > now() - interval 7 day group by b order by b").statusCode(200)
                .body("results", equalTo(List.of(List.of("Chrome", 4), List.of("Safari", 1))));
        hogql(teamA, "select arrayMap(x -> x * 2, [1, 2]), (1, 'a'), today() - 1 = yesterday()").statusCode(200)
                .body("results", equalTo(List.of(List.of(List.of(2, 4), List.of(1, "a"), 1)))); // UInt8, as ClickHouse
        hogql(teamA, "select bitmapBuild([1])").statusCode(400)
                .body("detail", containsString("\"bitmapBuild\""));
    }

    @Test
    void windowFunctions() {
        hogql(teamA, "select event, row_number() over (partition by distinct_id order by timestamp) as n, "
                + "lagInFrame(event) over (partition by distinct_id order by timestamp) as prev, "
                + "count() over (partition by distinct_id) as total from events where distinct_id = 'alice' "
                + "order by timestamp")
                .statusCode(200)
                .body("results", equalTo(List.of(java.util.Arrays.asList("$pageview", 1, null, 4),
                        List.of("$pageview", 2, "$pageview", 4), List.of("$pageview", 3, "$pageview", 4),
                        List.of("signed up", 4, "$pageview", 4))))
                .body("types[1][1]", equalTo("UInt64"));
        hogql(teamA, "select row_number() from events").statusCode(400).body("detail", containsString("OVER"));
        hogql(teamA, "select event from events where row_number() over (order by timestamp) = 1").statusCode(400);
        hogql(teamA, "select lower(event) over (order by timestamp) from events").statusCode(400);
        // a frame: alice's four events, the row before and this one → 1, 2, 2, 2
        hogql(teamA, "select count() over (order by timestamp rows between 1 preceding and current row) from events "
                + "where distinct_id = 'alice' order by timestamp")
                .statusCode(200).body("results", equalTo(List.of(List.of(1), List.of(2), List.of(2), List.of(2))));
        // valid HogQL Quarry does not run: a query error naming it, not a syntax error
        hogql(teamA, "select e.event from events e left semi join persons p on e.person_id = p.id")
                .statusCode(400).body("code", equalTo("hogql_query_error"))
                .body("detail", containsString("LEFT SEMI JOIN is not supported by Quarry"));
    }

    /**
     * A query's own LIMIT is the rows it asked for: PostHog's HogQL runner pages (and says {@code hasMore}) only a
     * query without one, so there {@code hasMore} is null, more rows or not (a newcomer's agent kept paging on it).
     */
    @Test
    void limitsAndHasMore() {
        hogql(teamA, "select event from events order by timestamp limit 2")
                .statusCode(200).body("results.size()", equalTo(2)).body("hasMore", nullValue())
                .body("limit", equalTo(2));
        hogql(teamA, "select event from events order by timestamp limit 2 offset 5")
                .statusCode(200).body("results.size()", equalTo(1)).body("hasMore", nullValue())
                .body("offset", equalTo(5));
        hogql(teamA, "select event from events order by timestamp")
                .statusCode(200).body("hasMore", equalTo(false)).body("limit", equalTo(100));
        hogql(teamA, "select event from events limit 1000000")
                .statusCode(200).body("limit", equalTo(50000));
    }

    @Test
    void anotherTeamsRowsNeverAppear() {
        hogql(teamA, "select distinct distinct_id from events")
                .statusCode(200).body("results.flatten()", not(hasItem("mallory")));
        hogql(teamA, "select count() from events where event = 'secret'")
                .statusCode(200).body("results[0][0]", equalTo(0));
        hogql(teamA, "select properties.email from persons").statusCode(200)
                .body("results.flatten()", not(hasItem("mallory@evil.test")));
        hogql(teamA, "select distinct_id from events union all select distinct_id from person_distinct_ids")
                .statusCode(200).body("results.flatten()", everyItem(not(equalTo("mallory"))));
        hogql(teamB, "select count() from events").statusCode(200).body("results[0][0]", equalTo(6));
    }

    @Test
    void hostileQueriesAreRefused() {
        for (String hostile : List.of(
                "select * from pg_catalog.pg_class", "select * from information_schema.tables",
                "select pg_sleep(10)", "select pg_read_file('/etc/passwd')", "select current_setting('is_superuser')",
                "select set_config('statement_timeout', '0', false)", "select * from dblink('x', 'y')",
                "select 'events'::regclass", "select 1; select 2", "select event from events where team_id = 2",
                "select * from personal_api_keys", "select event from events union all select secure_value from personal_api_keys")) {
            hogql(teamA, hostile).statusCode(400).body("type", equalTo("validation_error"));
        }
        hogql(teamA, "select 'a'' or 1=1 --' from events limit 1").statusCode(200)
                .body("results[0][0]", equalTo("a' or 1=1 --"));
    }

    @Test
    void errorsAre400WithWhereTheyAre() {
        hogql(teamA, "select event from events where").statusCode(400)
                .body("type", equalTo("validation_error")).body("detail", containsString("line 1"));
        hogql(teamA, "select nosuchfunction(event) from events").statusCode(400)
                .body("detail", containsString("nosuchfunction"));
        hogql(teamA, "select event from nosuchtable").statusCode(400).body("detail", containsString("nosuchtable"));
        hogql(teamA, "select {missing} from events").statusCode(400).body("detail", containsString("missing"));
    }

    @Test
    void requestShapeErrors() {
        String key = teamA.key();
        String url = "/api/projects/" + teamA.id() + "/query/";
        given().header("Authorization", "Bearer " + key).contentType("application/json").body(Map.of("nope", 1))
                .post(url).then().statusCode(400).body("type", equalTo("invalid_request")).body("code", equalTo("parse_error"));
        given().header("Authorization", "Bearer " + key).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "NoSuchQuery"))).post(url).then().statusCode(400)
                .body("code", equalTo("parse_error")).body("detail", containsString("NoSuchQuery"));
        given().header("Authorization", "Bearer " + key).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "SavedInsightNode"))).post(url).then().statusCode(400)
                .body("detail", equalTo("Unsupported query kind: SavedInsightNode"));
        given().header("Authorization", "Bearer " + key).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"))).post(url + "EventsQuery/")
                .then().statusCode(400)
                .body("detail", equalTo("Query kind mismatch: path kind \"EventsQuery\" does not match body kind \"HogQLQuery\"."));
        given().header("Authorization", "Bearer " + key).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1"))).post(url + "HogQLQuery/")
                .then().statusCode(200).body("results[0][0]", equalTo(1));
        given().header("Authorization", "Bearer " + key).contentType("application/json").body("{oops")
                .post(url).then().statusCode(400).body("code", equalTo("parse_error"));
    }

    @Test
    void needsQueryReadScope() {
        String personOnly = teamA.keyWith("person:read");
        given().header("Authorization", "Bearer " + personOnly).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1")))
                .post("/api/projects/" + teamA.id() + "/query/").then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'query:read'"));
        String reader = teamA.keyWith("query:read");
        given().header("Authorization", "Bearer " + reader).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select 1")))
                .post("/api/projects/" + teamA.id() + "/query/").then().statusCode(200);
    }

    @Test
    void metadataValidatesWithoutRunning() {
        String url = "/api/projects/" + teamA.id() + "/query/";
        given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLMetadata", "language", "hogQL",
                        "query", "select event from events"))).post(url)
                .then().statusCode(200).body("isValid", equalTo(true)).body("table_names", contains("events"))
                .body("errors.size()", equalTo(0));
        given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLMetadata", "language", "hogQL",
                        "query", "select pg_sleep(1) from events"))).post(url)
                .then().statusCode(200).body("isValid", equalTo(false))
                .body("errors[0].message", containsString("pg_sleep"));
    }

    @Test
    void cachedAnswersAreSharedByEqualQueriesOnly() {
        String url = "/api/projects/" + teamA.id() + "/query/";
        String first = given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body("{\"query\": {\"kind\": \"HogQLQuery\", \"query\": \"select count() from events\", \"values\": {}}}")
                .post(url).then().statusCode(200).body("is_cached", equalTo(false)).extract().path("cache_key");
        given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body("{\"query\": {\"values\": {}, \"query\": \"select count() from events\", \"kind\": \"HogQLQuery\"}}")
                .post(url).then().statusCode(200).body("is_cached", equalTo(true)).body("cache_key", equalTo(first));
        given().header("Authorization", "Bearer " + teamB.key()).contentType("application/json")
                .body("{\"query\": {\"kind\": \"HogQLQuery\", \"query\": \"select count() from events\", \"values\": {}}}")
                .post("/api/projects/" + teamB.id() + "/query/").then().statusCode(200)
                .body("is_cached", equalTo(false)).body("cache_key", not(equalTo(first)))
                .body("results[0][0]", equalTo(6));
    }

    @Test
    void everyQueryLandsInTheLogOfItsTeamOnly() {
        String url = "/api/projects/" + teamA.id() + "/query/";
        given().header("Authorization", "Bearer " + teamA.key()).contentType("application/json")
                .body(Map.of("client_query_id", "logged-query-1", "refresh", "force_blocking",
                        "query", Map.of("kind", "HogQLQuery", "query", "select event from events limit 3")))
                .post(url).then().statusCode(200);
        given().header("Authorization", "Bearer " + teamA.key()).get(url + "logged-query-1/log")
                .then().statusCode(200)
                .body("results.size()", equalTo(1))
                .body("columns", equalTo(List.of("event_date", "event_time", "query_id", "endpoint", "query",
                        "query_start_time", "query_duration_ms", "hogql_name", "created_by", "read_rows", "read_bytes",
                        "result_rows", "result_bytes", "memory_usage", "status", "exception_code",
                        "is_personal_api_key_request", "cpu_microseconds", "RealTimeMicroseconds", "S3ListObjects",
                        "S3HeadObject", "S3GetObjectAttributes", "S3GetObject", "ReadBufferFromS3Bytes", "team_id",
                        "exception", "kind", "hogql")))
                .body("results[0][2]", equalTo("logged-query-1"))
                // the contract's query log (Part A item 7) holds the SQL that ran in `query`, the HogQL in `hogql`
                .body("results[0][4]", containsString("\"team_id\" = $1"))
                .body("results[0][27]", equalTo("select event from events limit 3"))
                .body("results[0][24]", equalTo((int) teamA.id()))
                .body("results[0][25]", nullValue())
                .body("results[0][26]", equalTo("HogQLQuery"))
                .body("results[0][11]", equalTo(3))
                .body("results[0][14]", equalTo("QueryFinish"))
                .body("results[0][15]", equalTo(0))
                .body("results[0][16]", equalTo(true))
                .body("hogql", org.hamcrest.Matchers.containsString("yesterday()"));
        given().header("Authorization", "Bearer " + teamB.key()).get("/api/projects/" + teamB.id() + "/query/logged-query-1/log")
                .then().statusCode(200).body("results.size()", equalTo(0));
        given().header("Authorization", "Bearer " + teamA.key()).get(url + "unknown-id/log")
                .then().statusCode(200).body("results.size()", equalTo(0));
    }
}
