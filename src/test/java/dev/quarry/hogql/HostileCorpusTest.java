package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each input must raise a HogQL exception, or compile to SQL in which every table carries the team filter. */
class HostileCorpusTest {
    private static final Set<String> ALLOWED = Set.of("events", "persons", "person_distinct_ids", "cohort_people",
            "query_log", "person_overrides", "cohorts");
    private static final Pattern TABLE = Pattern.compile("(FROM|JOIN) \"(\\w+)\" AS \"(\\w+)\"");
    private static final Pattern WRAPPED = Pattern.compile("\\(SELECT \\* FROM \"(\\w+)\" WHERE \"(\\w+)\"\\.\"team_id\" = \\$1\\)");

    static void assertSafe(CompiledQuery c) {
        String sql = c.sql();
        if (sql.contains("\"team_id\"")) {
            assertEquals(42L, c.params().get(0), "team id is $1");
        }
        Matcher m = TABLE.matcher(sql);
        int tables = 0;
        while (m.find()) {
            tables++;
            assertTrue(ALLOWED.contains(m.group(2)), "table " + m.group(2) + " in " + sql);
            assertTrue(sql.contains("\"" + m.group(3) + "\".\"team_id\" = $1"), "team filter for " + m.group(3) + " in " + sql);
        }
        Matcher w = WRAPPED.matcher(sql);
        while (w.find()) {
            tables++;
            assertTrue(ALLOWED.contains(w.group(1)));
        }
        // every FROM/JOIN of a table name was one of the two shapes above
        Matcher any = Pattern.compile("(FROM|JOIN) \"(\\w+)\"").matcher(sql);
        int all = 0;
        while (any.find()) {
            all++;
        }
        assertEquals(all, tables, "every table is filtered: " + sql);
        for (Object p : c.params()) {
            // user text only ever travels as a parameter (plain words may also be validated column aliases)
            assertFalse(p instanceof String s && sql.contains(s) && !s.matches("[A-Za-z_][A-Za-z0-9_]*"), "inlined " + p);
        }
        assertFalse(sql.contains(";"), sql);
        assertFalse(sql.contains("--"), sql);
        assertFalse(sql.contains("/*"), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "select * from pg_class",
        "select * from pg_catalog.pg_class",
        "select * from information_schema.tables",
        "select * from teams",
        "select * from personal_api_keys",
        "select * from users",
        "select * from person_overrides",
        "select * from events e join pg_user u on 1 = 1",
        "select pg_sleep(10)",
        "select pg_read_file('/etc/passwd')",
        "select current_setting('x')",
        "select set_config('x', 'y', false)",
        "select dblink('host=x', 'select 1')",
        "select version()",
        "select lo_import('/etc/passwd')",
        "select 'x'::regclass",
        "select cast('x' as regclass)",
        "select 1; select 2",
        "select 1; drop table events",
        "select event from events where team_id = 2",
        "select event from events e where e.team_id = 2",
        "select team_id from persons",
        "select event from events union all select name from teams",
        "select event from events union select event from events",
        "select * from events where event = 'a' or 1 = 1 --'",
        "select * from events where event = '\\' or 1=1 --'",
        "select * from events where event = 'a'' or ''1''=''1'",
        "select * from events where event = 'a\\' or 1=1 --'",
        "select * from events /* ' */ where event = '/*'",
        "select `events\"; drop table x; --` from events",
        "select \"a\"\"b\" from events",
        "select properties.`'; drop table events; --` from events",
        "select properties.'\\'; select 1 --' from events",
        "select * from (select * from pg_class) x",
        "with x as (select * from pg_class) select * from x",
        "select * from events where person_id in (select person_id from pg_class)",
        "select e.event from events e right join persons p on p.id = e.person_id",
        "select e.event from events e full outer join persons p on p.id = e.person_id",
        "select e.event from events e, persons p",
        "select * from events settings readonly = 0",
        "select * from events into outfile '/tmp/x'",
        "select $1 from events",
        "select {x} from events",
        "select now() - interval '1 day; drop table events'",
        "select formatDateTime(now(), '%Y\"; drop table events; --')",
        "select toTimeZone(now(), 'UTC\\'; drop table x')",
        "select JSONExtractString(properties, 'a''b') from events",
        "select * from events as \"e\"\"; drop\"",
        "select person.properties.email, person.id from person_distinct_ids",
        "select count() from cohort_people where person.properties.email = 'x'",
        "select event from events where event in (select event from events union all select query from query_log)",
        "select (select count() from persons) from events",
        // issue 19: ARRAY JOIN, lambdas, IN COHORT, bracket access keep the wall on every table they reach
        "select x from events array join [(select max(properties.email) from persons)] as x",
        "select x, y from events e array join groupArray(1) as x",
        "select b from events left array join (select groupArray(event) from events) as b",
        "select x from (select [1] as a) array join a as x, (select [query] from query_log limit 1) as y",
        "select arrayMap(x -> (select max(properties.email) from persons), [1, 2])",
        "select arrayFilter(x -> x in (select distinct_id from person_distinct_ids), ['a'])",
        "select arrayMap(x -> arrayMap(y -> concat(x, y, (select max(query) from query_log)), ['a']), ['b'])",
        "select arrayMap(team_id -> team_id, [1])",
        "select arrayMap(x -> team_id, [1]) from events",
        "select count() from events where person_id in cohort 1",
        "select count() from events where person_id in cohort 'x\'; drop table cohorts; --'",
        "select count() from persons where id not in cohort 'C'",
        "select properties['a\'; drop']['b'] from events",
        "select person.properties['email'] from events",
        "select (1, (select max(properties.email) from persons)) from events",
        "select countDistinctIf(person.properties.email, person_id in cohort 'x') from events",
        "select * from cohorts",
        "select name from cohorts",
        "select 1, from events",
    })
    void hostile(String q) {
        CompiledQuery c;
        try {
            c = HogQLCompiler.compileSelect(q, CompileSettings.of(42));
        } catch (HogQLException e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        assertSafe(c);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "select * from pg_class", "select pg_sleep(10)", "select team_id from events", "select 1; select 2",
        "select 'x'::regclass", "select * from information_schema.tables", "select current_setting('x')",
        "select * from cohorts", "select arrayMap(x -> team_id, [1]) from events", "select x -> 1",
        "select `#cohort_id_by_name`('x')", "select x from events array join team_id as x",
    })
    void mustBeRejected(String q) {
        try {
            HogQLCompiler.compileSelect(q, CompileSettings.of(42));
            fail("compiled: " + q);
        } catch (HogQLException expected) {
            // good
        }
    }

    @org.junit.jupiter.api.Test
    void valuesNeverBecomeSql() {
        CompiledQuery c = HogQLCompiler.compileSelect("select event from events where event = {v}",
                CompileSettings.of(42).withValues(Map.of("v", "x'; drop table events; --")));
        assertEquals(List.of(42L, "x'; drop table events; --"), c.params());
        assertFalse(c.sql().contains("drop"));
    }
}
