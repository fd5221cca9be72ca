package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLFunctionsTest.check;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 §2, "today() - 1 and other Date ± integer arithmetic", as ClickHouse evaluates it (HogQL prints
 * {@code plus}/{@code minus} as ClickHouse's, whose Date arithmetic counts days and DateTime arithmetic seconds):
 * {@code Date ± n} is the date n days on, either operand order for {@code +}; {@code DateTime ± n} moves n seconds;
 * {@code Date - Date} is the number of days between. Values worked out by hand in the comments.
 */
class DateIntegerArithmeticTest {
    @BeforeAll
    static void start() throws Exception {
        PostgresIntegrationTest.start();
    }

    @AfterAll
    static void stop() throws Exception {
        PostgresIntegrationTest.stop();
    }

    @Test
    void dateAndAnIntegerCountDays() {
        check("toDate('2024-01-31') + 1", "2024-02-01");           // over a month end
        check("1 + toDate('2024-01-31')", "2024-02-01");           // integer first
        check("toDate('2024-03-01') - 1", "2024-02-29");           // 2024 is a leap year
        check("toDate('2024-01-01') + -1", "2023-12-31");
        check("toDate('2024-01-01') - (-1)", "2024-01-02");
        check("toDate('2024-01-01') + 1 + 1", "2024-01-03");
        check("toDate('2024-01-01') + toInt64(2)", "2024-01-03");
        check("toStartOfMonth(toDate('2024-02-15')) - 1", "2024-01-31");
        check("toStartOfWeek(toDate('2024-02-15')) + 7", "2024-02-18"); // week of Sunday 02-11, plus 7 days
        check("today() - 1 = yesterday()", true);
        check("toString(today() + 1) > toString(today())", true);      // still a Date (compared as its text)
    }

    @Test
    void dateTimeAndAnIntegerCountSeconds() {
        check("formatDateTime(toDateTime('2024-01-01 00:00:00') + 90, '%Y-%m-%d %H:%i:%S')", "2024-01-01 00:01:30");
        check("formatDateTime(toDateTime('2024-01-01 00:00:00') - 1, '%Y-%m-%d %H:%i:%S')", "2023-12-31 23:59:59");
        check("now() - 1 < now()", true);
    }

    @Test
    void aDateMinusADateIsDays() {
        check("toDate('2024-01-02') - toDate('2024-01-01')", 1L);
        check("toDate('2024-03-01') - toDate('2024-02-01')", 29L);
    }
}
