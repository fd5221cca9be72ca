package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PostgreSQL the printer produces for each construct and function family. */
class PrinterTest {
    static CompiledQuery c(String q) {
        return HogQLCompiler.compileSelect(q, CompileSettings.of(1));
    }

    static String sql(String q) {
        return c(q).sql();
    }

    /** SQL of one expression selected from events. */
    static String ex(String e) {
        String s = sql("select " + e + " from events");
        int from = s.lastIndexOf(" AS \"", s.indexOf(" FROM "));
        return s.substring("SELECT ".length(), from);
    }

    static void has(String actual, String... parts) {
        for (String p : parts) {
            assertTrue(actual.contains(p), "expected <" + p + "> in <" + actual + ">");
        }
    }

    @Test
    void basicSelect() {
        CompiledQuery q = c("select event, count() from events where timestamp > now() - interval 7 day "
                + "group by event order by count() desc");
        assertEquals("SELECT \"events\".\"event\" AS \"event\", count(*) AS \"c1\" FROM \"events\" AS \"events\" "
                + "WHERE \"events\".\"team_id\" = $1 AND (\"events\".\"timestamp\" > (now() - (7::bigint * INTERVAL '1 day'))) "
                + "GROUP BY \"events\".\"event\" ORDER BY count(*) DESC LIMIT 100", q.sql());
        assertEquals(List.of(1L), q.params());
        assertEquals(List.of("event", "count()"), q.columns());
        assertEquals(List.of("String", "UInt64"), q.types());
        assertEquals("SELECT event, count() FROM events WHERE timestamp > (now() - INTERVAL 7 DAY) GROUP BY event "
                + "ORDER BY count() DESC LIMIT 100", q.hogql());
        assertEquals(100, q.limit());
        assertEquals(0, q.offset());
    }

    @Test
    void stringsAreParameters() {
        CompiledQuery q = c("select event from events where event = 'sign up' and distinct_id != 'x'");
        has(q.sql(), "(\"events\".\"event\" = $2::text)", "(\"events\".\"distinct_id\" <> $3::text)");
        assertEquals(List.of(1L, "sign up", "x"), q.params());
    }

    @Test
    void sameValueSameParameter() {
        CompiledQuery q = c("select properties.plan, count() from events group by properties.plan");
        assertEquals(List.of(1L, "plan"), q.params());
        has(q.sql(), "GROUP BY (\"events\".\"properties\" ->> $2::text)");
        assertEquals(List.of("plan", "count()"), q.columns());
        assertEquals(List.of("Nullable(String)", "UInt64"), q.types());
    }

    @Test
    void properties() {
        assertEquals("(\"events\".\"properties\" ->> $2::text)", ex("properties.plan"));
        assertEquals("(\"events\".\"properties\" #>> ARRAY[$2::text, $3::text])", ex("properties.a.b"));
        has(sql("select count() from events where properties.price > 10"),
                "(hogql_to_float((\"events\".\"properties\" ->> $2::text)) > 10::bigint)");
        has(sql("select properties from events"), "(\"events\".\"properties\")::text AS \"properties\"");
    }

    @Test
    void hotEventPropertiesReadTheirColumns() {
        // V18_1 keeps these as generated columns equal to properties ->> name: no JSON parsing per row
        assertEquals("\"events\".\"mat_browser\"", ex("properties.$browser"));
        assertEquals("\"events\".\"mat_utm_source\"", ex("properties.utm_source"));
        CompiledQuery q = c("select properties.$browser, count() from events group by properties.$browser");
        has(q.sql(), "GROUP BY \"events\".\"mat_browser\"");
        assertEquals(List.of(1L), q.params());
        assertEquals(List.of("$browser", "count()"), q.columns());
        assertEquals(List.of("Nullable(String)", "UInt64"), q.types());
        // a nested path, and person properties, stay JSON
        assertEquals("(\"events\".\"properties\" #>> ARRAY[$2::text, $3::text])", ex("properties.$browser.x"));
        has(sql("select person.properties.$browser from events"), "->> $2::text");
    }

    @Test
    void personIdAndPersonJoin() {
        String s = sql("select person_id, person.properties.email from events");
        has(s, "coalesce(\"events__override\".\"override_person_id\", \"events\".\"person_id\") AS \"person_id\"",
                "LEFT JOIN \"person_overrides\" AS \"events__override\" ON \"events__override\".\"team_id\" = $1 AND "
                        + "\"events__override\".\"old_person_id\" = \"events\".\"person_id\"",
                "LEFT JOIN \"persons\" AS \"events__person\" ON \"events__person\".\"team_id\" = $1 AND "
                        + "\"events__person\".\"uuid\" = coalesce(",
                "(\"events__person\".\"properties\" ->> $2::text)");
        // no join when not needed
        assertTrue(!sql("select event from events").contains("person_overrides"));
        has(sql("select person.is_identified from person_distinct_ids"),
                "\"person_distinct_ids__person\".\"uuid\" = \"person_distinct_ids\".\"person_id\"");
        has(sql("select id from persons"), "\"persons\".\"uuid\" AS \"id\"");
    }

    @Test
    void joinsCarryTeamFilter() {
        has(sql("select e.event from events e left join persons p on p.id = e.person_id"),
                "LEFT JOIN \"persons\" AS \"p\" ON (\"p\".\"uuid\" = coalesce(", "AND \"p\".\"team_id\" = $1",
                "WHERE \"e\".\"team_id\" = $1");
        has(sql("select 1 from events e cross join persons p"), "INNER JOIN \"persons\" AS \"p\" ON \"p\".\"team_id\" = $1");
        has(sql("select 1 from events e full join persons p on true"),
                "(SELECT * FROM \"events\" AS \"events\" WHERE \"events\".\"team_id\" = $1) AS \"e\"",
                "FULL JOIN (SELECT * FROM \"persons\" AS \"persons\" WHERE \"persons\".\"team_id\" = $1) AS \"p\" ON TRUE");
        has(sql("select 1 from person_distinct_ids a join cohort_people b using (person_id)"),
                "ON \"a\".\"person_id\" = \"b\".\"person_id\" AND \"b\".\"team_id\" = $1");
    }

    @Test
    void subqueriesCtesUnions() {
        has(sql("select x from (select event as x from events) sub"),
                "FROM (SELECT \"events\".\"event\" AS \"x\" FROM \"events\" AS \"events\" WHERE \"events\".\"team_id\" = $1) AS \"sub\"");
        has(sql("with t as (select event from events) select event from t"), "FROM (SELECT \"events\".\"event\"");
        // UInt8 + UInt8 is ClickHouse's UInt16: it cannot overflow, PostgreSQL's operator
        has(sql("with 3 as n select n + 1"), "(3::bigint + 1::bigint)");
        String u = sql("select event from events union all select query from query_log");
        has(u, "(SELECT \"events\".\"event\"", ") UNION ALL (SELECT \"query_log\".\"query\"",
                "\"query_log\".\"team_id\" = $1", ") LIMIT 100");
        has(sql("select 1 from events where event in (select event from events)"),
                "(\"events\".\"event\" IN (SELECT \"events_2\".\"event\" AS \"event\" FROM \"events\" AS \"events_2\" "
                        + "WHERE \"events_2\".\"team_id\" = $1))");
    }

    @Test
    void operators() {
        assertEquals("(1::bigint + 2::bigint)", ex("1 + 2"));
        // a zero divisor is IEEE's inf / -inf / nan as ClickHouse's (V73_1), no NULLIF
        assertEquals("hogql_fdivide((7::bigint)::float8, (2::bigint)::float8)", ex("7 / 2"));
        // an integer modulo zero fails the query as ClickHouse's does (V67_2)
        assertEquals("(CASE WHEN 2::bigint = 0 THEN hogql_raise('Division by zero', 'illegal_division', NULL::bigint)"
                + " ELSE 7::bigint % 2::bigint END)", ex("7 % 2"));
        assertEquals("(\"events\".\"event\" LIKE $2::text)", ex("event like 'a%'"));
        assertEquals("(\"events\".\"event\" NOT ILIKE $2::text)", ex("event not ilike 'a%'"));
        assertEquals("(\"events\".\"event\" IN ($2::text, $3::text))", ex("event in ('a', 'b')"));
        assertEquals("(\"events\".\"event\" NOT IN ($2::text))", ex("event not in ('a')"));
        assertEquals("(1::bigint >= 0::bigint AND 1::bigint <= 2::bigint)", ex("1 between 0 and 2"));
        assertEquals("(\"events\".\"event\" IS NOT NULL)", ex("event is not null"));
        assertEquals("CASE WHEN (1::bigint = 1::bigint) THEN $2::text ELSE $3::text END",
                ex("case when 1 = 1 then 'a' else 'b' end"));
        assertEquals("ARRAY[1::bigint, 2::bigint]", ex("[1, 2]"));
        // past the end: ClickHouse's default of the element type
        assertEquals("COALESCE((ARRAY[1::bigint, 2::bigint])[quarry_int4((1::bigint)::numeric)], "
                + "0::bigint)", ex("[1, 2][1]"));
        assertEquals("((TRUE AND FALSE) OR (NOT TRUE))", ex("true and false or not true"));
        assertEquals("(\"events\".\"timestamp\" > $2::timestamptz)", ex("timestamp > '2024-01-01 00:00:00'"));
        assertEquals("((\"events\".\"timestamp\" + (1::bigint * INTERVAL '3 months')))", "(" + ex("timestamp + interval 1 quarter") + ")");
    }

    @Test
    void aggregates() {
        assertEquals("count(*) FILTER (WHERE (\"events\".\"event\" = $2::text))", ex("countIf(event = 'a')"));
        has(ex("sum(1)"), "hogql_wrap(coalesce(sum(1::bigint), 0), 64, true)::bigint");
        // floats: the sum scaled down by 2^64 and back up, over the count (inf past the largest double, V58_1)
        assertEquals("hogql_fdivide(hogql_fmultiply(sum((hogql_to_float((\"events\".\"properties\" ->> $2::text)))"
                + "::float8 * 5.421010862427522e-20::float8), 18446744073709551616::float8), "
                + "NULLIF(count(hogql_to_float((\"events\".\"properties\" ->> $2::text))), 0)::float8)",
                ex("avg(properties.x)"));
        assertEquals("count(DISTINCT \"events\".\"distinct_id\")", ex("uniq(distinct_id)"));
        assertEquals("count(DISTINCT \"events\".\"distinct_id\")", ex("uniqExact(distinct_id)"));
        assertEquals("count(DISTINCT \"events\".\"event\")", ex("count(distinct event)"));
        // of no rows, ClickHouse's any of a non-Nullable String is ''
        assertEquals("coalesce(hogql_any(\"events\".\"event\"), '')", ex("any(event)"));
        // a tie on the key takes the greatest value (argMin: the least), the same whatever the plan
        assertEquals("coalesce((array_agg(\"events\".\"event\" ORDER BY \"events\".\"timestamp\" DESC NULLS LAST, "
                + "\"events\".\"event\" DESC NULLS LAST))[1], '')", ex("argMax(event, timestamp)"));
        assertEquals("coalesce(array_agg(\"events\".\"event\") FILTER (WHERE \"events\".\"event\" IS NOT NULL), '{}')",
                ex("groupArray(event)"));
        assertEquals("percentile_cont(0.9) WITHIN GROUP (ORDER BY hogql_to_float((\"events\".\"properties\" ->> $2::text)))",
                ex("quantile(0.9)(properties.x)"));
        assertEquals("coalesce(min(\"events\".\"timestamp\"), '1970-01-01T00:00:00Z'::timestamptz)", ex("min(timestamp)"));
    }

    @Test
    void datesUseTeamTimezone() {
        CompiledQuery q = HogQLCompiler.compileSelect("select toStartOfDay(timestamp), toStartOfMonth(timestamp), "
                + "toDayOfWeek(timestamp) from events", CompileSettings.of(1).withTimezone("America/New_York"));
        has(q.sql(), "(date_trunc('day', (\"events\".\"timestamp\" AT TIME ZONE $2::text)) AT TIME ZONE $2::text)",
                "date_trunc('month', (\"events\".\"timestamp\" AT TIME ZONE $2::text))::date",
                "extract(isodow from (\"events\".\"timestamp\" AT TIME ZONE $2::text))::bigint");
        assertEquals(List.of(1L, "America/New_York"), q.params());
        assertEquals(List.of("DateTime64(6, 'UTC')", "Date", "Int64"), q.types());
        has(ex("dateDiff('day', timestamp, now())"), "::date - (", "::bigint");
        has(ex("formatDateTime(timestamp, '%Y-%m-%d')"), "to_char(");
        assertEquals("YYYY\"-\"MM\"-\"DD\" \"HH24\":\"MI", CoreFunctions.toCharPattern("%Y-%m-%d %H:%M"));
        assertEquals("(now() AT TIME ZONE $2::text)::date", ex("today()"));
    }

    @Test
    void stringConditionalConversionMathJsonArrayFunctions() {
        // ClickHouse's lower folds ASCII letters only
        assertEquals("hogql_lower_ascii(\"events\".\"event\")", ex("lower(event)"));
        assertEquals("octet_length(\"events\".\"event\")::bigint", ex("length(event)"));
        assertEquals("concat(\"events\".\"event\", $2::text)", ex("concat(event, 'x')"));
        has(ex("substring(event, 1, 2)"), "hogql_substring_bytes(\"events\".\"event\", "); // bytes, V58_2
        assertEquals("replace(\"events\".\"event\", $2::text, $3::text)", ex("replaceAll(event, 'a', 'b')"));
        assertEquals("btrim(\"events\".\"event\")", ex("trim(event)"));
        assertEquals("string_to_array(\"events\".\"event\", $2::text)", ex("splitByChar(',', event)"));
        // position counts bytes (ClickHouse's), positionUTF8 characters
        assertEquals("hogql_position_bytes(\"events\".\"event\", $2::text, 1)", ex("position(event, 'a')"));
        assertEquals("strpos(\"events\".\"event\", $2::text)::bigint", ex("positionUTF8(event, 'a')"));
        // a constant pattern is checked once per statement, so that an invalid one is an error naming it
        assertEquals("hogql_match(\"events\".\"event\", (SELECT hogql_regex_pattern($2::text)))", ex("match(event, '^a')"));
        assertEquals("hogql_regexp_extract(\"events\".\"event\", (SELECT hogql_regex_pattern($2::text)))",
                ex("extract(event, 'a(.)')"));
        // a pattern computed per row: checked as it is read for what RE2 refuses (backreferences, lookarounds; V91_1)
        assertEquals("hogql_match(\"events\".\"event\", hogql_re2_row_pattern(\"events\".\"distinct_id\"))",
                ex("match(event, distinct_id)"));
        assertEquals("(CASE WHEN (1::bigint > 2::bigint) THEN 1::bigint ELSE 2::bigint END)", ex("if(1 > 2, 1, 2)"));
        has(ex("multiIf(1 > 2, 'a', 'b')"), "(CASE WHEN (1::bigint > 2::bigint) THEN $2::text ELSE $3::text END)");
        assertEquals("coalesce((\"events\".\"properties\" ->> $2::text), $3::text)", ex("ifNull(properties.x, 'n')"));
        assertEquals("NULLIF(\"events\".\"event\", $2::text)", ex("nullIf(event, '')"));
        assertEquals("hogql_to_int(\"events\".\"event\")", ex("toInt(event)"));
        assertEquals("hogql_to_float(\"events\".\"event\")", ex("toFloat(event)"));
        assertEquals("hogql_to_uuid(\"events\".\"event\")", ex("toUUID(event)"));
        assertEquals("(\"events\".\"uuid\")::text", ex("toString(uuid)"));
        // a double from 2^52 up is whole already (round(1e308, 2) is the value, not x * 100's overflow)
        assertEquals("(CASE WHEN abs(((1.5)::float8)::float8) >= 4503599627370496 THEN ((1.5)::float8)::float8 ELSE "
                + "round(((1.5)::float8)::float8 * 1e0) / 1e0 END)", ex("round(1.5)"));
        // abs of a signed integer is unsigned in ClickHouse: 2^63 for -2^63, so held as numeric
        assertEquals("abs((-3)::bigint)", ex("abs(-3)")); // Int8's abs is UInt8: bigint holds it
        assertEquals("GREATEST(1::bigint, 2::bigint)", ex("greatest(1, 2)"));
        assertEquals("coalesce((\"events\".\"properties\" ->> $2::text), '')", ex("JSONExtractString(properties, 'a')"));
        assertEquals("coalesce(hogql_to_int((hogql_to_jsonb(\"events\".\"event\") ->> $2::text)), 0)",
                ex("JSONExtractInt(event, 'a')"));
        assertEquals("((\"events\".\"properties\" -> $2::text) IS NOT NULL)", ex("JSONHas(properties, 'a')"));
        assertEquals("coalesce((2::bigint) = ANY(ARRAY[1::bigint, 2::bigint]), FALSE)", ex("has([1, 2], 2)"));
        assertEquals("coalesce(cardinality(ARRAY[1::bigint]), 0)::bigint", ex("length([1])"));
        assertEquals("unnest(string_to_array(\"events\".\"event\", $2::text))", ex("arrayJoin(splitByChar(',', event))"));
        // grouped, it is the ARRAY JOIN clause (PostgreSQL groups no set-returning function of the select list)
        has(sql("select arrayJoin(splitByChar(',', event)) as tag, count() from events group by tag"),
                "CROSS JOIN LATERAL unnest(string_to_array(\"events\".\"event\", $2::text)) AS \"array_join\"(\"c0\")",
                "GROUP BY \"array_join\".\"c0\"");
        // two different arrays multiply rows in ClickHouse: not rewritten, refused with what to write instead
        HogQLResolutionException two = org.junit.jupiter.api.Assertions.assertThrows(HogQLResolutionException.class,
                () -> sql("select arrayJoin(splitByChar(',', event)) as a, arrayJoin(splitByChar(';', event)) as b, "
                        + "count() from events group by a, b"));
        has(two.getMessage(), "ARRAY JOIN arr AS x");
        // a column that read the array keeps the name its expression has
        assertEquals(List.of("count(arrayJoin(splitByChar(',', event)))"),
                c("select count(arrayJoin(splitByChar(',', event))) from events").columns());
    }

    @Test
    void limitsAndPlaceholders() {
        assertEquals(50_000, c("select 1 from events limit 1000000").limit());
        has(c("select 1 from events limit 1000000").sql(), "LIMIT 50000");
        CompiledQuery q = HogQLCompiler.compileSelect("select 1 from events limit 10 offset 20",
                CompileSettings.of(1).withExtraRow(true));
        has(q.sql(), "LIMIT 11 OFFSET 20");
        assertEquals(10, q.limit());
        assertEquals(20, q.offset());
        assertTrue(q.hogql().endsWith("LIMIT 10 OFFSET 20"));
        q = HogQLCompiler.compileSelect("select 1 from events limit 2, 3", CompileSettings.of(1));
        has(q.sql(), "LIMIT 3 OFFSET 2");
        q = HogQLCompiler.compileSelect("select 1 from events where event = {e} and {filters}",
                CompileSettings.of(1).withValues(Map.of("e", "x")));
        has(q.sql(), "(\"events\".\"event\" = $2::text) AND TRUE");
        q = HogQLCompiler.compileSelect("select 1 from events where {filters}",
                CompileSettings.of(1).withFilters(Parser.parseExpr("event = 'y'")));
        assertEquals(List.of(1L, "y"), q.params());
    }

    @Test
    void compileBuiltAst() {
        SelectQuery q = SelectQuery.of(List.of(Expr.Call.of("count")), "events",
                new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("$pageview")));
        CompiledQuery c = HogQLCompiler.compile(q, CompileSettings.of(5));
        assertEquals("SELECT count(*) AS \"c0\" FROM \"events\" AS \"events\" WHERE \"events\".\"team_id\" = $1 AND "
                + "(\"events\".\"event\" = $2::text) LIMIT 100", c.sql());
        assertEquals(List.of(5L, "$pageview"), c.params());
    }
    /**
     * ORs of one String expression's equalities with string constants read the expression once, as an IN list in the
     * place of the first of them (hogql.Disjunctions): one JSON extraction per row, not one per value. Other terms
     * keep their places.
     */
    @Test
    void orOfStringEqualitiesReadsTheValueOnce() {
        String s = sql("select count() from events where properties.x = 'a' or event = 'e' or properties.x = 'b'"
                + " or properties.x = 'c'");
        assertEquals(1, s.split("->>", -1).length - 1, s);
        has(s, "((\"events\".\"properties\" ->> $2::text) IN ($3::text, $4::text, $5::text)) OR "
                + "(\"events\".\"event\" = $6::text))");
        // ORs nested in groups are one list: the property read once
        String nested = sql("select count() from events where (properties.x = 'a' or properties.x = 'b')"
                + " or (properties.x = 'c' or (event = 'e' or properties.x = 'd'))");
        assertEquals(1, nested.split("->>", -1).length - 1, nested);
        has(nested, "IN ($3::text, $4::text, $5::text, $6::text)) OR (\"events\".\"event\" = $7::text)");
        // one equality alone prints as before
        has(sql("select count() from events where properties.x = 'a' or event = 'e'"),
                "((\"events\".\"properties\" ->> $2::text) = $3::text) OR (\"events\".\"event\" = $4::text)");
    }
}
