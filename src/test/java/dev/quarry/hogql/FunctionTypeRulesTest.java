package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The type rules apart from SQL: the operators' rules in {@link HogQLTypes} (types in, type out), the typed entries
 * of the function table (a {@link Functions.TypeRule} beside how the entry prints), and the clock instant HogQL's
 * {@code now()}/{@code today()} bind (no database: the printed SQL and parameters are checked).
 */
class FunctionTypeRulesTest {
    private static final String DT = Schema.DATETIME;

    @Test
    void arithmeticTypesFollowClickHouse() {
        assertEquals("Int64", HogQLTypes.arithmetic("+", "Int64", "Bool"));
        assertEquals("Float64", HogQLTypes.arithmetic("/", "Int64", "Int64"));
        assertEquals("Float64", HogQLTypes.arithmetic("*", "Int64", "Nullable(Float64)"));
        assertEquals("Int64", HogQLTypes.arithmetic("%", "Int64", "Int64"));
        // dates: ± an integer counts days (a Date stays a Date), ± an interval keeps the DateTime's zone
        assertEquals("Date", HogQLTypes.arithmetic("-", "Date", "Int64"));
        assertEquals("Date", HogQLTypes.arithmetic("+", "Int64", "Date"));
        assertEquals("DateTime64(6, 'Europe/Paris')",
                HogQLTypes.arithmetic("+", "Interval", "DateTime64(6, 'Europe/Paris')"));
        assertEquals("Nullable(" + DT + ")", HogQLTypes.arithmetic("-", "String", "Interval"));
        assertEquals("Int64", HogQLTypes.arithmetic("-", "Date", "Date"));
        assertEquals("Float64", HogQLTypes.arithmetic("-", DT, "Date"));
        assertEquals("Interval", HogQLTypes.arithmetic("+", "Interval", "Interval"));
        HogQLResolutionException e = assertThrows(HogQLResolutionException.class,
                () -> HogQLTypes.arithmetic("*", "Int64", "Interval"));
        assertEquals("Cannot apply * to Int64 and Interval", e.getMessage());
        assertThrows(HogQLResolutionException.class, () -> HogQLTypes.arithmetic("+", "UUID", "Interval"));
    }

    @Test
    void valuesThatMeetAreUnified() {
        assertEquals("Float64", HogQLTypes.unify(List.of("Int64", "Float64")));
        assertEquals("Nullable(Int64)", HogQLTypes.unify(List.of("Int64", HogQLTypes.NULL_TYPE)));
        assertEquals(DT, HogQLTypes.unify(List.of("Date", DT)));
        assertEquals("Nullable(String)", HogQLTypes.unify(List.of("Int64", "Nullable(String)")));
        assertEquals(HogQLTypes.NULL_TYPE, HogQLTypes.unify(List.of(HogQLTypes.NULL_TYPE)));
        // CASE without ELSE may give NULL
        assertEquals("Nullable(Int64)", HogQLTypes.caseResult(List.of("Int64", "Int64"), false));
        assertEquals("Int64", HogQLTypes.caseResult(List.of("Int64", "Int64"), true));
        assertEquals("Array(String)", HogQLTypes.arrayOf(List.of()));
        assertEquals("Array(Nullable(String))", HogQLTypes.arrayOf(List.of(HogQLTypes.NULL_TYPE)));
        assertEquals("Array(Float64)", HogQLTypes.arrayOf(List.of("Int64", "Float64")));
        assertThrows(HogQLResolutionException.class, () -> HogQLTypes.arrayOf(List.of("Array(Int64)")));
        assertEquals("Tuple(Int64, String)", HogQLTypes.tupleOf(List.of("Int64", "String")));
        assertEquals("Int64", HogQLTypes.access("Array(Int64)")); // past the end: 0, ClickHouse's default
        assertEquals("Nullable(String)", HogQLTypes.access("JSON"));
        assertEquals("Nullable(UUID)", HogQLTypes.subqueryValue("UUID"));
    }

    @Test
    void fieldTypesComeFromTheSchema() {
        Schema.TableDef events = Schema.table("events");
        assertEquals(DT, Schema.fieldType(events.field("timestamp"), List.of()));
        assertEquals("Nullable(String)", Schema.fieldType(events.field("properties"), List.of("$browser")));
        assertEquals("Nullable(String)", Schema.fieldType(events.field("properties"), List.of("a", "b")));
        assertEquals("JSON", Schema.fieldType(events.field("properties"), List.of()));
        assertEquals("Date", Schema.fieldType(Schema.table("query_log").field("event_date"), List.of()));
    }

    @Test
    void typedEntriesKeepTheirTypeRuleApartFromTheirSql() {
        Functions.Spec xor = Functions.lookup("bitXor");
        assertNotNull(xor.type());
        assertEquals("Nullable(Int64)", xor.type().type(List.of("Int64", "Nullable(Int64)"), Expr.Call.of("bitXor")));
        assertEquals("Int64", xor.type().type(List.of("Int64", "Int64"), Expr.Call.of("bitXor")));
        assertThrows(HogQLResolutionException.class,
                () -> xor.type().type(List.of("String", "Int64"), Expr.Call.of("bitXor")));
        assertEquals("Float64", Functions.lookup("pi").type().type(List.of(), Expr.Call.of("pi")));
        // the operator functions take the operators' rules
        assertEquals("Float64", Functions.lookup("plus").type().type(List.of("Int64", "Float64"), Expr.Call.of("plus")));
        // the printed columns carry the rule's types
        CompiledQuery q = HogQLCompiler.compileSelect(
                "select bitXor(toInt('7'), 1), bitAnd(1, 2), pi(), e(), now(), today(), yesterday()",
                CompileSettings.of(1));
        // bitAnd(1, 2): UInt8 and UInt8 is UInt8 (ClickHouse's ResultOfBit)
        assertEquals(List.of("Nullable(Int64)", "UInt8", "Float64", "Float64", DT, "Date", "Date"), q.types());
    }

    @Test
    void nowTodayAndYesterdayBindTheCompileInstant() {
        Instant now = Instant.parse("2020-01-19T18:00:00Z");
        CompiledQuery q = HogQLCompiler.compileSelect("select now(), today(), yesterday(), now() - interval 1 day",
                CompileSettings.of(1).withTimezone("Pacific/Kiritimati").withNow(now));
        assertFalse(q.sql().contains("now()"), q.sql());
        assertTrue(q.params().contains(OffsetDateTime.parse("2020-01-19T18:00:00Z")), q.params().toString());
        // +14 h: the local day is already the 20th
        assertTrue(q.params().contains(LocalDate.parse("2020-01-20")), q.params().toString());
        assertTrue(q.params().contains(LocalDate.parse("2020-01-19")), q.params().toString());
        // without an instant (a caller with no clock) the statement reads PostgreSQL's own time
        CompiledQuery unclocked = HogQLCompiler.compileSelect("select now(), today()", CompileSettings.of(1));
        assertTrue(unclocked.sql().contains("now()"), unclocked.sql());
    }

    /**
     * The typing pass assigns every expression node its type before printing, and the printer's column types are
     * those types: operators, fields, function calls, lambda bodies and parameters, subqueries, CASE, arrays, tuples.
     */
    @Test
    void theTypingPassTypesEveryNodeBeforePrinting() {
        SelectLike q = Parser.parseSelect("select event, toStartOfDay(timestamp) + interval 1 hour,"
                + " if(properties.$browser = 'Chrome', 1, 2.5), arrayMap(x -> x * 2, [1, 2]), (1, 'a'),"
                + " multiIf(event like '%a%', 'a', null), [1, 2][1], -count() over (partition by event),"
                + " (select max(timestamp) from events), not (1 between 0 and 2) and person_id is not null"
                + " from events where distinct_id in (select distinct_id from events where event != 'x')"
                + " group by event, timestamp, properties.$browser, person_id, distinct_id");
        Resolver.Resolution res = Resolver.resolve(q);
        Typer.typeQuery(q, res);
        java.util.List<Expr> untyped = new java.util.ArrayList<>();
        java.util.List<Expr> all = new java.util.ArrayList<>();
        collect(q, res, all);
        for (Expr e : all) {
            if (!res.types.containsKey(e)) {
                untyped.add(e);
            }
        }
        assertTrue(all.size() > 50, "nodes walked: " + all.size());
        assertEquals(List.of(), untyped);
        // ClickHouse's: [1, 2] is Array(UInt8) and x * 2 of UInt8s UInt16; 1 is UInt8
        assertEquals(List.of("String", DT, "Float64", "Array(UInt16)", "Tuple(UInt8, String)", "Nullable(String)",
                "UInt8", "Int64", "Nullable(" + DT + ")", "UInt8"), res.columnTypes(q, true));
        // the printed columns are the typing pass's types
        assertEquals(res.columnTypes(q, true), new PostgresPrinter(res, CompileSettings.of(1)).top(q, 10L, 0L).types());
    }

    /** Every expression node of a resolved query the printer prints (aliases, stars and lambdas themselves aside). */
    private static void collect(Object node, Resolver.Resolution res, List<Expr> out) {
        if (node instanceof SelectQuery s) {
            Resolver.QueryScope scope = res.scope(s);
            scope.columns.forEach(c -> collect(c.expr(), res, out));
            scope.sources.stream().filter(src -> src.subquery != null).forEach(src -> collect(src.subquery, res, out));
            collect(s.where(), res, out);
            s.groupBy().forEach(g -> collect(g, res, out));
            return;
        }
        if (node instanceof Expr.Lambda l) {
            collect(l.body(), res, out);
            return;
        }
        if (node instanceof Expr.Window w) {
            out.add(w);
            w.call().args().forEach(a -> collect(a, res, out));
            w.partitionBy().forEach(a -> collect(a, res, out));
            return;
        }
        if (!(node instanceof Expr e)) {
            return;
        }
        out.add(e);
        List<Object> children = new java.util.ArrayList<>();
        if (e instanceof Expr.Call x) {
            children.addAll(x.args());
        } else if (e instanceof Expr.Arithmetic x) {
            children.addAll(List.of(x.left(), x.right()));
        } else if (e instanceof Expr.Compare x) {
            children.addAll(List.of(x.left(), x.right()));
        } else if (e instanceof Expr.Negate x) {
            children.add(x.expr());
        } else if (e instanceof Expr.Not x) {
            children.add(x.expr());
        } else if (e instanceof Expr.IsNull x) {
            children.add(x.expr());
        } else if (e instanceof Expr.And x) {
            children.addAll(x.exprs());
        } else if (e instanceof Expr.Or x) {
            children.addAll(x.exprs());
        } else if (e instanceof Expr.Between x) {
            children.addAll(List.of(x.expr(), x.low(), x.high()));
        } else if (e instanceof Expr.Interval x) {
            children.add(x.amount());
        } else if (e instanceof Expr.ArrayLit x) {
            children.addAll(x.items());
        } else if (e instanceof Expr.TupleLit x) {
            children.addAll(x.items());
        } else if (e instanceof Expr.ArrayAccess x) {
            children.addAll(List.of(x.array(), x.index()));
        } else if (e instanceof Expr.Case x) {
            children.addAll(x.conditions());
            children.addAll(x.results());
            children.add(x.otherwise());
        }
        children.forEach(x -> collect(x, res, out));
    }
}
