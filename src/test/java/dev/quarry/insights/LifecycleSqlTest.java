package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.Parser;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifecycle cells compile to one statement over the team's events only. */
class LifecycleSqlTest {
    @Test
    void cellsCompile() {
        ZonedDateTime now = ZonedDateTime.of(2020, 1, 20, 0, 0, 0, 0, ZoneId.of("UTC"));
        QueryDateRange range = QueryDateRange.resolve(new ObjectMapper().createObjectNode().put("date_from", "2020-01-09")
                .put("date_to", "2020-01-19"), Interval.DAY, 0, now, "-7d", null);
        LifecycleQueryRunner.Plan plan = new LifecycleQueryRunner.Plan(
                Series.parse(new ObjectMapper().createObjectNode().put("event", "$pageview"), 0, "series"), range,
                new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("$pageview")), null, null);
        CompiledQuery q = HogQLCompiler.compile(Parser.parseSelect("SELECT period, status, count() FROM {cells} AS c "
                + "GROUP BY period, status"), CompileSettings.of(7).withValues(Map.of("cells",
                LifecycleQueryRunner.cells(plan))));
        assertTrue(q.sql().contains("UNION ALL"), q.sql());
    }
}
