package dev.quarry.hogql;

import static dev.quarry.hogql.PostgresIntegrationTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Everyday HogQL as PostHog's docs, SQL insights and tests write it (all valid in PostHog's parser), run on the
 * hand-made data of {@link PostgresIntegrationTest} (team 1, Europe/Berlin):
 * <pre>
 * e1 $pageview d1 p1 Chrome price "10"   2024-01-01 10:00Z      e2 $pageview d2 p2 Firefox price "abc" 2024-01-02 10:00Z
 * e3 signup    d1 p1 Chrome price "5.5"  2024-01-02 23:30Z (Berlin 01-03)      e4 $pageview d3 p3 (merged into p1) Safari 2024-01-03 12:00Z
 * persons p1 a@x.com, p2 b@y.com; cohort "C" = {p2}
 * </pre>
 * Each answer is worked out in the comment beside it.
 */
class EverydayQueriesCorpusTest {
    @BeforeAll
    static void start() throws Exception {
        PostgresIntegrationTest.start();
    }

    @AfterAll
    static void stop() throws Exception {
        PostgresIntegrationTest.stop();
    }

    private record Case(String query, List<List<Object>> expected) {}

    private static List<Object> row(Object... v) {
        return new ArrayList<>(List.of(v));
    }

    private static final List<Case> CORPUS = List.of(
            // events by name, most frequent first
            new Case("select event, count() from events group by event order by count() desc",
                    List.of(row("$pageview", 3L), row("signup", 1L))),
            // pageviews by browser: one each
            new Case("SELECT properties.$browser, count() AS c FROM events WHERE event = '$pageview' "
                    + "GROUP BY properties.$browser ORDER BY c DESC, properties.$browser",
                    List.of(row("Chrome", 1L), row("Firefox", 1L), row("Safari", 1L))),
            // per day in the project's time zone: e3 (23:30Z) is 01-03 in Berlin
            new Case("SELECT toDate(timestamp) AS day, count() FROM events GROUP BY day ORDER BY day",
                    List.of(row("2024-01-01", 1L), row("2024-01-02", 1L), row("2024-01-03", 2L))),
            // unique users: p3 is merged into p1
            new Case("select count(distinct person_id) from events", List.of(row(2L))),
            new Case("select uniq(person_id) from events where timestamp >= toDate('2024-01-03') - 1", List.of(row(2L))),
            // by person property through the lazy join, positional ORDER BY
            new Case("select person.properties.email, count() from events group by person.properties.email order by 2 desc",
                    List.of(row("a@x.com", 3L), row("b@y.com", 1L))),
            // conversion ratio with -If aggregates: 1 signup / 3 pageviews
            new Case("SELECT countIf(event = 'signup') / countIf(event = '$pageview') AS conversion FROM events",
                    List.of(row(1.0 / 3))),
            new Case("select countDistinctIf(person_id, event = '$pageview') from events", List.of(row(2L))),
            new Case("select sumIf(toFloat(properties.price), event = 'signup') from events", List.of(row(5.5))),
            // bracket property access
            new Case("select properties['$browser'] as b from events where event = 'signup'", List.of(row("Chrome"))),
            // cohort membership by name and id-less negation
            new Case("select distinct_id from events where person_id in cohort 'C'", List.of(row("d2"))),
            new Case("select count() from events where person_id not in cohort 'C'", List.of(row(3L))),
            // weekly uniques: 2024-01-01 is a Monday, so all three days are in the week starting Sunday 12-31
            new Case("select toStartOfWeek(timestamp) as w, uniq(person_id) from events group by w order by w",
                    List.of(row("2023-12-31", 2L))),
            // median price of the numeric ones (10, 5.5)
            new Case("select quantile(0.5)(toFloat(properties.price)) from events", List.of(row(7.75))),
            new Case("select event from events order by timestamp desc limit 1", List.of(row("$pageview"))),
            // first to last day in Berlin: 01-01 → 01-03
            new Case("select dateDiff('day', min(timestamp), max(timestamp)) from events", List.of(row(2L))),
            new Case("select e.event, p.properties.email from events e left join persons p on e.person_id = p.id "
                    + "where e.event = 'signup'", List.of(row("signup", "a@x.com"))),
            new Case("with pv as (select person_id from events where event = '$pageview') select count() from pv",
                    List.of(row(3L))),
            // a trailing comma before FROM
            new Case("select event, count(), from events group by event order by event",
                    List.of(row("$pageview", 3L), row("signup", 1L))),
            new Case("select arraySort(arrayMap(x -> upper(x), groupUniqArray(properties.$browser))) from events",
                    List.of(row(List.of("CHROME", "FIREFOX", "SAFARI")))),
            // local midnight of 01-02 minus a day is before every event
            new Case("select count() from events where timestamp > toDateTime('2024-01-02') - interval 1 day",
                    List.of(row(4L))),
            new Case("select count() from events where toDate(timestamp) = toDate('2024-01-03') - 1", List.of(row(1L))),
            new Case("select b, count() from events array join [properties.$browser] as b group by b order by b",
                    List.of(row("Chrome", 2L), row("Firefox", 1L), row("Safari", 1L))),
            new Case("select (event, distinct_id) from events where event = 'signup'", List.of(row(List.of("signup", "d1")))),
            new Case("select extractURLParameter('https://x.com/?utm_source=google&a=1', 'utm_source')",
                    List.of(row("google"))),
            new Case("select multiIf(event = 'signup', 'converted', 'visitor') as kind, count() from events "
                    + "group by kind order by kind", List.of(row("converted", 1L), row("visitor", 3L))),
            new Case("select addDays(toDate('2024-01-01'), 30), subtractHours(toDateTime('2024-01-01 10:00:00'), 10) "
                    + "= toDateTime('2024-01-01 00:00:00')", List.of(row("2024-01-31", true))),
            // from local 01-02 00:00 (01-01 23:00Z): e3, e4
            new Case("select event from events where properties.$browser in ('Chrome', 'Safari') "
                    + "and timestamp >= '2024-01-02' order by timestamp", List.of(row("signup"), row("$pageview"))),
            new Case("select arrayFilter(x -> x > 1, [1, 2, 3]), arrayExists(x -> x = 'b', ['a', 'b'])",
                    List.of(row(List.of(2L, 3L), true))),
            new Case("select plus(1, 2), minus(5, 3), multiply(2, 3), divide(6, 3), intDiv(7, 2)",
                    List.of(row(3L, 2L, 6L, 2.0, 3L))),
            new Case("select dateAdd(toDate('2024-01-01'), toIntervalDay(1)), dateSub('month', 1, toDate('2024-03-31'))",
                    List.of(row("2024-01-02", "2024-02-29"))),
            new Case("select count() from events where timestamp >= now() - toIntervalDay(7)", List.of(row(0L))));

    @Test
    void everydayQueriesAnswerAsInPostHog() {
        List<String> failures = new ArrayList<>();
        for (Case c : CORPUS) {
            try {
                List<List<Object>> got = run(c.query());
                if (!got.equals(c.expected())) {
                    failures.add(c.query() + "\n  expected " + c.expected() + "\n  got      " + got);
                }
            } catch (RuntimeException | AssertionError e) {
                failures.add(c.query() + "\n  failed: " + e.getMessage());
            }
        }
        assertEquals("", String.join("\n", failures));
    }
}
