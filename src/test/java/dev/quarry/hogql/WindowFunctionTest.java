package dev.quarry.hogql;

import static dev.quarry.hogql.PrinterTest.c;
import static dev.quarry.hogql.PrinterTest.has;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Window functions: parse, resolve, print (HogQL and PostgreSQL), and the places they are refused. */
class WindowFunctionTest {
    @Test
    void parsesIntoAWindowNode() {
        Expr e = Parser.parseExpr("lagInFrame(event, 2) OVER (PARTITION BY distinct_id ORDER BY timestamp DESC)");
        Expr.Window w = (Expr.Window) e;
        assertEquals("lagInFrame", w.call().name());
        assertEquals(List.of(Expr.Field.of("distinct_id")), w.partitionBy());
        assertEquals(true, w.orderBy().get(0).desc());
        assertEquals("lagInFrame(event, 2) OVER (PARTITION BY distinct_id ORDER BY timestamp DESC)", HogQLPrinter.print(e));
    }

    @Test
    void printsPostgresqlWindows() {
        CompiledQuery q = c("select row_number() over (partition by distinct_id order by timestamp) as n, "
                + "leadInFrame(event) over (order by timestamp) as next, sum(1) over () as total from events");
        has(q.sql(), "row_number() OVER (PARTITION BY \"events\".\"distinct_id\" ORDER BY \"events\".\"timestamp\" ASC)",
                "lead(\"events\".\"event\") OVER (ORDER BY \"events\".\"timestamp\" ASC)", " OVER ()",
                "\"events\".\"team_id\" = $1");
        assertEquals(List.of("UInt64", "Nullable(String)"), q.types().subList(0, 2));
    }

    /** sum and avg print wrapped (coalesce / overflow guard / cast): OVER belongs to the aggregate inside. */
    @Test
    void wrappedAggregatesTakeOverInside() {
        CompiledQuery q = c("select sum(1) over (partition by event) as s, avg(1) over () as a from events");
        has(q.sql(), "coalesce(sum(1::bigint) OVER (PARTITION BY \"events\".\"event\"), 0)",
                "(avg(1::bigint) OVER ())::float8");
        // sum of UInt8 is UInt64 in ClickHouse (AggregateFunctionSum), over a window too
        assertEquals(List.of("UInt64", "Nullable(Float64)"), q.types());
    }

    @Test
    void refusedWhereTheyCannotBe() {
        assertThrows(HogQLResolutionException.class, () -> c("select row_number() from events"));
        assertThrows(HogQLResolutionException.class, () -> c("select event from events where row_number() over () = 1"));
        assertThrows(HogQLResolutionException.class, () -> c("select lower(event) over () from events"));
        assertThrows(HogQLResolutionException.class, () -> c("select median(1) over () from events"));
        assertThrows(HogQLResolutionException.class, () -> c("select sum(1) over w from events"));
        assertThrows(HogQLResolutionException.class,
                () -> c("select sum(1) over (range between 1 preceding and current row) from events"));
        assertThrows(HogQLSyntaxException.class, () -> c("select sum(1) over (rows between 1 preceding) from events"));
    }
}
