package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code FROM {name}} (PostHog's table placeholder): a subquery given as an AST composes with the outer query as a
 * tree, its own constants still bound as parameters and its tables still behind the team wall; any other value there
 * is a HogQL error (a 400), never a crash.
 */
class SubqueryPlaceholderTest {
    @Test
    void aSubqueryAstFillsFrom() {
        SelectLike inner = Placeholders.replace(Parser.parseSelect(
                "select person_id, count() as n from events where event = {e} group by person_id"),
                Map.of("e", "$pageview"), null);
        CompiledQuery q = HogQLCompiler.compileSelect("select n, count() from {cells} as c group by n",
                CompileSettings.of(42).withValues(Map.of("cells", inner)));
        assertEquals(List.of(42L, "$pageview"), q.params().subList(0, 2));
        assertTrue(q.sql().contains("team_id\" = $1"), q.sql());
        assertTrue(!q.sql().contains("$pageview"), q.sql());
        // the same tree as the subquery written out in the text
        CompiledQuery written = HogQLCompiler.compileSelect("select n, count() from (select person_id, count() as n "
                + "from events where event = {e} group by person_id) as c group by n",
                CompileSettings.of(42).withValues(Map.of("e", "$pageview")));
        assertEquals(written.sql(), q.sql());
    }

    @Test
    void anythingButASubqueryThereIsAHogQLError() {
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect("select 1 from {t}",
                CompileSettings.of(1).withValues(Map.of("t", "events"))));
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect("select 1 from {t}",
                CompileSettings.of(1)));
    }
}
