package dev.quarry.hogql;

import static dev.quarry.hogql.PostgresIntegrationTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HogQL grammar PostHog's parser accepts beyond the everyday (set operators, window frames and named windows,
 * WITH TIES, tuple access, hex and binary numbers, template strings, TRIM forms, {@code ::} casts, IS DISTINCT
 * FROM, FILTER), run on PostgreSQL over the data of {@link PostgresIntegrationTest} — team 1's events in time order:
 * <pre>
 * e1 $pageview d1 price "10"  01-01 10:00Z    e2 $pageview d2 price "abc" 01-02 10:00Z
 * e3 signup    d1 price "5.5" 01-02 23:30Z    e4 $pageview d3 (no price)  01-03 12:00Z
 * team 2: e9 $pageview d9 01-02 10:00Z — never in team 1's answers, in any branch of a set operation
 * </pre>
 */
class GrammarConstructsTest {
    @BeforeAll
    static void start() throws Exception {
        PostgresIntegrationTest.start();
    }

    @AfterAll
    static void stop() throws Exception {
        PostgresIntegrationTest.stop();
    }

    private static List<Object> row(Object... v) {
        return List.of(v);
    }

    @Test
    void setOperatorsKeepEveryBranchInTheTeam() {
        // d1 is the only distinct id with a signup
        assertEquals(List.of(row("d1")), run("select distinct_id from events intersect "
                + "select distinct_id from events where event = 'signup'"));
        // pageview ids d1, d2, d3 (team 2's d9 never), minus d2
        assertEquals(List.of(row("d1"), row("d3")), run("select x from (select distinct_id as x from events "
                + "where event = '$pageview' except select 'd2') order by x"));
        // UNION without ALL drops duplicates: two event names
        assertEquals(List.of(row("$pageview"), row("signup")),
                run("select e from (select event as e from events union select event as e from events) order by e"));
        // INTERSECT binds tighter than UNION ALL: {signup} ∪ ({d…} ∩ {}) = {signup}
        assertEquals(List.of(row("signup")), run("select event from events where event = 'signup' union all "
                + "select distinct_id from events intersect select 'nobody'"));
        // the team filter is printed in each branch
        CompiledQuery c = HogQLCompiler.compileSelect("select event from events except select event from events "
                + "where event = 'signup'", PostgresIntegrationTest.team(1));
        assertEquals(2, c.sql().split("\"team_id\" = \\$1", -1).length - 1, c.sql());
    }

    @Test
    void windowFramesAndNamedWindows() {
        // a frame of the row before and this one: 1, 2, 2, 2 over e1..e4 (team 2's e9 is not a row here)
        assertEquals(List.of(row("$pageview", 1L), row("$pageview", 2L), row("signup", 2L), row("$pageview", 2L)),
                run("select event, count() over (order by timestamp rows between 1 preceding and current row) "
                        + "from events order by timestamp"));
        assertEquals(List.of(row(4L), row(3L), row(2L), row(1L)),
                run("select count() over (order by timestamp rows between current row and unbounded following) "
                        + "from events order by timestamp"));
        // named windows, used before the WINDOW clause and refined by a frame
        assertEquals(List.of(row(1L, 1L), row(2L, 2L), row(3L, 2L), row(4L, 2L)),
                run("select sum(1) over w, count() over (w rows 1 preceding) from events "
                        + "window w as (order by timestamp) order by timestamp"));
        // per distinct id: d1 has e1 then e3
        assertEquals(List.of(row("d1", 1L), row("d1", 2L), row("d2", 1L), row("d3", 1L)),
                run("select distinct_id, row_number() over w as n from events "
                        + "window w as (partition by distinct_id order by timestamp) order by distinct_id, n"));
    }

    @Test
    void limitWithTies() {
        // ordered by event, the first row is a $pageview: its two ties come too
        assertEquals(List.of(row("$pageview"), row("$pageview"), row("$pageview")),
                run("select event from events order by event limit 1 with ties"));
        assertThrows(HogQLResolutionException.class, () -> run("select event from events limit 1 with ties"));
    }

    @Test
    void literalsAndExpressions() {
        // 0x1F = 31, 0b101 = 5; (1, 'a').2 = 'a'
        assertEquals(List.of(row(36L, "a")), run("select 0x1F + 0b101, (1, 'a').2"));
        assertEquals(List.of(row("signup!", "it's 3")), run("select f'{event}!', f'it\\'s {1 + 2}' from events "
                + "where event = 'signup'"));
        assertEquals(List.of(row("a", "axx", "xxa", "a")), run("select trim(both 'x' from 'xxaxx'), "
                + "trim(leading 'x' from 'xxaxx'), trim(trailing 'x' from 'xxaxx'), trim('  a ')"));
        // price is distinct from '10' for e2, e3 and e4 (NULL is distinct from a value)
        assertEquals(List.of(row(3L, 1L)), run("select countIf(properties.price is distinct from '10'), "
                + "countIf(properties.price is not distinct from '10') from events"));
        // agg(x) FILTER (WHERE c) is aggIf(x, c)
        assertEquals(List.of(row(1L, 2L)), run("select count() filter (where event = 'signup'), "
                + "uniq(distinct_id) filter (where event = 'signup' or distinct_id = 'd2') from events"));
        assertEquals(List.of(row(11L)), run("select '10'::Int64 + 1"));
        // trailing commas in calls, arrays and tuples
        assertEquals(List.of(row(List.of(2L, 4L), List.of(1L, 2L), "b")),
                run("select arrayMap(x -> x * 2, [1, 2],), [1, 2,], (1, 'b',).2"));
    }

    @Test
    void theNumbersTableFunctionIsClickHousesSequence() {
        // numbers(count) is 0 … count - 1, numbers(offset, count) offset … offset + count - 1, one column: number
        assertEquals(List.of(row(0L), row(1L), row(2L)), run("select * from numbers(3)"));
        assertEquals(List.of(row(5L, "2010-01-06"), row(6L, "2010-01-07")),
                run("select n.number, toString(toDate('2010-01-01') + n.number) from numbers(5, 2) as n order by 1"));
        assertEquals(List.of(row(1000000L)), run("select count() from numbers(1000000)"));
        assertEquals(List.of(), run("select number from numbers(0)"));
        // joined with the team's events (10:00Z, 10:00Z, 23:30Z and 12:00Z, hours in the team's zone, an hour
        // ahead; team 2's event at 10:00Z never counts)
        assertEquals(List.of(row(0L, 1L), row(11L, 2L), row(13L, 1L)),
                run("select h.number, count() from numbers(24) h join events e on toHour(e.timestamp) = h.number "
                        + "group by h.number order by h.number"));
        for (String[] c : new String[][] {
                {"select * from numbers()", "Table function 'numbers' expects at least 1 argument, found 0"},
                {"select * from numbers(1, 2, 3)", "Table function 'numbers' expects at most 2 arguments, found 3"}}) {
            HogQLSyntaxException e = assertThrows(HogQLSyntaxException.class, () -> run(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
    }

    @Test
    void validHogQLThatQuarryDoesNotRunIsRefusedByName() {
        for (String[] c : new String[][] {
                {"select e.event from events e left semi join persons p on e.person_id = p.id", "LEFT SEMI JOIN"},
                {"select e.event from events e anti join persons p on e.person_id = p.id", "ANTI JOIN"},
                {"select event from events sample 0.1", "SAMPLE"},
                {"select columns('^prop') from events", "COLUMNS(…)"},
                {"select * exclude (properties) from events", "* EXCLUDE (…)"},
                {"select event from events qualify row_number() over (order by timestamp) = 1", "QUALIFY"},
                {"select {'a': 1}", "A dict literal {…}"},
                {"select 1 from remote('host', 'db', 'events')", "The table function remote(…)"},
                {"select 1 from system.numbers(10)", "The table function system.numbers(…)"},
                {"select event, count() from events group by event with totals", "GROUP BY … WITH TOTALS"},
                {"with recursive r as (select 1) select * from r", "WITH RECURSIVE"},
                {"select top 1 event from events", "TOP"}}) {
            HogQLUnsupportedException e = assertThrows(HogQLUnsupportedException.class, () -> run(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith(c[1] + " is not supported by Quarry"), e.getMessage());
        }
    }
}
