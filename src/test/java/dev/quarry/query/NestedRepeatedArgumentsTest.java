package dev.quarry.query;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Functions whose SQL wrote an argument's text more than once multiplied it per nesting level: 20 nested bitTestAll
 * calls (397 characters of HogQL) ran the server out of memory, 8 nested lcm calls printed 886 million characters.
 * bitTestAll now writes each argument once, and every printed fragment is checked against the SQL size limit as it
 * grows, so such a query answers (or is refused with a 400) in milliseconds. hasAll / hasAny of two large arrays
 * compared every pair in a loop no statement timeout interrupted; they are set operations now.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class NestedRepeatedArgumentsTest {
    private static Project team;

    @BeforeEach
    void project() {
        if (team == null) {
            team = TestProjects.create("Nested repeated arguments");
        }
    }

    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    private static List<Object> row(String q) {
        return HogQLRequests.firstRow(team, q);
    }

    private static String nested(String fn, String inner, String rest, int depth) {
        String e = inner;
        for (int k = 0; k < depth; k++) {
            e = fn + "(" + e + rest + ")";
        }
        return e;
    }

    @Test
    void deeplyNestedBitTestAllAnswersQuickly() {
        long started = System.nanoTime();
        // bitTestAll(1, 0, 1) is 0 (bit 1 of 1 unset); bitTestAll(0, 0, 1) 0 again, and so on
        assertEquals(List.of(0), row("select " + nested("bitTestAll", "1", ", 0, 1", 20)));
        assertEquals(List.of(1), row("select " + nested("bitTestAny", "1", ", 0, 1", 20)));
        assertEquals(List.of(1), row("select " + nested("bitTestAll", "1", ", 0, 0", 30)));
        assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000, "took too long");
    }

    @Test
    void deeplyNestedLcmIsRefusedQuickly() {
        long started = System.nanoTime();
        Response r = hogql("select " + nested("lcm", "toInt64(1)", ", toInt64(3)", 10));
        if (r.statusCode() == 200) {
            assertEquals(List.of(3), r.jsonPath().getList("results[0]"));
        } else {
            r.then().statusCode(400).body("type", org.hamcrest.Matchers.equalTo("validation_error"))
                    .body("detail", containsString("SQL would be"));
        }
        hogql("select " + nested("gcd", "toInt64(6)", ", toInt64(4)", 12)).then().statusCode(400)
                .body("detail", containsString("SQL would be"));
        assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000, "took too long");
        assertEquals(List.of(3, 12), row("select lcm(lcm(toInt64(1), toInt64(3)), toInt64(3)), lcm(toInt64(4), 6)"));
    }

    @Test
    void bitTestsKeepTheirValues() {
        assertEquals(List.of(1, 0, 1, 0, 1, 0), row("select bitTestAll(5, 0, 2), bitTestAll(5, 0, 1), "
                + "bitTestAny(5, 1, 2), bitTestAny(5, 1, 3), bitTestAll(-1, 7, 6), bitTestAny(-1, 8, 9)"));
        assertEquals(List.of(1, 0, 1, 0), row("select bitTestAll(43, 0, 1, 3, 5), bitTestAll(43, 0, 1, 3, 5, 2), "
                + "bitTestAny(43, 0, 2), bitTestAny(43, 4, 2)"));
        assertEquals(List.of(1, 0, 1, 1), row("select bitTestAll(toInt64(-1), 63, 64, 100), "
                + "bitTestAny(toInt64(1), 64, 65), bitTestAll(18446744073709551615, 63, 0), "
                + "bitTestAll(1, 8, 9)"));
        List<Object> nulls = row("select bitTestAll(NULL, 0, 1), bitTestAny(1, NULL, 0)");
        assertEquals(java.util.Arrays.asList(null, null), nulls);
    }

    @Test
    void hasAllOfLargeArraysAnswersQuickly() {
        long started = System.nanoTime();
        assertEquals(List.of(1, 1, 0), row("select hasAll(range(200000), range(200000)), "
                + "hasAny(range(200000), range(199999, 400000)), hasAny(range(200000), range(200000, 400000))"));
        assertEquals(List.of(0), row("select hasAll(range(200000), range(1, 200001))"));
        assertEquals(List.of(1), row("select length(arrayIntersect(range(200000), range(199999, 400000)))"));
        assertEquals(List.of(1), row("select hasAll(range(1000000), range(1000000))")); // the report's query
        assertTrue((System.nanoTime() - started) / 1_000_000 < 15_000, "took too long");
        assertEquals(List.of(1, 0, 1, 0, 1, 0), row("select hasAll([1, 2, 3], [3, 1]), "
                + "hasAll([1, 2], [3]), hasAny([1, 2], [2, 5]), hasAny([1], [5]), hasAll([1, NULL], [NULL, 1]), "
                + "hasAll([1, 0/0], [0/0])"));
    }
}
