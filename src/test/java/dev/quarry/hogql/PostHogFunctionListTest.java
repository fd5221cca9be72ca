package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLFunctionsTest.check;
import static dev.quarry.hogql.HogQLFunctionsTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Names PostHog's current HogQL function list has beyond the list Quarry's catalogue was first written against
 * (posthog/hogql/functions/clickhouse/*.py, aggregations.py): the PostgreSQL-style spellings and aliases run with the
 * answer of the function PostHog maps them to (values from ClickHouse's documentation or worked out in the comment);
 * the rest are a 400 naming the function and its group.
 */
class PostHogFunctionListTest {
    @BeforeAll
    static void start() throws Exception {
        PostgresIntegrationTest.start();
    }

    @AfterAll
    static void stop() throws Exception {
        PostgresIntegrationTest.stop();
    }

    @Test
    void postgresStyleSpellingsAnswerAsTheFunctionPostHogMapsThemTo() {
        // isEmpty / isNotEmpty are PostHog's names for empty / notEmpty
        check("isEmpty('')", true);
        check("isNotEmpty([1])", true);
        check("current_date() = today()", true);
        check("current_timestamp() = now()", true);
        // date_trunc = dateTrunc, date_diff = dateDiff, to_date = toDate
        check("toString(date_trunc('month', toDate('2024-03-15')))", "2024-03-01");
        check("date_diff('day', toDate('2024-01-01'), toDate('2024-03-01'))", 60L);
        check("toString(to_date('2024-03-15'))", "2024-03-15");
        // ltrim / rtrim / btrim (= trimLeft / trimRight / trim), optional characters to trim
        check("ltrim('  ab  ')", "ab  ");
        check("rtrim('xxabxx', 'x')", "xxab");
        check("btrim('--a--', '-')", "a");
        // lpad / rpad = leftPad / rightPad with the fill string
        check("lpad('7', 3, '0')", "007");
        check("rpad('ab', 5, '.')", "ab...");
        // timezone(zone, t) = toTimeZone(t, zone): noon in the test project's Europe/Berlin is 6 in New York in January
        check("toHour(timezone('America/New_York', toDateTime('2024-01-01 12:00:00')))", 6L);
        // date_add / date_subtract (t, interval)
        check("toString(date_add(toDate('2024-01-31'), toIntervalDay(1)))", "2024-02-01");
        check("toString(date_subtract(toDate('2024-03-01'), toIntervalMonth(1)))", "2024-02-01");
        // split_part: arrayElement(splitByString(delimiter, s), n) — '' past either end and at 0, negative from the end
        check("split_part('a,b,c', ',', 2)", "b");
        check("split_part('a,b,c', ',', 5)", "");
        check("split_part('a,b,c', ',', -1)", "c");
        check("split_part('a,b,c', ',', 0)", "");
        // toIntOrZero / toFloatOrZero: 0 where the string is not a number
        check("toIntOrZero('12')", 12L);
        check("toIntOrZero('x12')", 0L);
        check("toFloatOrZero('1.5')", 1.5);
        check("toFloatOrZero('abc')", 0.0);
        // date_part: toYear, …, 'dow' is toDayOfWeek (Monday 1 … Sunday 7: 2024-03-17 was a Sunday); others NULL
        check("date_part('year', toDate('2024-03-15'))", 2024L);
        check("date_part('dow', toDate('2024-03-17'))", 7L);
        check("date_part('doy', toDate('2024-02-01'))", 32L);
        check("date_part('week', toDate('2024-03-17'))", null);
        // initcap: words are runs of letters and digits
        check("initcap('hello wORLD-foo 2x')", "Hello World-Foo 2x");
        // left / right (leftUTF8 / rightUTF8): a negative length leaves that many characters off the other end
        check("left('Hello', 2)", "He");
        check("left('Hello', -2)", "Hel");
        check("right('Hello', 2)", "lo");
        check("right('Hello', -2)", "llo");
        // countDistinct(x) = count(DISTINCT x); array_agg = groupArray
        assertEquals(value("count(distinct event) from events"), value("countDistinct(event) from events"));
        check("arraySort(array_agg(x)) from (select 2 as x union all select 1 as x union all select null as x)",
                List.of(1L, 2L));
    }

    /** Differences from ClickHouse found in a sample of PostHog's list (issue 19 audit). */
    @Test
    void dateTruncLengthAndRoundAnswerAsClickHouse() {
        // dateTrunc is a Date for year, quarter, month and week (a Monday), a DateTime below; a third argument is the
        // zone the value is read in (02:00 in Berlin is the evening before in New York)
        check("toString(dateTrunc('month', toDateTime('2024-03-15 10:20:30')))", "2024-03-01");
        check("toString(dateTrunc('week', toDate('2024-03-15')))", "2024-03-11");
        check("toString(dateTrunc('quarter', toDate('2024-05-15')))", "2024-04-01");
        check("toString(dateTrunc('day', toDateTime('2024-03-15 10:20:30')))", "2024-03-15 00:00:00");
        check("toDayOfMonth(dateTrunc('day', toDateTime('2024-03-15 02:00:00'), 'America/New_York'))", 14L);
        // length of a String counts bytes ('é' is two), lengthUTF8 code points
        check("length('h\u00e9llo')", 6L);
        check("lengthUTF8('h\u00e9llo')", 5L);
        check("length('abc')", 3L);
        // round of a Float64 rounds half to even; an integer with negative places rounds half away from zero
        check("round(2.5)", 2.0);
        check("round(3.5)", 4.0);
        check("round(-2.5)", -2.0);
        check("round(2.567, 2)", 2.57);
        check("round(1250, -2)", 1300L);
    }

    @Test
    void theRestOfPostHogsListIsRefusedByNameAndGroup() {
        for (String[] refused : new String[][] {
            {"sumArray([1])", "HogQL function \"sumArray\" (aggregate combinators) is not supported by Quarry"},
            {"avgStateOrNullIf(1, true)", "HogQL function \"avgStateOrNullIf\" (aggregate combinators) is not supported by Quarry"},
            {"h3IsValid(1)", "HogQL function \"h3IsValid\" (geo) is not supported by Quarry"},
            {"JSONExtract('{}', 'a', 'String')", "HogQL function \"JSONExtract\" (json) is not supported by Quarry"},
            {"hasToken('a b', 'a')", "HogQL function \"hasToken\" (searching in strings) is not supported by Quarry"},
            {"timeSlots(now(), 1)", "HogQL function \"timeSlots\" (dates and times) is not supported by Quarry"},
            {"cityHash64(1)", "HogQL function \"cityHash64\" (type conversions) is not supported by Quarry"},
            {"aggregate_funnel(1, 2, 3, 4, 5, 6, 7)",
                "HogQL function \"aggregate_funnel\" (user-defined functions) is not supported by Quarry"},
        }) {
            HogQLException e = assertThrows(HogQLResolutionException.class,
                    () -> HogQLCompiler.compileSelect("select " + refused[0], CompileSettings.of(1)), refused[0]);
            assertEquals(refused[1], e.getMessage().replaceAll(" \\(line.*", ""), refused[0]);
        }
    }
}
