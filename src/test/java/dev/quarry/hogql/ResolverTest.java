package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResolverTest {
    static String error(String q) {
        HogQLException e = assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(q, CompileSettings.of(1)));
        return e.getMessage();
    }

    @Test
    void unknownThings() {
        assertEquals("Unknown table \"pg_class\"", error("select * from pg_class"));
        assertEquals("Unknown table \"pg_catalog.pg_class\"", error("select * from pg_catalog.pg_class"));
        assertEquals("Unsupported function call 'pg_sleep(...)'", error("select pg_sleep(10)"));
        // PostHog's resolver's wording
        assertEquals("Unable to resolve field: team_id", error("select team_id from events"));
        assertEquals("Field not found: team_id", error("select e.team_id from events e"));
        assertEquals("Unable to resolve field: nope", error("select nope from events"));
        assertEquals("Unable to resolve field: nope", error("select nope.x from events"));
        assertEquals("Field not found: nope", error("select person.nope from events"));
        assertEquals("Can not access property \"x\" on field \"event\".", error("select event.x from events"));
        assertEquals("Unknown placeholder {x}", error("select {x}"));
    }

    @Test
    void argumentCounts() {
        // PostHog's words (functions/core.py)
        assertEquals("Function 'lower' expects 1 argument, found 2", error("select lower('a', 'b')"));
        assertEquals("Function 'if' expects 3 arguments, found 1", error("select if(1)"));
        assertEquals("Function 'concat' expects at least 1 argument, found 0", error("select concat()"));
        assertEquals("Function 'timezone' expects 2 arguments, found 0", error("select timezone()"));
        assertEquals("Function 'position' expects at most 3 arguments, found 4", error("select position('a', 'b', 1, 2)"));
        assertEquals("Function \"sum\" takes no parameters", error("select sum(0.5)(1)"));
        assertEquals("Aggregate function \"count\" is not allowed here", error("select 1 from events where count() > 1"));
        assertEquals("DISTINCT is only allowed in aggregate functions", error("select lower(distinct event) from events"));
    }

    @Test
    void aliasesAndScopes() {
        // select alias usable in WHERE / GROUP BY / ORDER BY; alias that shadows its own column
        CompiledQuery c = HogQLCompiler.compileSelect(
                "select lowerUTF8(event) as event from events where event = 'a' order by event", CompileSettings.of(1));
        assertEquals("SELECT lower(\"events\".\"event\") AS \"event\" FROM \"events\" AS \"events\" WHERE "
                + "\"events\".\"team_id\" = $1 AND (lower(\"events\".\"event\") = $2::text) ORDER BY lower(\"events\".\"event\") ASC "
                + "LIMIT 100", c.sql());
        // subquery columns
        c = HogQLCompiler.compileSelect("select s.n, n from (select count() as n from events) s", CompileSettings.of(1));
        assertEquals(List.of("n", "n"), c.columns());
        assertEquals(List.of("UInt64", "UInt64"), c.types());
        assertEquals("Field not found: x", error("select s.x from (select 1 as n) s"));
        // * expansion
        c = HogQLCompiler.compileSelect("select * from persons", CompileSettings.of(1));
        assertEquals(List.of("id", "created_at", "properties", "is_identified"), c.columns());
        assertEquals(List.of("UUID", "DateTime64(6, 'UTC')", "String", "UInt8"), c.types()); // ClickHouse's truth values
        c = HogQLCompiler.compileSelect("select * from query_log", CompileSettings.of(1));
        // PostHog's query_log (query_log_archive) fields, in its order, then the contract's (Part A item 7) it lacks
        assertEquals(List.of("event_date", "event_time", "query_id", "endpoint", "query", "query_start_time",
                "query_duration_ms", "hogql_name", "created_by", "read_rows", "read_bytes", "result_rows",
                "result_bytes", "memory_usage", "status", "exception_code", "is_personal_api_key_request",
                "cpu_microseconds", "RealTimeMicroseconds", "S3ListObjects", "S3HeadObject", "S3GetObjectAttributes",
                "S3GetObject", "ReadBufferFromS3Bytes", "team_id", "exception", "kind", "hogql"), c.columns());
        assertEquals("Duplicate table alias \"e\"", error("select 1 from events e join persons e on true"));
        assertEquals("UNION ALL branches have different numbers of columns",
                error("select 1, 2 union all select 1"));
    }

    @Test
    void tableNames() {
        Resolver.Resolution r = Resolver.resolve(Parser.parseSelect(
                "select 1 from events e join persons p on true where e.person_id in (select person_id from cohort_people)"));
        assertEquals(List.of("events", "persons", "cohort_people"), List.copyOf(r.tableNames()));
    }

    @Test
    void validate() {
        HogQLCompiler.Validation v = HogQLCompiler.validate("select event from events");
        assertEquals(true, v.isValid());
        assertEquals(List.of("events"), v.tableNames());
        v = HogQLCompiler.validate("select foo from events");
        assertEquals(false, v.isValid());
        assertEquals(new HogQLCompiler.ValidationError("Unable to resolve field: foo", 7, 10), v.errors().get(0));
        v = HogQLCompiler.validate("select pg_sleep(1) from events");
        assertEquals(new HogQLCompiler.ValidationError("Unsupported function call 'pg_sleep(...)'", 7, 18), v.errors().get(0));
        v = HogQLCompiler.validate("select from");
        assertEquals(false, v.isValid());
        assertEquals(7, v.errors().get(0).start());
        v = HogQLCompiler.validate("select {x}", Map.of("x", 1));
        assertEquals(true, v.isValid());
    }
}
