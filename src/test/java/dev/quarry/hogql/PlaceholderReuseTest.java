package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** One expression value filling placeholders in two scopes resolves in each scope to that scope's table. */
class PlaceholderReuseTest {
    @Test
    void aValueUsedInTwoSubqueriesResolvesInEach() {
        Expr where = new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("a"));
        CompiledQuery q = HogQLCompiler.compileSelect(
                "select x.person_id from (select person_id from events where {w}) as x "
                        + "join (select person_id from events where {w}) as y on x.person_id = y.person_id",
                CompileSettings.of(1).withValues(Map.of("w", where)));
        assertTrue(q.sql().contains("\"events\".\"event\" = $2::text"), q.sql());
        assertTrue(q.sql().contains("\"events_2\".\"event\" = $2::text"), q.sql());
    }
}
