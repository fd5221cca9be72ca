package dev.quarry.budgets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.Plans;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compile budget over HTTP: inputs that used to expand exponentially (security finding F1) and inputs that used
 * to end in a 500 (F6) now answer PostHog's 400 {@code query_error} quickly, with a message naming the limit or the
 * fault.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CompileBudgetEndpointTest {
    private static Project team;

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Budgets");
        Plans.withoutRateLimits(pool, team.id());
        Capture.to(team).event("$pageview", "u1", "2026-01-02T12:00:00Z")
                .event("$pageview", "u2", "2026-01-03T12:00:00Z").send();
    }

    private static Response query(String kind, String hogql) {
        return given().header("Authorization", "Bearer " + team.key()).contentType(ContentType.JSON)
                .body(Map.of("query", Map.of("kind", kind, "query", hogql), "refresh", "force_blocking"))
                .post("/api/projects/" + team.id() + "/query/");
    }

    /** with 1 as a0, a0+a0 as a1, …, a{n-1}+a{n-1} as a{n} select a{n}: 2^n nodes once expanded. */
    static String exprCteChain(int n) {
        return "with 1 as a0, " + IntStream.rangeClosed(1, n).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1) + " as a" + i)
                .collect(Collectors.joining(", ")) + " select a" + n;
    }

    static String aliasChain(int n) {
        return "select 1 as a0, " + IntStream.rangeClosed(1, n).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1) + " as a" + i)
                .collect(Collectors.joining(", ")) + " from events";
    }

    private static void assertRefusedByBudget(Response r, long started) {
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(400, r.statusCode(), r.asString());
        assertEquals(dev.quarry.query.HogQLErrors.QUERY_ERROR, r.jsonPath().getString("code"));
        assertTrue(r.jsonPath().getString("detail").contains("max_expanded_ast_elements"), r.asString());
        assertTrue(ms < 10_000, "refused in " + ms + " ms");
    }

    @Test
    void expressionCteChainIsRefusedNamingTheLimit() {
        long started = System.nanoTime();
        assertRefusedByBudget(query("HogQLQuery", exprCteChain(25)), started);
    }

    @Test
    void selectAliasChainIsRefusedNamingTheLimit() {
        long started = System.nanoTime();
        assertRefusedByBudget(query("HogQLQuery", aliasChain(25)), started);
    }

    @Test
    void shortChainsStillRun() {
        Response r = query("HogQLQuery", exprCteChain(6));
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(64, r.jsonPath().getInt("results[0][0]"));
    }

    @Test
    void metadataReportsTheBudgetAsAnErrorWithoutStalling() {
        long started = System.nanoTime();
        Response r = query("HogQLMetadata", exprCteChain(25));
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, r.statusCode(), r.asString());
        assertFalse(r.jsonPath().getBoolean("isValid"));
        assertTrue(r.jsonPath().getString("errors[0].message").contains("max_expanded_ast_elements"), r.asString());
        assertTrue(ms < 10_000, "answered in " + ms + " ms");
    }

    /** A subquery CTE read twice per link is printed once, as a PostgreSQL WITH: the SQL grows linearly. */
    @Test
    void reusedSubqueryCtesArePrintedOnce() {
        int n = 20;
        StringBuilder q = new StringBuilder("with t0 as (select count() as x from events)");
        for (int i = 1; i <= n; i++) {
            q.append(", t").append(i).append(" as (select a.x as x from t").append(i - 1).append(" a join t")
                    .append(i - 1).append(" b on a.x = b.x)");
        }
        q.append(" select x from t").append(n);
        Response r = query("HogQLQuery", q.toString());
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(2, r.jsonPath().getInt("results[0][0]")); // two events; each link joins one row to itself
        String sql = r.jsonPath().getString("postgres");
        assertTrue(sql.length() < 10_000, sql.length() + " chars");
        assertEquals(1, sql.split("\"team_id\" = \\$1", -1).length - 1, sql); // one events scan, filtered
    }

    /** Inputs that ended in a 500 (security finding F6): each is now PostHog's 400 query_error. */
    @Test
    void formerServerErrorsAreQueryErrors() {
        String many = IntStream.range(0, 70_000).mapToObj(i -> "'v" + i + "'").collect(Collectors.joining(","));
        String columns = IntStream.range(0, 2_000).mapToObj(i -> i + " as c" + i).collect(Collectors.joining(", "));
        for (String q : java.util.List.of(
                "with event as ev select count() from events e join (select ev as x from persons) s on 1=1",
                "select (select event from events)",
                "select now() + interval '99999999999999999999 day'",
                "select count() from events where event in (" + many + ")",
                "select " + columns)) {
            Response r = query("HogQLQuery", q);
            assertEquals(400, r.statusCode(), q.substring(0, Math.min(80, q.length())) + " -> " + r.asString());
            // a compile-time refusal carries PostHog's HogQL codes, a statement PostgreSQL refused query_error, a
            // value it refused ClickHouse's code name (hogql.ValueErrors)
            assertTrue(java.util.Set.of("query_error", dev.quarry.query.HogQLErrors.QUERY_ERROR,
                    dev.quarry.query.HogQLErrors.SYNTAX_ERROR, "value_is_out_of_range_of_data_type")
                    .contains(r.jsonPath().getString("code")), r.asString());
        }
    }

    /** Names the printer generates can no longer be taken by the user's aliases. */
    @Test
    void userAliasesMatchingGeneratedNamesRun() {
        Response limitBy = query("HogQLQuery", "select event, 1 as __rn, 2 as __ord from events limit 1 by event");
        assertEquals(200, limitBy.statusCode(), limitBy.asString());
        assertEquals(1, limitBy.jsonPath().getList("results").size());
        for (String alias : java.util.List.of("e__override", "e__person")) {
            Response r = query("HogQLQuery", "select count() from events e join persons " + alias + " on e.person_id = "
                    + alias + ".id");
            assertEquals(200, r.statusCode(), r.asString());
            assertEquals(2, r.jsonPath().getInt("results[0][0]"));
        }
    }

    @Test
    void captureFormBodyWithABrokenEscapeIs400() {
        for (String body : java.util.List.of("data=%zz%", "data=%", "data=%E0%A4%A")) {
            given().contentType("application/x-www-form-urlencoded").body(body).post("/batch/")
                    .then().statusCode(400).contentType(ContentType.JSON);
        }
    }
}
