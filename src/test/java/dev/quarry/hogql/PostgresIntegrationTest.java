package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs compiled SQL on a real PostgreSQL through the Vert.x client. Data (team 1 unless said otherwise):
 * <pre>
 * persons   p1 {email a@x.com, name A}   p2 {email b@y.com}   p3 {} (merged into p1 by person_overrides)
 *           team 2: p9 {email secret@two.com}; team 2 also has an override p2 → p9, which must not affect team 1
 * events    e1 $pageview d1 p1 {$browser Chrome, price "10"}    2024-01-01 10:00Z
 *           e2 $pageview d2 p2 {$browser Firefox, price "abc"}  2024-01-02 10:00Z
 *           e3 signup    d1 p1 {$browser Chrome, price "5.5", nested {a {b deep}}} 2024-01-02 23:30Z (Berlin: 01-03)
 *           e4 $pageview d3 p3 {$browser Safari}                2024-01-03 12:00Z
 *           team 2: e9 $pageview d9 p9 {$browser Secret}        2024-01-02 10:00Z
 * cohort    team 1 cohort C contains p2
 * </pre>
 */
class PostgresIntegrationTest {
    static final String P1 = "00000000-0000-0000-0000-000000000001";
    static final String P2 = "00000000-0000-0000-0000-000000000002";
    static final String P3 = "00000000-0000-0000-0000-000000000003";
    static final String P9 = "00000000-0000-0000-0000-000000000009";

    static EmbeddedPostgres pg;
    static Vertx vertx;
    static Pool pool;
    static long cohortId;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V1__foundation.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V2__hogql_functions.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V13_1__query_log_posthog_columns.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V14_1__hogql_functions_more.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V28_1__cohort_reference_check.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V36_1__regex_errors_are_errors.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V43_1__hogql_conversions_and_negative_indexes.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V44_1__hogql_integer_overflow.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V58_1__hogql_float_overflow.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V58_2__hogql_byte_strings.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V67_1__hogql_substring_negative_length.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V67_2__hogql_clickhouse_errors.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V73_1__hogql_float_ieee.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V83_1__hogql_integer_rounding.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V91_1__hogql_regex_row_patterns.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V94_1__hogql_regex_compile_budget.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V94_2__hogql_narrow_integer_casts.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V119_1__hogql_range_bound.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V119_2__hogql_format_readable.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V122_1__hogql_string_size_bound.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V123_1__hogql_null_counts_and_byte_cuts.sql")));
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V18_1__hot_property_columns.sql")));
            st.execute("""
                insert into organizations (id, name) values ('10000000-0000-0000-0000-000000000000', 'org');
                insert into teams (id, uuid, organization_id, name, api_token) values
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'one', 'tok1'),
                  (2, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'two', 'tok2');
                insert into persons (team_id, uuid, created_at, properties, is_identified) values
                  (1, '%1$s', '2023-12-01T00:00:00Z', '{"email":"a@x.com","name":"A"}', true),
                  (1, '%2$s', '2023-12-02T00:00:00Z', '{"email":"b@y.com"}', false),
                  (1, '%3$s', '2023-12-03T00:00:00Z', '{}', false),
                  (2, '%4$s', '2023-12-04T00:00:00Z', '{"email":"secret@two.com"}', true);
                insert into person_overrides (team_id, old_person_id, override_person_id) values
                  (1, '%3$s', '%1$s'), (2, '%2$s', '%4$s');
                insert into person_distinct_ids (team_id, distinct_id, person_id) values
                  (1, 'd1', '%1$s'), (1, 'd2', '%2$s'), (1, 'd3', '%3$s'), (2, 'd9', '%4$s');
                insert into events (team_id, uuid, event, distinct_id, properties, timestamp, created_at, person_id) values
                  (1, 'e0000000-0000-0000-0000-000000000001', '$pageview', 'd1',
                      '{"$browser":"Chrome","price":"10"}', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', '%1$s'),
                  (1, 'e0000000-0000-0000-0000-000000000002', '$pageview', 'd2',
                      '{"$browser":"Firefox","price":"abc"}', '2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z', '%2$s'),
                  (1, 'e0000000-0000-0000-0000-000000000003', 'signup', 'd1',
                      '{"$browser":"Chrome","price":"5.5","nested":{"a":{"b":"deep"}}}', '2024-01-02T23:30:00Z',
                      '2024-01-02T23:30:00Z', '%1$s'),
                  (1, 'e0000000-0000-0000-0000-000000000004', '$pageview', 'd3',
                      '{"$browser":"Safari"}', '2024-01-03T12:00:00Z', '2024-01-03T12:00:00Z', '%3$s'),
                  (2, 'e0000000-0000-0000-0000-000000000009', '$pageview', 'd9',
                      '{"$browser":"Secret"}', '2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z', '%4$s');
                insert into query_log (team_id, query_id, event_time, query_duration_ms, status, query, hogql, kind) values
                  (1, 'q1', '2024-01-05T10:00:00Z', 12, 'QueryFinish', 'SELECT 1', 'select 1', 'HogQLQuery'),
                  (2, 'q2', '2024-01-05T10:00:00Z', 12, 'QueryFinish', 'SELECT secret', 'select secret', 'HogQLQuery');
                """.formatted(P1, P2, P3, P9));
            var rs = st.executeQuery("insert into cohorts (team_id, name) values (1, 'C') returning id");
            rs.next();
            cohortId = rs.getLong(1);
            st.execute("insert into cohort_people (team_id, cohort_id, person_id) values (1, " + cohortId + ", '" + P2 + "')");
            st.execute("insert into cohorts (team_id, name) values (2, 'C2')");
        }
        vertx = Vertx.vertx();
        PgConnectOptions opts = new PgConnectOptions().setHost("localhost").setPort(pg.getPort())
                .setDatabase("postgres").setUser("postgres").setPassword("postgres");
        pool = Pool.pool(vertx, opts, new PoolOptions().setMaxSize(2));
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (pg != null) {
            pg.close();
        }
    }

    static CompileSettings team(long id) {
        return CompileSettings.of(id).withTimezone("Europe/Berlin");
    }

    static List<List<Object>> run(CompiledQuery c) {
        try {
            RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            List<List<Object>> out = new ArrayList<>();
            for (Row r : rows) {
                List<Object> row = new ArrayList<>();
                for (int k = 0; k < r.size(); k++) {
                    row.add(plain(r.getValue(k)));
                }
                out.add(row);
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError("SQL failed: " + c.sql() + "\nparams " + c.params() + "\n" + e.getMessage(), e);
        }
    }

    /** Numbers, booleans and strings as they are; arrays and JSON arrays (tuples) as lists; other values as text. */
    static Object plain(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof Object[] arr) {
            List<Object> l = new ArrayList<>();
            for (Object o : arr) {
                l.add(plain(o));
            }
            return l;
        }
        if (v instanceof io.vertx.core.json.JsonArray a) {
            List<Object> l = new ArrayList<>();
            for (Object o : a) {
                l.add(o instanceof Integer i ? Long.valueOf(i) : plain(o));
            }
            return l;
        }
        return String.valueOf(v);
    }

    static List<List<Object>> run(String hogql) {
        return run(HogQLCompiler.compileSelect(hogql, team(1)));
    }

    static List<List<Object>> run(String hogql, CompileSettings s) {
        return run(HogQLCompiler.compileSelect(hogql, s));
    }

    static Object scalar(String hogql) {
        List<List<Object>> r = run(hogql);
        assertEquals(1, r.size(), hogql);
        return r.get(0).get(0);
    }

    @Test
    void countsByEvent() {
        assertEquals(List.of(List.of("$pageview", 3L), List.of("signup", 1L)),
                run("select event, count() from events group by event order by count() desc"));
    }

    @Test
    void mergedPersonsCountOnce() {
        // p3 is merged into p1: persons p1 and p2 remain. Team 2's override p2 → p9 must not apply.
        assertEquals(2L, scalar("select uniq(person_id) from events"));
        assertEquals(List.of(List.of(P1), List.of(P2)),
                run("select distinct person_id from events order by person_id"));
        assertEquals("a@x.com", scalar("select person.properties.email from events where distinct_id = 'd3'"));
        assertEquals(P1, scalar("select person.id from events where distinct_id = 'd3'"));
    }

    @Test
    void teamTwoNeverAppears() {
        assertEquals(4, run("select * from events").size());
        assertEquals(3, run("select * from persons").size());
        assertEquals(1, run("select * from query_log").size());
        assertEquals(3, run("select * from person_distinct_ids").size());
        assertEquals(List.of(List.of(1L)), run("select count() from events", team(2)));
        assertEquals(List.of(List.of("Secret")), run("select properties.$browser from events", team(2)));
        for (String q : List.of(
                "select properties.$browser from events union all select properties.email from persons",
                "select e.event from events e left join persons p on p.id = e.person_id",
                "select e.event from events e right join persons p on p.id = e.person_id",
                "select e.event from events e full join persons p on p.id = e.person_id",
                "select e.event from events e cross join persons p",
                "select event from events where person_id in (select id from persons)",
                "with x as (select event, properties from events) select properties.$browser from x",
                "select (select max(properties.email) from persons), event from events",
                "select p.properties.email from persons p where p.id in (select person_id from person_distinct_ids)")) {
            for (List<Object> row : run(q)) {
                for (Object v : row) {
                    assertFalse(String.valueOf(v).contains("Secret") || String.valueOf(v).contains("secret"), q);
                }
            }
        }
    }

    @Test
    void propertiesAndSafeCasts() {
        // price: "10" > 5, "5.5" > 5, "abc" → NULL (no error), missing → NULL
        assertEquals(2L, scalar("select count() from events where properties.price > 5"));
        assertEquals(15.5, scalar("select sum(toFloat(properties.price)) from events"));
        assertEquals("deep", scalar("select properties.nested.a.b from events where event = 'signup'"));
        assertEquals(1L, scalar("select count() from events where properties.`$browser` = 'Safari'"));
        assertEquals(null, scalar("select toInt(properties.price) from events where distinct_id = 'd2'"));
        assertEquals(null, scalar("select toUUID('nope')"));
        // ClickHouse's Float64 division: inf for a zero divisor (V73_1), not NULL
        assertEquals(Double.POSITIVE_INFINITY, scalar("select 1 / 0"));
    }

    @Test
    void timezoneBuckets() {
        // e3 at 23:30Z is 00:30 on 01-03 in Berlin
        assertEquals(List.of(List.of("2024-01-01", 1L), List.of("2024-01-02", 1L), List.of("2024-01-03", 2L)),
                run("select toDate(timestamp) as d, count() from events group by d order by d"));
        assertEquals(List.of(List.of("2024-01-02", 2L), List.of("2024-01-03", 1L)),
                run("select toDate(timestamp) as d, count() from events group by d order by d",
                        CompileSettings.of(1).withTimezone("UTC")).subList(1, 3));
    }

    @Test
    void cohortFilter() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Expr f = PropertyFilters.toExpr(m.readTree("[{\"type\":\"cohort\",\"key\":\"id\",\"value\":" + cohortId + "}]"));
        assertEquals(List.of(List.of("d2")),
                run(HogQLCompiler.compileSelect("select distinct_id from events where {filters}", team(1).withFilters(f))));
    }

    @Test
    void placeholdersBind() {
        CompileSettings s = team(1).withValues(Map.of("ev", "signup", "n", 1, "ids", List.of("d1", "d2")));
        assertEquals(List.of(List.of("d1")),
                run("select distinct_id from events where event = {ev} and distinct_id in {ids} limit {n}", s));
    }

    @Test
    void limitsAndExtraRow() {
        CompiledQuery c = HogQLCompiler.compileSelect("select event from events order by timestamp",
                team(1).withLimits(2, 3).withExtraRow(true));
        assertEquals(2, c.limit());
        assertEquals(3, run(c).size()); // one more than the limit: hasMore
        c = HogQLCompiler.compileSelect("select event from events order by timestamp limit 1000 offset 1",
                team(1).withLimits(2, 3));
        assertEquals(3, c.limit());
        assertEquals(1, c.offset());
        assertEquals(3, run(c).size());
    }

    @Test
    void limitBy() {
        assertEquals(List.of(List.of("d1", "$pageview"), List.of("d2", "$pageview"), List.of("d3", "$pageview")),
                run("select distinct_id, event from events order by distinct_id, timestamp limit 1 by distinct_id"));
    }

    @Test
    void hostileInputsFailOrStayInTeam() {
        assertThrows(HogQLException.class, () -> run("select * from pg_catalog.pg_class"));
        assertThrows(HogQLException.class, () -> run("select pg_sleep(10)"));
    }

    /** Every supported function family, executed for real (no error on these rows, result as worked out). */
    @Test
    void functionsExecute() {
        Object[][] cases = {
            {"countIf(event = 'signup')", 1L},
            {"sumIf(1, event = '$pageview')", 3L},
            {"avg(toFloat(properties.price))", 7.75},
            {"avgIf(toFloat(properties.price), event = 'signup')", 5.5},
            {"min(distinct_id)", "d1"},
            {"max(distinct_id)", "d3"},
            {"uniqExact(distinct_id)", 3L},
            {"count(distinct event)", 2L},
            {"any(event)", null},
            {"argMax(distinct_id, timestamp)", "d3"},
            {"argMin(distinct_id, timestamp)", "d1"},
            {"length(groupArray(event))", 4L},
            {"quantile(0.5)(toFloat(properties.price))", 7.75},
            {"median(toFloat(properties.price))", 7.75},
            {"toYear(min(timestamp))", 2024L},
            {"toMonth(min(timestamp))", 1L},
            {"toDayOfWeek(min(timestamp))", 1L},
            {"toString(toStartOfMonth(min(timestamp)))", "2024-01-01"},
            {"toString(toStartOfWeek(max(timestamp)))", "2023-12-31"},
            {"toString(toStartOfWeek(max(timestamp), 1))", "2024-01-01"},
            {"toString(toStartOfYear(max(timestamp)))", "2024-01-01"},
            {"toString(toStartOfHour(min(timestamp)))", "2024-01-01 11:00:00"},
            {"toString(toStartOfDay(min(timestamp)))", "2024-01-01 00:00:00"},
            {"dateDiff('day', min(timestamp), max(timestamp))", 2L},
            {"dateDiff('hour', min(timestamp), max(timestamp))", 50L},
            {"formatDateTime(min(timestamp), '%Y-%m-%d %H:%M:%S')", "2024-01-01 11:00:00"},
            {"toString(toTimeZone(min(timestamp), 'America/New_York'))", "2024-01-01 05:00:00"},
        };
        for (Object[] c : cases) {
            Object got = scalar("select " + c[0] + " from events");
            if (c[1] != null) {
                assertEquals(c[1], got, (String) c[0]);
            }
        }
        Object[][] scalars = {
            {"dateDiff('month', toDate('2024-01-31'), toDate('2024-02-01'))", 1L},
            {"toString(dateAdd('day', 1, toDate('2024-01-31')))", "2024-02-01"},
            {"toString(dateSub('month', 1, toDate('2024-03-31')))", "2024-02-29"},
            {"lower('AbC')", "abc"}, {"upper('abc')", "ABC"}, {"length('abc')", 3L}, {"concat('a', 1, 'b')", "a1b"},
            {"substring('hello', 2, 3)", "ell"}, {"substring('hello', 2, -1)", "ell"}, {"replaceAll('aXbX', 'X', '-')", "a-b-"},
            {"trim('  a ')", "a"}, {"length(splitByChar(',', 'a,b,c'))", 3L}, {"splitByChar(',', 'a,b,c')[2]", "b"},
            {"position('hello', 'l')", 3L}, {"like('abc', 'a%')", true}, {"match('abc', '^a.c$')", true},
            {"extract('user_42', '_(\\\\d+)')", "42"}, {"if(1 > 2, 'a', 'b')", "b"},
            {"multiIf(1 > 2, 'a', 2 > 1, 'b', 'c')", "b"}, {"coalesce(null, 'x')", "x"}, {"ifNull(null, 2)", 2L},
            {"nullIf(1, 1)", null}, {"toString(12)", "12"}, {"toInt('42')", 42L}, {"toInt('4x2')", null},
            {"toInt(3.7)", 3L}, {"toFloat('1.5')", 1.5}, {"toFloat('1e999')", null},
            {"toString(toUUID('00000000-0000-0000-0000-000000000001'))", P1},
            {"round(2.567, 2)", 2.57}, {"floor(2.5)", 2.0}, {"ceil(2.5)", 3.0}, {"abs(-3) = 3", true}, {"greatest(1, 5, 3)", 5L},
            {"least(1, 5, 3)", 1L}, {"JSONExtractString('{\"a\":\"x\"}', 'a')", "x"}, {"JSONExtractInt('{\"a\":5}', 'a')", 5L},
            {"JSONExtractFloat('{\"a\":1.5}', 'a')", 1.5}, {"JSONExtractBool('{\"a\":true}', 'a')", true},
            {"JSONHas('{\"a\":1}', 'a')", true}, {"JSONHas('not json', 'a')", false}, {"has([1, 2], 2)", true},
            {"length([1, 2, 3])", 3L}, {"[10, 20][2]", 20L}, {"7 % 3", 1L}, {"-(3)", -3L},
            {"toString(toDate('2024-02-30'))", null}, {"toString(toDateTime('2024-01-01 12:00:00'))", "2024-01-01 12:00:00"},
            {"toDateTime('garbage')", null}, {"dateDiff('week', toDate('2024-01-01'), toDate('2024-01-15'))", 2L},
            {"case when 1 = 1 then 'y' else 'n' end", "y"}, {"case 2 when 1 then 'one' when 2 then 'two' end", "two"},
            {"1 between 0 and 2", true}, {"null is null", true}, {"'a' in ('a', 'b')", true}, {"'a' not in ('a')", false},
            {"'ABC' ilike 'a%'", true}, {"'abc' not like 'x%'", true}, {"startsWith('abc', 'ab')", true},
            {"endsWith('abc', 'bc')", true}, {"empty('')", true}, {"notEmpty('a')", true}, {"toString(today()) != ''", true},
            {"now() > toDateTime('2020-01-01')", true}, {"toString(interval 1 day + now()) != ''", true},
        };
        for (Object[] c : scalars) {
            assertEquals(c[1], scalar("select " + c[0]), (String) c[0]);
        }
        assertEquals(List.of(List.of("a"), List.of("b")), run("select arrayJoin(splitByChar(',', 'a,b'))"));
        // grouped: one row per element before the grouping (ClickHouse's arrayJoin), the project's own rows only
        assertEquals(List.of(List.of("$browser", 4L), List.of("price", 3L), List.of("nested", 1L)),
                run("select arrayJoin(JSONExtractKeys(properties)) as key, count() from events group by key "
                        + "order by count() desc, key"));
        assertEquals(List.of(List.of("", 3L), List.of("pageview", 3L), List.of("signup", 1L)),
                run("select arrayJoin(splitByChar('$', event)), count() from events "
                        + "group by arrayJoin(splitByChar('$', event)) order by 2 desc, 1"));
        assertEquals(List.of(List.of(8L, 3L)), run("select count(arrayJoin(JSONExtractKeys(properties))), "
                + "uniq(arrayJoin(JSONExtractKeys(properties))) from events"));
        assertEquals(List.of(List.of("price", 3L)), run("select arrayJoin(JSONExtractKeys(properties)) as key, count() "
                + "from events where key = 'price' group by key having count() > 1"));
        // a subquery without its own arrayJoin, and an ungrouped SELECT that filters and orders by the element
        assertEquals(List.of(List.of("$browser", 2L), List.of("price", 2L), List.of("nested", 1L)),
                run("select arrayJoin(JSONExtractKeys(properties)) as key, count() from events "
                        + "where distinct_id in (select distinct_id from events where event = 'signup') "
                        + "group by key having count() > (select 0) order by count() desc, key"));
        assertEquals(List.of(List.of("nested"), List.of("price"), List.of("price"), List.of("price")),
                run("select arrayJoin(JSONExtractKeys(properties)) as key from events where key != '$browser' "
                        + "order by key"));
        assertTrue(run("select toString(now()), toDayOfWeek(today())").size() == 1);
    }

    @Test
    void queryLog() {
        assertEquals(List.of(java.util.Arrays.asList("q1", "2024-01-05", 12L, null)),
                run("select query_id, toString(event_date), query_duration_ms, read_rows from query_log"));
        // the contract's columns (Part A item 7): `query` is the SQL run (also `postgres`), the HogQL is `hogql`
        assertEquals(List.of(java.util.Arrays.asList(1L, "SELECT 1", "SELECT 1", "select 1", "HogQLQuery", null)),
                run("select team_id, query, postgres, hogql, kind, exception from query_log"));
    }

    /**
     * V121_1: rows V13_1 (or a later run) logged for a cancel as ExceptionWhileProcessing with code 394 read as
     * Cancelled, with their code kept; a timeout (159) and other failures stay as they were.
     */
    @Test
    void cancelledRowsAreBackfilledAsCancelled() throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("""
                    insert into query_log (team_id, query_id, event_time, query_duration_ms, status, exception_code,
                                           exception, query, hogql, kind) values
                      (7, 'cancelled', now(), 5, 'ExceptionWhileProcessing', 394, 'Query was cancelled.', 'SELECT 1', '', 'HogQLQuery'),
                      (7, 'timed-out', now(), 5, 'ExceptionWhileProcessing', 159, 'Timeout', 'SELECT 1', '', 'HogQLQuery'),
                      (7, 'failed', now(), 5, 'ExceptionWhileProcessing', null, 'Boom', 'SELECT 1', '', 'HogQLQuery'),
                      (7, 'finished', now(), 5, 'QueryFinish', 0, null, 'SELECT 1', '', 'HogQLQuery')""");
            st.execute(Files.readString(Path.of("src/main/resources/db/migration/V121_1__query_log_cancelled_status.sql")));
            var rs = st.executeQuery("select string_agg(query_id || ':' || status || ':' || coalesce(exception_code, -1), ' '"
                    + " order by query_id) from query_log where team_id = 7");
            rs.next();
            assertEquals("cancelled:Cancelled:394 failed:ExceptionWhileProcessing:-1 finished:QueryFinish:0 "
                    + "timed-out:ExceptionWhileProcessing:159", rs.getString(1));
            st.execute("delete from query_log where team_id = 7");
        }
    }

    /** Every filter operator runs on PostgreSQL; counts worked out from the data above. */
    @Test
    void propertyFilterOperatorsExecute() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Object[][] cases = {
            {"{'key':'$browser','value':'Chrome'}", 2L},
            {"{'key':'$browser','value':['Chrome','Safari'],'operator':'exact'}", 3L},
            {"{'key':'$browser','value':'Chrome','operator':'is_not'}", 2L},
            {"{'key':'$browser','value':'ROM','operator':'icontains'}", 2L},
            {"{'key':'$browser','value':'ROM','operator':'not_icontains'}", 2L},
            {"{'key':'$browser','value':'^(Chrome|Safari)$','operator':'regex'}", 3L},
            {"{'key':'$browser','value':'^Chrome$','operator':'not_regex'}", 2L},
            {"{'key':'price','value':5,'operator':'gt'}", 2L},
            {"{'key':'price','value':10,'operator':'gte'}", 1L},
            {"{'key':'price','value':10,'operator':'lt'}", 1L},
            {"{'key':'price','value':10,'operator':'lte'}", 2L},
            {"{'key':'price','value':[5,6],'operator':'between'}", 1L},
            {"{'key':'price','value':[5,6],'operator':'not_between'}", 1L},
            {"{'key':'price','value':6,'operator':'min'}", 1L},
            {"{'key':'price','value':6,'operator':'max'}", 1L},
            {"{'key':'price','operator':'is_set'}", 3L},
            {"{'key':'price','operator':'is_not_set'}", 1L},
            {"{'key':'$browser','value':'2024-01-01','operator':'is_date_after'}", 0L},
            {"{'key':'$browser','value':'2024-01-01','operator':'is_date_before'}", 0L},
            {"{'key':'$browser','value':'2024-01-01','operator':'is_date_exact'}", 0L},
            {"{'key':'email','value':'a@x.com','type':'person'}", 3L},
            {"{'key':'email','value':'b@y.com','type':'person','operator':'is_not'}", 3L},
            {"{'key':'length(event) = 6','type':'hogql'}", 1L},
            {"{'type':'OR','values':[{'key':'$browser','value':'Safari'},{'key':'price','value':'abc'}]}", 2L},
        };
        // a pattern that does not compile (ClickHouse's CANNOT_COMPILE_REGEXP; the API answers 400) is refused when
        // the statement is compiled, naming it (RE2's syntax: RegexPatterns), where it used to match nothing
        for (String bad : List.of("{'key':'$browser','value':'(','operator':'regex'}",
                "{'key':'$browser','value':'[a','operator':'not_regex'}")) {
            Expr f = PropertyFilters.toExpr(m.readTree(bad.replace('\'', '"')));
            HogQLException e = org.junit.jupiter.api.Assertions.assertThrows(HogQLException.class, () ->
                    HogQLCompiler.compileSelect("select count() from events where {filters}", team(1).withFilters(f)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("Invalid regular expression"),
                    e.getMessage());
        }
        // a pattern computed per row still fails the statement in PostgreSQL (2201B)
        AssertionError perRow = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () ->
                run(HogQLCompiler.compileSelect("select count() from events where match(event, concat(event, '('))",
                        team(1))));
        org.junit.jupiter.api.Assertions.assertTrue(perRow.getMessage().contains("(2201B)"), perRow.getMessage());
        for (Object[] c : cases) {
            String json = ((String) c[0]).replace('\'', '"');
            Expr f = PropertyFilters.toExpr(m.readTree(json));
            assertEquals(c[1], run(HogQLCompiler.compileSelect("select count() from events where {filters}",
                    team(1).withFilters(f))).get(0).get(0), json);
        }
    }

    /** Queries from the hostile corpus that compile also run, and only see team 1. */
    @Test
    void compilableHostileQueriesRun() {
        for (String q : List.of(
                "select * from events where event = 'a' or 1 = 1 --'",
                "select * from events where event = '\\' or 1=1 --'",
                "select properties.`'; drop table events; --` from events",
                "select toTimeZone(now(), 'UTC')",
                "select person.properties.email, person.id from person_distinct_ids",
                "select count() from cohort_people where person.properties.email = 'x'",
                "select event from events where event in (select event from events union all select query from query_log)",
                "select e.event from events e, persons p")) {
            CompiledQuery c = HogQLCompiler.compileSelect(q, team(1));
            HostileCorpusTest.assertSafe(new CompiledQuery(c.sql(), c.params().stream().map(p -> p.equals(1L) ? 42L : p)
                    .toList(), c.columns(), c.types(), c.hogql(), c.limit(), c.offset()));
            for (List<Object> row : run(c)) {
                assertFalse(row.toString().toLowerCase().contains("secret"), q);
            }
        }
    }

    /**
     * Issue 17's one-place rule: a function added as one entry of the function table — its name, arity, type rule
     * and SQL, registered the way {@link ScalarFunctions} registers {@code bitXor} — is parsed, checked by the
     * resolver, typed by the typing pass (inside a lambda too) and printed, and runs; nothing else names it.
     */
    @Test
    void aFunctionAddedAsOneTableEntryIsParsedTypedPrintedAndRun() {
        if (Functions.lookup("quarryTestHalf") == null) { // once per JVM: the table is static
            Functions.scalar("quarryTestHalf", 1, 1, (t, c) -> {
                if (!HogQLTypes.isNum(t.get(0))) {
                    throw new HogQLResolutionException("quarryTestHalf expects a number, got " + t.get(0), c);
                }
                return HogQLTypes.nullableLike(t.get(0), "Float64");
            }, (p, a, c, name) -> "((" + a.get(0).sql() + ")::float8 / 2)");
        }
        CompiledQuery q = HogQLCompiler.compileSelect("select quarryTestHalf(3), quarryTestHalf(toInt(properties.price)),"
                + " arrayMap(x -> quarryTestHalf(x), [1, 5]) from events where properties.price = '10'", team(1));
        assertEquals(List.of("Float64", "Nullable(Float64)", "Array(Float64)"), q.types());
        assertTrue(q.sql().contains("(3::bigint)::float8 / 2)"), q.sql());
        assertEquals(List.of(List.of(1.5, 5.0, List.of(0.5, 2.5))), run(q));
        // its rule refuses what it cannot take, before anything is printed or run
        HogQLException e = assertThrows(HogQLResolutionException.class, () -> run("select quarryTestHalf('a')"));
        assertEquals("quarryTestHalf expects a number, got String", e.getMessage());
        e = assertThrows(HogQLResolutionException.class, () -> run("select quarryTestHalf(1, 2)"));
        assertEquals("Function 'quarryTestHalf' expects 1 argument, found 2", e.getMessage());
    }
}
