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
        assertEquals("Nullable(Int64)", HogQLTypes.access("Array(Int64)"));
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
        assertEquals(List.of("Nullable(Int64)", "Int64", "Float64", "Float64", DT, "Date", "Date"), q.types());
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
}
