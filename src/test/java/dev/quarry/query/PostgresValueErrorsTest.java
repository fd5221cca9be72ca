package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A value PostgreSQL refuses while running a HogQL query (issue 19 section 4: 207 calls of the function sweep
 * answered PostgreSQL's own text, "interval out of range", "bigint out of range", …) is a 400 with ClickHouse's error
 * code name, as PostHog shows ClickHouse's errors, and a message in HogQL's words; PostgreSQL's text stays in the
 * query log only.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PostgresValueErrorsTest {
    private static Project team;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team == null) {
            team = TestProjects.create("PostgreSQL value errors");
        }
    }

    private static Response hogql(String q, String clientQueryId) {
        Map<String, Object> body = clientQueryId == null
                ? Map.of("query", Map.of("kind", "HogQLQuery", "query", q), "refresh", "force_blocking")
                : Map.of("query", Map.of("kind", "HogQLQuery", "query", q), "refresh", "force_blocking",
                "client_query_id", clientQueryId);
        return given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/");
    }

    @Test
    void eachKindIsClickHousesCodeInHogQLsWords() {
        // query, code, the start of the detail
        List<List<String>> cases = List.of(
                List.of("select toIntervalDay(9223372036854775807)", "value_is_out_of_range_of_data_type",
                        "An interval is out of the supported range"),
                List.of("select addDays(toDate('2024-01-01'), 9223372036854775807)",
                        "value_is_out_of_range_of_data_type", "An interval is out of the supported range"),
                List.of("select bitCount(18446744073709551615)", "value_is_out_of_range_of_data_type",
                        "An integer value is out of the range this function computes in"),
                List.of("select make_date(2024, 13, 1)", "value_is_out_of_range_of_data_type",
                        "A date's year, month or day"),
                List.of("select make_date(9223372036854775807, 1, 1)", "value_is_out_of_range_of_data_type",
                        "A date or time value is out of the supported range"),
                List.of("select width_bucket(0, 1, 1, 1)", "argument_out_of_bound",
                        "The lower and upper bounds must differ"),
                List.of("select width_bucket(0, 0, 1, 0)", "argument_out_of_bound",
                        "The number of buckets must be greater than zero"),
                List.of("select match('a', [1, 2])", "cannot_compile_regexp", "Invalid regular expression"),
                // nested repetitions PostgreSQL's regex compiler expands: 29 optional copies 30 times and 29 more,
                // past the compile budget (RegexPatterns, as RE2 refuses a program too large): refused before
                // anything runs
                List.of("select match('a', '(a{1,30}){1,30}')", "cannot_compile_regexp",
                        "Invalid regular expression '(a{1,30}){1,30}': pattern too large - compile failed (899 "),
                // counted repetitions nested past RE2's product of 1000 (255 x 255 here): RE2's parse-time refusal,
                // before re2j would expand the program (≈ 16 million instructions for three levels)
                List.of("select match('aaa', '((a{255}){255}){255}')", "cannot_compile_regexp",
                        "Invalid regular expression '((a{255}){255}){255}': bad repetition operator: {255}"),
                List.of("select make_timestamp(2024, 1, 1, 1, 1, 1, '1')", "bad_arguments", "Invalid time zone"),
                List.of("select argMin([], [])", "bad_arguments", "An aggregate's array argument is empty"),
                // a range past its bound is refused, never cut short (length(range(1000001)) answered 1000000)
                List.of("select length(range(1000001))", "argument_out_of_bound",
                        "A call to function range (or the table function numbers) would produce more than 1000000"),
                List.of("select length(range(-5, 9999995, 10)), length(range(0, 3000001, 3))", "argument_out_of_bound",
                        "A call to function range"),
                List.of("select count() from numbers(10, 1000000000)", "argument_out_of_bound",
                        "A call to function range"),
                List.of("select range(-9223372036854775807, 9223372036854775807)", "argument_out_of_bound",
                        "A call to function range"),
                // so are repeat and the pads past a million characters (length(repeat('a', 2000000)) answered 1000000)
                List.of("select length(repeat('a', 2000000))", "too_large_string_size",
                        "A call to function repeat, leftPad or rightPad would produce a string of more than 1000000"),
                List.of("select length(repeat('ab', 500001))", "too_large_string_size", "A call to function repeat"),
                List.of("select length(leftPad('a', 5000000, 'b'))", "too_large_string_size",
                        "A call to function repeat"),
                List.of("select length(rightPad('', 1000001, 'x'))", "too_large_string_size",
                        "A call to function repeat"),
                List.of("select length(leftPadUTF8('a', 2000000, 'é'))", "too_large_string_size",
                        "A call to function repeat"));
        for (List<String> c : cases) {
            hogql(c.get(0), null).then().statusCode(400)
                    .body("type", equalTo("validation_error"))
                    .body("code", equalTo(c.get(1)))
                    .body("detail", startsWith(c.get(2)))
                    .body("detail", not(Matchers.containsString(" out of range")))
                    .body("detail", not(Matchers.containsString("bigint")))
                    .body("detail", not(Matchers.containsString("Query failed")))
                    .body("attr", Matchers.nullValue());
        }
    }

    @Test
    void repeatAndThePadsBuildUpToAMillionCharacters() {
        hogql("select length(repeat('ab', 500000)), length(repeat('a', 1000000)), length(repeat('', 1000000)), "
                + "repeat('a', -1), length(leftPad('a', 1000000, 'b')), lengthUTF8(rightPadUTF8('é', 1000000, 'x')), "
                + "length(concat(repeat('a', 900000), repeat('b', 900000)))", null).then().statusCode(200)
                .body("results[0]", Matchers.contains(1000000, 1000000, 0, "", 1000000, 1000000, 1800000));
    }

    @Test
    void theQueryLogKeepsPostgresText() throws InterruptedException {
        String id = "value-error-" + System.nanoTime();
        hogql("select toIntervalDay(9223372036854775807)", id).then().statusCode(400)
                .body("code", equalTo("value_is_out_of_range_of_data_type"));
        String exception = null;
        for (int i = 0; i < 200 && exception == null; i++) {
            // the log row goes out with the call's meter row, right after the answer
            Iterator<Row> rows = pool.preparedQuery("SELECT exception FROM query_log WHERE team_id = $1 AND query_id = $2")
                    .execute(Tuple.of(team.id(), id)).await().indefinitely().iterator();
            exception = rows.hasNext() ? rows.next().getString(0) : null;
            if (exception == null) {
                Thread.sleep(25);
            }
        }
        assertTrue(exception != null, "no query log row for " + id);
        assertTrue(exception.startsWith("An interval is out of the supported range"), exception);
        assertTrue(exception.endsWith("(PostgreSQL 22008: interval out of range)"), exception);
        assertEquals(1, exception.split("PostgreSQL 22008").length - 1, exception);
    }
}
