package dev.quarry.query;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.hogql.HogQLResolutionException;
import dev.quarry.hogql.RegexPatterns;
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
 * The regex compile budget (issue 19 §4, the breaker's finding). RE2, ClickHouse's engine, refuses a pattern whose
 * compiled program passes its memory budget ("pattern too large - compile failed", CANNOT_COMPILE_REGEXP, PostHog's
 * 400). PostgreSQL compiles {@code (a|aa)*} repeated 120 times in ≈ 20 ms (its compile grows with the cube of the
 * repetitions that may match nothing), and a pattern that differs per row ({@code concat(uuid, …)}) is compiled per
 * row: over 600 events that is ≈ 11.5 s (measured at load 17), over a real project's events the whole 60 s statement timeout. Quarry caps
 * those repetitions at {@value RegexPatterns#OPTIONAL_REPETITIONS} (hogql.RegexPatterns for a constant pattern; V94_1's
 * {@code hogql_re2_row_pattern} for a pattern read per row) and answers 400 {@code cannot_compile_regexp} at once.
 * The error shows the first 100 characters of the pattern, then {@code …} and its length.
 *
 * <p>Data: 600 {@code $pageview} events of one person with {@code $current_url} {@code https://x.test/aaaa}; a
 * neighbour project with one.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class RegexCompileBudgetTest {
    private static final String HOSTILE = "concat(toString(uuid), repeat('(a|aa)*', 120))";
    private static Project team;
    private static Project neighbour;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Regex compile budget");
        neighbour = TestProjects.create("Regex compile budget neighbour");
        Capture c = Capture.to(team);
        for (int i = 0; i < 600; i++) {
            c.event("$pageview", "ann", "2026-02-03T%02d:%02d:00Z".formatted(10 + i / 60, i % 60),
                    Map.of("$current_url", "https://x.test/aaaa"));
        }
        c.send();
        Capture.to(neighbour).event("$pageview", "bob", "2026-02-03T10:00:00Z",
                Map.of("$current_url", "https://x.test/aaaa")).send();
    }

    private static Response hogql(Project p, String q) {
        return HogQLRequests.post(p, q);
    }

    @Test
    void anExpensivePatternReadPerRowIsAFast400() {
        for (String f : List.of("match(properties.$current_url, " + HOSTILE + ")",
                "extract(properties.$current_url, " + HOSTILE + ")",
                "replaceRegexpAll(properties.$current_url, " + HOSTILE + ", 'x')",
                "properties.$current_url =~ " + HOSTILE,
                // the bounded repetition of a group holding one: 200
                "match(properties.$current_url, concat(toString(uuid), '(a?){200}'))")) {
            long start = System.nanoTime();
            Response r = hogql(team, "select count() from events where " + f);
            long ms = (System.nanoTime() - start) / 1_000_000;
            r.then().statusCode(400)
                    .body("type", equalTo("validation_error"))
                    .body("code", equalTo("cannot_compile_regexp"))
                    .body("detail", startsWith("Invalid regular expression '"))
                    .body("detail", containsString("pattern too large - compile failed"));
            if (f.contains(HOSTILE)) {
                // not echoed whole: 36 characters of uuid and 840 of repetitions, 100 shown and the length
                r.then().body("detail", containsString("… (876 characters)': pattern too large - compile failed "
                        + "(120 repetitions that may match nothing; at most 32)")).body("detail.length()", lessThan(260));
            } else {
                r.then().body("detail", containsString("(a?){200}': pattern too large - compile failed (200 "));
            }
            assertTrue(ms < 5_000, f + " took " + ms + " ms");
        }
        // multiMatchAny is no function here yet: refused before anything runs
        hogql(team, "select multiMatchAny(properties.$current_url, [" + HOSTILE + "]) from events").then()
                .statusCode(400);
        long start = System.nanoTime();
        hogql(neighbour, "select count() from events where match(properties.$current_url, 'a+$')").then()
                .statusCode(200).body("results[0][0]", equalTo(1));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 3_000, "neighbour took " + ms + " ms");
    }

    @Test
    void aConstantPatternPastTheBudgetIsRefusedAtCompileTime() {
        String pattern = "(a|aa)*".repeat(40);
        Response r = hogql(team, "select count() from events where match(properties.$current_url, '" + pattern + "')");
        r.then().statusCode(400)
                .body("code", equalTo("cannot_compile_regexp"))
                .body("detail", equalTo("Invalid regular expression '" + pattern.substring(0, 100)
                        + "… (280 characters)': pattern too large - compile failed (40 repetitions that may match "
                        + "nothing; at most 32)"));
        // RE2's syntax refusals are ClickHouse's CANNOT_COMPILE_REGEXP too, not hogql_query_error
        hogql(team, "select count() from events where match(properties.$current_url, '(a')").then().statusCode(400)
                .body("code", equalTo("cannot_compile_regexp"))
                .body("detail", startsWith("Invalid regular expression '(a': "));
    }

    @Test
    void aLargePatternWithNoOptionalRepetitionIsAFast400() {
        // 20,000 of '[ab]{1}x': no repetition that may match nothing, 160,000 characters; PostgreSQL 17 compiles it in
        // ≈ 5 s, once per row when it is computed per row. RE2 would take it (≈ 40,000 instructions of its ≈ 699,000),
        // Quarry's program budget for a pattern read per row (2000) refuses it by its length alone.
        String big = "repeat('[ab]{1}x', 20000)";
        for (String f : List.of("match(properties.$current_url, concat(toString(uuid), " + big + "))",
                "match(properties.$current_url, " + big + ")",
                "properties.$current_url =~ concat(toString(uuid), " + big + ")",
                "extract(properties.$current_url, concat(toString(uuid), " + big + ")) != ''")) {
            long start = System.nanoTime();
            Response r = hogql(team, "select count() from events where " + f);
            long ms = (System.nanoTime() - start) / 1_000_000;
            r.then().statusCode(400)
                    .body("type", equalTo("validation_error"))
                    .body("code", equalTo("cannot_compile_regexp"))
                    .body("detail", containsString("characters)': pattern too large - compile failed (program size "
                            + "at least 160"))
                    .body("detail.length()", lessThan(300));
            assertTrue(ms < 5_000, f + " took " + ms + " ms");
        }
        // 300 of '[ab]{1}x' per row: 2,400 characters, past the budget by length too
        hogql(team, "select count() from events where match(properties.$current_url, concat(toString(uuid), "
                + "repeat('[ab]{1}x', 300)))").then().statusCode(400).body("detail",
                containsString("(2436 characters)': pattern too large - compile failed (program size at least 2436; "
                        + "at most 2000)"));
        // within the length (45 characters) but past the size: 36 of the uuid, '[ab]' 13, '{200}' 5 and 199 more
        // copies of '[ab]' (13 x 199 = 2587): 2641
        hogql(team, "select count() from events where match(properties.$current_url, concat(toString(uuid), "
                + "'[ab]{200}'))").then().statusCode(400).body("code", equalTo("cannot_compile_regexp"))
                .body("detail", containsString("[ab]{200}': pattern too large - compile failed (program size 2641; "
                        + "at most 2000)"));
        // the project's own next query is fast
        long start = System.nanoTime();
        hogql(team, "select count() from events where match(properties.$current_url, 'a+$')").then()
                .statusCode(200).body("results[0][0]", equalTo(600));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 3_000, "the next query took " + ms + " ms");
    }

    @Test
    void aLargeConstantPatternIsRefusedAtCompileTime() {
        // 4,000 of '[ab]x' written out: 4 + 9 + 1 = 14 units each, 56,000 > 50,000; refused before anything runs
        String pattern = "[ab]x".repeat(4000);
        hogql(team, "select count() from events where match(properties.$current_url, '" + pattern + "')").then()
                .statusCode(400).body("code", equalTo("cannot_compile_regexp"))
                .body("detail", equalTo("Invalid regular expression '" + pattern.substring(0, 100) + "… (20000 "
                        + "characters)': pattern too large - compile failed (program size 56000; at most 50000)"));
        // 3,000 of them (42,000) run: no URL holds 'ax' or 'bx'
        hogql(team, "select count() from events where match(properties.$current_url, '" + "[ab]x".repeat(3000) + "')")
                .then().statusCode(200).body("results[0][0]", equalTo(0));
    }

    @Test
    void patternsWithinTheProgramBudgetRunPerRow() {
        // 36 (the uuid) + 1 ('|') + 100 x 14 ('[ab]x') = 1437 ≤ 2000; and 100 counted repetitions '[ab]{1}' (17 each)
        // with the uuid: 1736. No URL holds 'x', so only the uuid's own text matches: every row, by itself
        Response r = hogql(team, "select countIf(match(toString(uuid), concat(toString(uuid), '|', "
                + "repeat('[ab]x', 100)))), countIf(match(properties.$current_url, concat(toString(uuid), "
                + "repeat('[ab]{1}x', 100)))) from events");
        r.then().statusCode(200);
        assertEquals(List.of(600, 0), r.jsonPath().getList("results[0]"));
    }

    @Test
    void theProgramSizeFollowsTheExpandedPattern() {
        // worked out: each character 1; a bracket expression, an escape or '.' 9 more; '{n}' repeats its atom n times
        assertEquals(3, RegexPatterns.programSize("a+$"));
        assertEquals(13 + 3 + 1, RegexPatterns.programSize("[ab]{1}x"));
        assertEquals(4 + 4 * 2 + 3, RegexPatterns.programSize("(ab){3}")); // '(ab)' 4, twice more, '{3}' 3
        assertEquals(11 + 10, RegexPatterns.programSize("\\d."));
        assertEquals(7 + 7 * 9 + 4 + 1, RegexPatterns.programSize("(?:a|b){10}c"));
        assertEquals(4, RegexPatterns.programSize("x{y}")); // no repetition: four characters
        // '[[:alpha:]]' 11 + 9, 'x' 1, '{2,}' 4 and x once more (PostgreSQL holds n copies and a loop)
        assertEquals(20 + 1 + 4 + 1, RegexPatterns.programSize("[[:alpha:]]x{2,}"));
        assertEquals(17 * 17500, RegexPatterns.programSize("[ab]{1}x".repeat(17500)));
    }

    @Test
    void patternsWithinTheBudgetRun() {
        // 32 repetitions that may match nothing, per row and constant; '{3}' of a group of none; escaped and
        // bracketed '*' and '?' are characters, not repetitions. Every URL matches each (all may match nothing, or
        // 'a{3}' in 'aaaa').
        String within = "repeat('a?', 32)";
        Response r = hogql(team, "select countIf(match(properties.$current_url, concat(toString(uuid), '|', " + within
                + "))), countIf(match(properties.$current_url, '" + "a?".repeat(32) + "')),"
                + " countIf(match(properties.$current_url, concat('(a){3}', toString(uuid), '|', '[*?]*\\\\*?')))"
                + " from events");
        r.then().statusCode(200);
        assertEquals(List.of(600, 600, 600), r.jsonPath().getList("results[0]"));
    }

    @Test
    void nestedCountedRepetitionsFollowRe2sProductLimit() {
        // RE2 multiplies nested counts ({n}, {n,m}'s m, {n,}'s n) and refuses a product over 1000 at parse time
        assertEquals("{255}", RegexPatterns.repetitionPastRe2sLimit("((a{255}){255}){255}"));
        assertEquals("{33}", RegexPatterns.repetitionPastRe2sLimit("(a{31}){33}")); // 1023
        assertEquals("{1,100}", RegexPatterns.repetitionPastRe2sLimit("x(?:ab{200}c){1,100}"));
        assertEquals("{200}", RegexPatterns.repetitionPastRe2sLimit("((ab{200}c){200}d){200}"));
        assertEquals(null, RegexPatterns.repetitionPastRe2sLimit("(a{10}){100}")); // exactly 1000
        assertEquals(null, RegexPatterns.repetitionPastRe2sLimit("a{1000}b{1000}(c{2}){2}"));
        assertEquals(null, RegexPatterns.repetitionPastRe2sLimit("(a*)+(b?){500}[{9999}]\\{9999}(?i)x{2,}"));
        assertEquals(null, RegexPatterns.repetitionPastRe2sLimit("((a{30})b|c){30}")); // 900
        // refused before re2j builds the program (it would take seconds and gigabytes), with RE2's words
        HogQLResolutionException e = org.junit.jupiter.api.Assertions.assertThrows(HogQLResolutionException.class,
                () -> RegexPatterns.check("((a{255}){255}){255}"));
        assertEquals("Invalid regular expression '((a{255}){255}){255}': bad repetition operator: {255}", e.getMessage());
    }

    @Test
    void theCountFollowsTheCompiledProgram() {
        // worked out: each '*' or '?' 1; '{n,m}' m - n; a repeated group's count times the upper bound
        assertEquals(0, RegexPatterns.optionalRepetitions("a+$"));
        assertEquals(1, RegexPatterns.optionalRepetitions("(a|aa)*"));
        assertEquals(7, RegexPatterns.optionalRepetitions("^(https?://)?(www\\.)?[a-z]*\\.com/.*(\\?.*)?$"));
        assertEquals(200, RegexPatterns.optionalRepetitions("(a?){200}"));
        assertEquals(99 * 100 + 99, RegexPatterns.optionalRepetitions("(a{1,100}){1,100}"));
        assertEquals(0, RegexPatterns.optionalRepetitions("a{3}x{y}[*?{]+\\*\\?"));
        assertEquals(1, RegexPatterns.optionalRepetitions("a{2,}"));
        assertEquals(2, RegexPatterns.optionalRepetitions("(?:a*)*"));
        assertEquals(2, RegexPatterns.optionalRepetitions("(?i)a*b?"));
        assertEquals(4, RegexPatterns.optionalRepetitions("(?P<name>x*){4}"));
        assertEquals(1, RegexPatterns.optionalRepetitions("[[:alpha:]*]?"));
    }
}
