package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Functions;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.Parser;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The internal #funnel aggregate: runners can emit it, users cannot write it. */
class FunnelHogQLTest {
    @Test
    void usersCannotCallTheInternalFunction() {
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(
                "SELECT #funnel(timestamp, 1, 1, 1, 1, 0, '') FROM events", CompileSettings.of(1)));
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(
                "SELECT `#funnel`(timestamp, 1, 1, 1, 1, 0, '') FROM events", CompileSettings.of(1)));
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(
                "SELECT funnel(timestamp, 1, 1, 1, 1, 0, '') FROM events", CompileSettings.of(1)));
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(
                "SELECT quarry_funnel(timestamp, 1, 1, 1, 1, 0, '') FROM events", CompileSettings.of(1)));
    }

    @Test
    void runnersEmitItThroughAPlaceholder() {
        Map<String, Object> values = new HashMap<>();
        values.put("f", Expr.Call.of(Functions.FUNNEL, Expr.Field.of("timestamp"), new Expr.Constant(1L),
                new Expr.Constant(1L), new Expr.Constant(2L), new Expr.Constant(60.0), new Expr.Constant(0L),
                new Expr.Constant("")));
        CompiledQuery q = HogQLCompiler.compile(Parser.parseSelect(
                "SELECT person_id, {f} AS r FROM events GROUP BY person_id"), CompileSettings.of(7).withValues(values));
        assertTrue(q.sql().contains("quarry_funnel(array_agg(extract(epoch FROM"), q.sql());
        assertTrue(q.sql().contains("ORDER BY"), q.sql());
        assertTrue(q.sql().contains("\"events\".\"team_id\" = $1"), q.sql());
    }
}
