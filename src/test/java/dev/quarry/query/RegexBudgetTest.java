package dev.quarry.query;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The regex budget (issue 19): ClickHouse runs regular expressions with RE2 — linear time, and no backreferences or
 * lookarounds (a pattern using them fails the query: CANNOT_COMPILE_REGEXP, PostHog's 400). PostgreSQL's engine
 * runs a backreference by backtracking, so {@code ^(.*)(.*)(.*)\3\2\1$} over one 10 KB {@code $current_url} is
 * roughly (10^4)^3 steps: it would hold its statement until the statement timeout. A constant pattern is refused by
 * RE2's syntax before anything runs (hogql.RegexPatterns); a pattern computed per row (read from a property here) is
 * checked as it is read (V91_1, hogql_re2_row_pattern) and fails the statement at the first row with
 * {@code cannot_compile_regexp}. Both answer within a few seconds, and a neighbour project's query stays fast.
 *
 * <p>Data: one {@code $pageview} whose {@code $current_url} is {@code https://x.test/} followed by 10,000 {@code a}
 * and whose properties hold patterns: {@code bad} the backreference above, {@code ahead} a lookahead
 * {@code a(?=b)}, {@code escaped} {@code \\1} (an escaped backslash and a 1: RE2 accepts it), {@code ok}
 * {@code a+$}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RegexBudgetTest {
    private static final String URL = "https://x.test/" + "a".repeat(10_000);
    private static Project team;
    private static Project neighbour;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Regex budget");
        neighbour = TestProjects.create("Regex budget neighbour");
        Capture.to(team).event("$pageview", "ann", "2026-02-03T10:00:00Z", Map.of("$current_url", URL,
                "bad", "^(.*)(.*)(.*)\\3\\2\\1$", "ahead", "a(?=b)", "escaped", "\\\\1", "ok", "a+$")).send();
        Capture.to(neighbour).event("$pageview", "bob", "2026-02-03T10:00:00Z", Map.of("$current_url", URL)).send();
    }

    private static Response hogql(Project p, String q) {
        return HogQLRequests.post(p, q);
    }

    @Test
    void aBackreferenceReadPerRowIsAFast400() {
        for (String f : List.of("match(properties.$current_url, properties.bad)",
                "extract(properties.$current_url, properties.bad)",
                "replaceRegexpAll(properties.$current_url, properties.bad, 'x')",
                "properties.$current_url =~ properties.bad",
                "match(properties.$current_url, properties.ahead)")) {
            long start = System.nanoTime();
            hogql(team, "select " + f + " from events").then().statusCode(400)
                    .body("type", equalTo("validation_error"))
                    .body("code", equalTo("cannot_compile_regexp"))
                    .body("detail", startsWith("Invalid regular expression '"))
                    .body("detail", containsString("has no backreferences"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5_000, f + " took " + ms + " ms");
        }
        // the neighbour, right after: answers at once
        long start = System.nanoTime();
        hogql(neighbour, "select count() from events where match(properties.$current_url, 'a+$')").then()
                .statusCode(200).body("results[0][0]", equalTo(1));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 3_000, "neighbour took " + ms + " ms");
    }

    @Test
    void aConstantBackreferenceOverTheLongUrlIsAFast400() {
        long start = System.nanoTime();
        hogql(team, "select count() from events where match(properties.$current_url, '^(.*)(.*)(.*)\\\\3\\\\2\\\\1$')")
                .then().statusCode(400).body("detail", startsWith("Invalid regular expression '^(.*)(.*)(.*)\\3\\2\\1$'"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 5_000, "took " + ms + " ms");
    }

    @Test
    void patternsRe2AcceptsStillRunPerRow() {
        Response r = hogql(team, "select match(properties.$current_url, properties.ok),"
                + " match('x\\\\1', properties.escaped), match(properties.$current_url, concat('^https', ':'))"
                + " from events");
        r.then().statusCode(200);
        assertEquals(List.of(1, 1, 1), r.jsonPath().getList("results[0]"));
    }
}
