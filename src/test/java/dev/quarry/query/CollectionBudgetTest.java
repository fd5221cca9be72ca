package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user's HogQL cannot collect unbounded memory into an aggregate (the breaker's
 * {@code groupArray(repeat('x', 1000000))} grew one PostgreSQL backend to 7.5 GB and the OOM killer restarted the
 * database for every project): past 256 MiB of variable-width values kept by groupArray, groupUniqArray, argMax,
 * argMin, string_agg or json_agg the statement is a 400 {@code memory_limit_exceeded}, ClickHouse's answer to a query
 * past its memory limit; within it the same aggregates answer as before, and the budget is each statement's own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CollectionBudgetTest {
    private static Project team;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("Collection budget");
            Capture.to(team).event("b", "ann", "2026-02-01T00:00:00Z").event("a", "bob", "2026-02-02T00:00:00Z").send();
            // one event whose properties compress to a few kB on disk (TOAST) but are 900 kB read back
            Capture.to(team).event("wide", "cyd", "2026-01-01T00:00:00Z", java.util.Map.of("p", "y".repeat(900_000)))
                    .send();
        }
    }

    @Test
    void collectingPastTheBudgetIsClickHousesMemoryLimit() {
        // 300 rows of 1 MB: 300 MB kept by each aggregate
        for (String query : List.of(
                "select length(groupArray(repeat('x', 1000000))) from (select arrayJoin(range(300)) as i)",
                "select length(groupUniqArray(concat(toString(i), repeat('x', 1000000)))) from (select arrayJoin(range(300)) as i)",
                "select length(argMax(repeat('x', 1000000), i)) from (select arrayJoin(range(300)) as i)",
                "select length(string_agg(repeat('x', 1000000), ',')) from (select arrayJoin(range(300)) as i)",
                "select length(json_agg(repeat('x', 1000000))) from (select arrayJoin(range(300)) as i)")) {
            HogQLRequests.post(team, query).then().statusCode(400).body("type", equalTo("validation_error"))
                    .body("code", equalTo("memory_limit_exceeded"))
                    .body("detail", startsWith("The query collected more than 256 MiB into arrays"));
        }
    }

    @Test
    void withinTheBudgetTheAggregatesAnswerAsBefore() {
        assertEquals(List.of(List.of("a", "b", "wide")), HogQLRequests.firstRow(team, "select arraySort(groupArray(event)) from events"));
        assertEquals(List.of("bob"), HogQLRequests.firstRow(team, "select argMax(distinct_id, timestamp) from events"));
        // 200 MB in each of two statements (four arrays of 50 MB, each within a single value's 64 MiB): the budget
        // is each statement's, not the connection's
        for (int i = 0; i < 2; i++) {
            assertEquals(List.of(200), HogQLRequests.firstRow(team, "select sum(n) from (select length(groupArray("
                    + "repeat('x', 1000000))) as n from (select arrayJoin(range(200)) as i) group by i % 4)"));
        }
        // fixed-width values are not counted (a row count is bounded by the table)
        assertEquals(List.of(100000), HogQLRequests.firstRow(team,
                "select length(groupArray(i)) from (select arrayJoin(range(100000)) as i)"));
    }

    /** 300 rows of 1 MB collected by one scalar subquery: past the budget wherever it is evaluated. */
    private static final String HEAVY = "(select length(groupArray(repeat('x', 1000000))) from (select arrayJoin(range(300)) as i))";

    @Test
    void aUsersFragmentInsideAnInsightsStatementIsCountedToo() {
        String range = "\"dateRange\":{\"date_from\":\"2026-01-25\",\"date_to\":\"2026-02-05\"}";
        for (String query : List.of(
                // a series' math_hogql (aggregating, with the subquery and a direct groupArray)
                "{\"kind\":\"TrendsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\","
                        + "\"math\":\"hogql\",\"math_hogql\":\"count() + " + HEAVY + "\"}]}",
                "{\"kind\":\"TrendsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":null,"
                        + "\"math\":\"hogql\",\"math_hogql\":\"count() + (select length(groupArrayIf(repeat('x', 1000000), "
                        + "i >= 0)) from (select arrayJoin(range(300)) as i))\"}]}",
                // a HogQL breakdown, a HogQL property filter (per row: only a subquery may aggregate)
                "{\"kind\":\"TrendsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\"}],"
                        + "\"breakdownFilter\":{\"breakdown_type\":\"hogql\",\"breakdown\":\"toString(" + HEAVY + ")\"}}",
                "{\"kind\":\"TrendsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\"}],"
                        + "\"properties\":[{\"type\":\"hogql\",\"key\":\"" + HEAVY + " > 0\"}]}",
                "{\"kind\":\"TrendsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\"}],"
                        + "\"properties\":[{\"type\":\"hogql\",\"key\":\"length(replaceAll(repeat('x', 1000000), 'x', "
                        + "repeat('y', 100))) > 0\"}]}",
                "{\"kind\":\"FunnelsQuery\"," + range + ",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"b\"},"
                        + "{\"kind\":\"EventsNode\",\"event\":\"a\"}],\"breakdownFilter\":{\"breakdown_type\":\"hogql\","
                        + "\"breakdown\":\"toString(" + HEAVY + ")\"}}")) {
            given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                    .body("{\"query\":" + query + ",\"refresh\":\"force_blocking\"}")
                    .post("/api/environments/" + team.id() + "/query/")
                    .then().log().ifValidationFails().statusCode(400).body("code", equalTo("memory_limit_exceeded"));
        }
    }

    @Test
    void aFragmentWithinTheBudgetAnswersAsBefore() {
        String body = "{\"query\":{\"kind\":\"TrendsQuery\",\"dateRange\":{\"date_from\":\"2026-01-25\","
                + "\"date_to\":\"2026-02-05\"},\"trendsFilter\":{\"display\":\"BoldNumber\"},\"series\":[{\"kind\":"
                + "\"EventsNode\",\"event\":null,\"math\":\"hogql\",\"math_hogql\":\"length(groupArrayIf(distinct_id, 1 = 1))\"}]},"
                + "\"refresh\":\"force_blocking\"}";
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(200).body("results[0].aggregated_value", equalTo(2.0f))
                .body("hogql", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("#")));
    }

    @Test
    void jsonIsCountedAsItIsKeptNotAsItIsStored() {
        // 300 copies of the 900 kB object: 270 MB kept by array_agg, about 3 MB if counted at the stored size
        HogQLRequests.post(team, "select length(groupArray(e.properties)) from events e, (select arrayJoin(range(300)) "
                + "as i) r where e.event = 'wide'").then().statusCode(400).body("code", equalTo("memory_limit_exceeded"));
        assertEquals(List.of(2), HogQLRequests.firstRow(team, "select length(groupArray(e.properties)) from events e, "
                + "(select arrayJoin(range(2)) as i) r where e.event = 'wide'"));
    }

    @Test
    void aBuiltValuePastItsBoundIsRefusedBeforeAnythingReadsIt() {
        // arrays and strings built in one row (the breaker's arrayMap over range, 700 MB) or from fixed-width values,
        // which the per-row budget does not count (toString of 60 M numbers): each past 64 MiB is refused as built
        String nineRanges = String.join(", ", java.util.Collections.nCopies(9, "range(1000000)"));
        for (String query : List.of(
                "select length(arrayStringConcat(arrayMap(x -> repeat('x', 1000000), range(70)), ''))",
                "select length(toString(arrayConcat(" + nineRanges + ")))",
                "select length(toString(groupArray(i))) from (select arrayJoin(arrayConcat(" + nineRanges + ")) as i)",
                "select length(replaceAll(repeat('x', 1000000), 'x', repeat('y', 100)))",
                "select length(concat(x, x, x, x, x, x, x, x, x, x)) from (select replaceAll(repeat('x', 1000000), 'x', "
                        + "repeat('y', 7)) as x)")) {
            HogQLRequests.post(team, query).then().statusCode(400).body("code", equalTo("memory_limit_exceeded"))
                    .body("detail", startsWith("The query built a value of more than 64 MiB"));
        }
        // string builders (the second breaker: 10 GB from x || x nested ten subqueries deep, cancel ignored); the
        // subqueries are flattened, so their 2^7 leaves and every level's values fill the backend's 1 GiB first
        HogQLRequests.post(team, "select length(y) from (select x || x as y from (select x || x as x from (select x "
                + "|| x as x from (select x || x as x from (select x || x as x from (select x || x as x from (select x "
                + "|| x as x from (select repeat('x', 1000000) as x))))))))").then().statusCode(400)
                .body("code", equalTo("memory_limit_exceeded"))
                .body("detail", startsWith("The query's values used more than 1 GiB of memory"));
        String fragment = "{\"kind\":\"TrendsQuery\",\"dateRange\":{\"date_from\":\"2026-01-25\",\"date_to\":"
                + "\"2026-02-05\"},\"series\":[{\"kind\":\"EventsNode\",\"event\":\"a\",\"properties\":[{\"type\":"
                + "\"hogql\",\"key\":\"length(arrayStringConcat(arrayMap(x -> repeat('x', 1000000), range(70)), '')) > 0\"}]}]}";
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"query\":" + fragment + ",\"refresh\":\"force_blocking\"}")
                .post("/api/environments/" + team.id() + "/query/")
                .then().statusCode(400).body("code", equalTo("memory_limit_exceeded"));
        // ordinary builders answer as before
        assertEquals(List.of("ab", "axc", "**a", List.of("a", "b"), "a-b", 128), HogQLRequests.firstRow(team,
                "select concat('a', 'b'), replaceAll('abc', 'b', 'x'), leftPad('a', 3, '*'), splitByChar(',', 'a,b'), "
                        + "arrayStringConcat(['a', 'b'], '-'), length(x || x) from (select repeat('x', 64) as x)"));
        // within the bound, and over a window (one array per row of the partition)
        assertEquals(List.of(60000000), HogQLRequests.firstRow(team,
                "select length(arrayStringConcat(arrayMap(x -> repeat('x', 1000000), range(60)), ''))"));
        assertEquals(List.of(List.of(0, 1, 2)), HogQLRequests.firstRow(team, "select groupArray(i) over (order by i rows "
                + "between unbounded preceding and current row) from (select arrayJoin(range(3)) as i) order by i desc limit 1"));
    }

    /** 60 MB built from 60 calls of 1 MB, each within a single value's 64 MiB. */
    private static final String SIXTY_MB = "concat(" + String.join(", ", java.util.Collections.nCopies(60,
            "repeat('x', 1000000)")) + ")";

    @Test
    void valuesThatAddUpInOneRowAreBoundedByTheBackendsMemory() {
        // the third breaker pass: thirty 60 MB arguments held 8.9 GB in one backend before PostgreSQL's own 1 GB cap
        // on the result refused it (sixteen fit the printer's bound on built values), and an arrayMap of 60 MB
        // elements grew about 60 MB an element until the timeout; a mapped array of small elements (200 kB, never
        // measured one by one) is measured every 1,024 elements
        for (String query : List.of(
                "select length(concat(" + String.join(", ", java.util.Collections.nCopies(16, SIXTY_MB)) + "))",
                "select length(arrayMap(x -> " + SIXTY_MB + ", range(60)))",
                "select length(arrayMap(x -> repeat('x', 200000), range(20000)))")) {
            HogQLRequests.post(team, query).then().statusCode(400).body("code", equalTo("memory_limit_exceeded"))
                    .body("detail", startsWith("The query's values used more than 1 GiB of memory"));
        }
        // the same shapes within the bound answer
        assertEquals(List.of(60000000, 1, 300), HogQLRequests.firstRow(team, "select length(" + SIXTY_MB + "), "
                + "length(arrayMap(x -> " + SIXTY_MB + ", range(1))), length(arrayMap(x -> repeat('x', 200000), "
                + "range(300)))"));
    }

    @Test
    void aStatementBuildsAtMostAThousandCheckedValues() {
        // values under 256 kB are not measured one by one, so their number is bounded where the SQL is printed
        String many = "select length(arrayStringConcat([" + String.join(", ", java.util.Collections.nCopies(1001,
                "repeat('x', 2)")) + "], ''))";
        HogQLRequests.post(team, many).then().statusCode(400).body("code", equalTo("hogql_query_error"))
                .body("detail", startsWith("Query is too complex: it builds more than 1000 strings"));
        assertEquals(List.of(1800), HogQLRequests.firstRow(team, "select length(arrayStringConcat([" + String.join(", ",
                java.util.Collections.nCopies(900, "repeat('x', 2)")) + "], ''))"));
    }
}
