package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.hogql.Expr.Call;
import dev.quarry.hogql.Expr.Compare;
import dev.quarry.hogql.Expr.Constant;
import dev.quarry.hogql.Expr.Field;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParserTest {

    private static SelectQuery q(String s) {
        return (SelectQuery) Parser.parseSelect(s);
    }

    /** Parse, print as HogQL, and compare. */
    private static void roundTrip(String in, String expected) {
        assertEquals(expected, HogQLPrinter.print(Parser.parseSelect(in)));
        // printing is a fixed point
        assertEquals(expected, HogQLPrinter.print(Parser.parseSelect(expected)));
    }

    @Test
    void simpleSelect() {
        SelectQuery s = q("select event, count() from events where timestamp > now() - interval 7 day "
                + "group by event order by count() desc");
        assertEquals(List.of(Field.of("event"), Call.of("count")), s.select());
        assertEquals(JoinExpr.table("events", null), s.from().get(0));
        assertEquals(new Compare(">", Field.of("timestamp"),
                new Expr.Arithmetic("-", Call.of("now"), new Expr.Interval(new Constant(7L), "day"))), s.where());
        assertEquals(List.of(Field.of("event")), s.groupBy());
        assertTrue(s.orderBy().get(0).desc());
        assertNull(s.limit());
        roundTrip("select event, count() from events where timestamp > now() - interval 7 day group by event "
                + "order by count() desc",
                "SELECT event, count() FROM events WHERE timestamp > (now() - INTERVAL 7 DAY) GROUP BY event "
                        + "ORDER BY count() DESC");
    }

    @Test
    void distinctAliasesAndStars() {
        roundTrip("SELECT DISTINCT event AS e, distinct_id d, e.*, * FROM events AS e",
                "SELECT DISTINCT event AS e, distinct_id AS d, e.*, * FROM events AS e");
        roundTrip("select 1 from events e", "SELECT 1 FROM events AS e");
    }

    @Test
    void joins() {
        roundTrip("select 1 from events e join persons p on p.id = e.person_id left join persons p2 on p2.id = e.person_id "
                + "left outer join persons p3 using (id) any left join persons p4 on 1 = 1 right join persons p5 on true "
                + "full outer join persons p6 on true cross join persons p7 inner join persons p8 on true",
                "SELECT 1 FROM events AS e INNER JOIN persons AS p ON p.id = e.person_id LEFT JOIN persons AS p2 ON "
                        + "p2.id = e.person_id LEFT JOIN persons AS p3 USING (id) LEFT JOIN persons AS p4 ON 1 = 1 "
                        + "RIGHT JOIN persons AS p5 ON true FULL JOIN persons AS p6 ON true CROSS JOIN persons AS p7 "
                        + "INNER JOIN persons AS p8 ON true");
        // valid in PostHog's grammar, refused by name here (ClickHouse needs ON/USING too)
        assertThrows(HogQLUnsupportedException.class, () -> q("select 1 from events e join persons p"));
        assertThrows(HogQLUnsupportedException.class,
                () -> q("select 1 from events e left semi join persons p on e.person_id = p.id"));
        assertThrows(HogQLUnsupportedException.class,
                () -> q("select 1 from events e any left anti join persons p on e.person_id = p.id"));
        assertThrows(HogQLUnsupportedException.class,
                () -> q("select 1 from events e asof join persons p on e.person_id = p.id and e.timestamp >= p.created_at"));
    }

    @Test
    void subqueriesAndIn() {
        roundTrip("select x from (select event as x from events) as sub where x in (select event from events) "
                + "and x not in ('a', 'b') and x in ('a') and (1, 2) in ((1, 2))",
                "SELECT x FROM (SELECT event AS x FROM events) AS sub WHERE x IN (SELECT event FROM events) AND "
                        + "x NOT IN ('a', 'b') AND x IN ('a') AND (1, 2) IN (1, 2)");
        SelectQuery s = q("select 1 from events where event in (select event from events)");
        assertInstanceOf(SelectQuery.class, ((Compare) s.where()).right());
    }

    @Test
    void ctes() {
        SelectQuery s = q("with x as (select event from events), now() - interval 1 day as since "
                + "select * from x where since < now()");
        assertEquals(2, s.ctes().size());
        assertTrue(s.ctes().get(0).subquery());
        assertEquals("since", s.ctes().get(1).name());
        assertTrue(!s.ctes().get(1).subquery());
        roundTrip("with x as (select event from events) select * from x",
                "WITH x AS (SELECT event FROM events) SELECT * FROM x");
    }

    @Test
    void clauses() {
        roundTrip("select event from events prewhere event = 'a' where 1 = 1 group by event having count() > 1 "
                + "order by event asc nulls first, 1 desc nulls last limit 10 offset 5",
                "SELECT event FROM events WHERE event = 'a' AND 1 = 1 GROUP BY event HAVING count() > 1 "
                        + "ORDER BY event ASC NULLS FIRST, 1 DESC NULLS LAST LIMIT 10 OFFSET 5");
        SelectQuery s = q("select event from events limit 5, 10");
        assertEquals(new Constant(10L), s.limit());
        assertEquals(new Constant(5L), s.offset());
        s = q("select event from events limit 2 by event limit 10");
        assertEquals(new Constant(2L), s.limitBy().n());
        assertEquals(List.of(Field.of("event")), s.limitBy().exprs());
        assertEquals(new Constant(10L), s.limit());
        s = q("select event from events offset 3");
        assertEquals(new Constant(3L), s.offset());
    }

    @Test
    void unionAll() {
        SelectLike u = Parser.parseSelect("select 1 union all select 2 union all (select 3)");
        assertEquals(3, ((SelectUnion) u).selects().size());
        // UNION (distinct), INTERSECT, EXCEPT; INTERSECT DISTINCT reads as INTERSECT
        SelectUnion set = (SelectUnion) Parser.parseSelect(
                "select 1 union select 2 union distinct select 3 intersect distinct select 4 except select 5");
        assertEquals(List.of("UNION", "UNION", "INTERSECT", "EXCEPT"), set.ops());
        roundTrip("select 1 intersect select 2 except (select 3 union all select 4)",
                "SELECT 1 INTERSECT SELECT 2 EXCEPT (SELECT 3 UNION ALL SELECT 4)");
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 1 except distinct select 2"));
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 1 intersect"));
    }

    @Test
    void operators() {
        assertEquals(new Expr.Arithmetic("+", new Constant(1L), new Expr.Arithmetic("*", new Constant(2L), new Constant(3L))),
                Parser.parseExpr("1 + 2 * 3"));
        assertEquals(new Expr.Arithmetic("%", new Expr.Arithmetic("/", new Constant(6L), new Constant(2L)), new Constant(4L)),
                Parser.parseExpr("6 / 2 % 4"));
        for (String op : List.of("=", "==", "!=", "<>", "<", "<=", ">", ">=")) {
            Compare c = (Compare) Parser.parseExpr("a " + op + " 1");
            String expect = op.equals("==") ? "=" : op.equals("<>") ? "!=" : op;
            assertEquals(expect, c.op());
        }
        assertEquals(new Expr.Or(List.of(new Expr.And(List.of(Field.of("a"), Field.of("b"))), new Expr.Not(Field.of("c")))),
                Parser.parseExpr("a and b or not c"));
        assertEquals("like", ((Compare) Parser.parseExpr("a like 'x%'")).op());
        assertEquals("not like", ((Compare) Parser.parseExpr("a not like 'x%'")).op());
        assertEquals("ilike", ((Compare) Parser.parseExpr("a ilike 'x%'")).op());
        assertEquals("not ilike", ((Compare) Parser.parseExpr("a NOT ILIKE 'x%'")).op());
        assertEquals(new Expr.Between(Field.of("a"), new Constant(1L), new Constant(2L), false),
                Parser.parseExpr("a between 1 and 2"));
        assertEquals(new Expr.Between(Field.of("a"), new Constant(1L), new Constant(2L), true),
                Parser.parseExpr("a not between 1 and 2"));
        assertEquals(new Expr.IsNull(Field.of("a"), false), Parser.parseExpr("a is null"));
        assertEquals(new Expr.IsNull(Field.of("a"), true), Parser.parseExpr("a IS NOT NULL"));
        assertEquals(new Expr.Negate(Field.of("a")), Parser.parseExpr("-a"));
        assertEquals(new Constant(-3L), Parser.parseExpr("-3"));
        assertEquals(Call.of("concat", Field.of("a"), Field.of("b")), Parser.parseExpr("a || b"));
    }

    @Test
    void caseExpressions() {
        assertEquals(new Expr.Case(null, List.of(Parser.parseExpr("a > 1")), List.of(new Constant("x")), new Constant("y")),
                Parser.parseExpr("case when a > 1 then 'x' else 'y' end"));
        assertEquals(new Expr.Case(Field.of("a"), List.of(new Constant(1L), new Constant(2L)),
                List.of(new Constant("x"), new Constant("y")), null),
                Parser.parseExpr("CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' END"));
    }

    @Test
    void intervals() {
        for (String u : List.of("second", "minute", "hour", "day", "week", "month", "quarter", "year")) {
            assertEquals(new Expr.Interval(new Constant(3L), u), Parser.parseExpr("interval 3 " + u));
            assertEquals(new Expr.Interval(new Constant(3L), u), Parser.parseExpr("INTERVAL 3 " + u.toUpperCase()));
            assertEquals(new Expr.Interval(new Constant(3L), u), Parser.parseExpr("interval '3 " + u + "s'"));
            assertEquals(new Expr.Interval(new Constant(3L), u), Parser.parseExpr("interval '3' " + u));
            // PostHog's grammar takes the plural only inside the string
            assertThrows(HogQLSyntaxException.class, () -> Parser.parseExpr("interval 3 " + u + "s"));
        }
        assertEquals(new Expr.Interval(new Constant(7L), "day"), Parser.parseExpr("interval '7 day'"));
        assertEquals(new Expr.Interval(new Expr.Placeholder("n"), "day"), Parser.parseExpr("interval {n} day"));
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseExpr("interval 7 fortnight"));
    }

    @Test
    void literals() {
        assertEquals(new Expr.ArrayLit(List.of(new Constant(1L), new Constant(2L))), Parser.parseExpr("[1, 2]"));
        assertEquals(new Expr.ArrayLit(List.of()), Parser.parseExpr("[]"));
        assertEquals(new Expr.TupleLit(List.of(new Constant(1L), new Constant("a"))), Parser.parseExpr("(1, 'a')"));
        assertEquals(new Expr.ArrayAccess(Field.of("arr"), new Constant(1L)), Parser.parseExpr("arr[1]"));
        assertEquals(new Constant("a'b"), Parser.parseExpr("'a\\'b'"));
        assertEquals(new Constant("a'b"), Parser.parseExpr("'a''b'"));
        assertEquals(new Constant("a\\b"), Parser.parseExpr("'a\\\\b'"));
        assertEquals(new Constant("a\nb"), Parser.parseExpr("'a\\nb'"));
        assertEquals(new Constant(42L), Parser.parseExpr("42"));
        assertEquals(new Constant(1.5), Parser.parseExpr("1.5"));
        assertEquals(new Constant(1.5e3), Parser.parseExpr("1.5e3"));
        assertEquals(new Constant(2e-2), Parser.parseExpr("2E-2"));
        assertEquals(new Constant(true), Parser.parseExpr("true"));
        assertEquals(new Constant(false), Parser.parseExpr("FALSE"));
        assertEquals(new Constant(null), Parser.parseExpr("null"));
        assertEquals(new Expr.Placeholder("filters"), Parser.parseExpr("{filters}"));
    }

    @Test
    void identifiersAndChains() {
        assertEquals(Field.of("properties", "$browser"), Parser.parseExpr("properties.$browser"));
        assertEquals(Field.of("person", "properties", "email"), Parser.parseExpr("person.properties.email"));
        assertEquals(Field.of("properties", "$key with space"), Parser.parseExpr("properties.`$key with space`"));
        // a string after '.' is a syntax error in PostHog's grammar (use properties['…'])
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseExpr("properties.'$key with space'"));
        assertEquals(Field.of("my col"), Parser.parseExpr("`my col`"));
        assertEquals(Field.of("my\"col"), Parser.parseExpr("\"my\"\"col\""));
        assertEquals(Field.of("properties", "a", "b"), Parser.parseExpr("properties.a.b"));
        assertEquals(new Expr.Star("e"), Parser.parseExpr("e.*"));
    }

    @Test
    void calls() {
        assertEquals(Call.of("count"), Parser.parseExpr("count()"));
        assertEquals(Call.of("count"), Parser.parseExpr("count(*)"));
        assertEquals(new Call("count", List.of(Field.of("x")), null, true), Parser.parseExpr("count(distinct x)"));
        assertEquals(new Call("quantile", List.of(Field.of("x")), List.of(new Constant(0.9)), false),
                Parser.parseExpr("quantile(0.9)(x)"));
        assertEquals("quantile(0.9)(x)", HogQLPrinter.print(Parser.parseExpr("quantile(0.9)(x)")));
        assertEquals("count(DISTINCT x)", HogQLPrinter.print(Parser.parseExpr("count(distinct x)")));
    }

    @Test
    void comments() {
        SelectQuery s = q("select /* hello */ event -- trailing\nfrom events -- end");
        assertEquals(List.of(Field.of("event")), s.select());
    }

    @Test
    void syntaxErrorsCarryPosition() {
        HogQLSyntaxException e = assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 1;\nselect 2"));
        assertEquals(2, e.line());
        assertEquals(1, e.column());
        assertEquals(10, e.start());
        assertEquals(16, e.end());
        e = assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select from events"));
        assertEquals(8, e.column());
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 'abc"));
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select (1"));
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("delete from events"));
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 1;;"));
        // valid HogQL that Quarry refuses by name (a 400 hogql_query_error, not a syntax error)
        HogQLUnsupportedException u = assertThrows(HogQLUnsupportedException.class,
                () -> Parser.parseSelect("select 'x'::regclass"));
        assertEquals("A cast to regclass is not supported by Quarry (line 1, column 13)", u.getMessage());
        assertThrows(HogQLUnsupportedException.class, () -> Parser.parseSelect("select 1 from events settings x = 1"));
        // a later syntax error wins over an earlier unsupported construct, as PostHog's parser reports it
        assertThrows(HogQLSyntaxException.class, () -> Parser.parseSelect("select 'x'::regclass from"));
        // as PostHog's lexer reads them: 12abc is 12 aliased abc; an unterminated /* is '/' '*'
        assertEquals(new Expr.Alias(new Constant(12L), "abc"), q("select 12abc").select().get(0));
        assertEquals(new Expr.Alias(new Expr.Arithmetic("/", new Constant(1L), new Expr.Star(null)), "open"),
                q("select 1 /* open").select().get(0));
        // a trailing semicolon alone is fine
        assertEquals(q("select 1"), q("select 1;"));
    }

    @Test
    void positionsAreRecorded() {
        Parser p = new Parser("select foo from events");
        SelectQuery s = (SelectQuery) p.selectStatement();
        int[] pos = p.positions().get(s.select().get(0));
        assertEquals(7, pos[0]);
        assertEquals(10, pos[1]);
    }

    @Test
    void issue19Constructs() {
        // lambdas: one parameter bare, several in parentheses; only as call arguments
        roundTrip("select arrayMap(x -> x * 2, arr), arrayFilter((a, b) -> a > b, xs, ys) from t",
                "SELECT arrayMap(x -> (x * 2), arr), arrayFilter((a, b) -> a > b, xs, ys) FROM t");
        assertEquals(new Expr.Lambda(List.of("x"), Field.of("x")),
                ((Call) q("select f(x -> x)").select().get(0)).args().get(0));
        // a parenthesised expression that is not a parameter list stays an expression
        assertEquals(List.of(new Expr.Arithmetic("+", Field.of("a"), new Constant(1L))),
                ((Call) q("select f((a + 1))").select().get(0)).args());
        // ARRAY JOIN, LEFT ARRAY JOIN, several arrays side by side
        roundTrip("select x, y from t array join arr as x, [1, 2] as y",
                "SELECT x, y FROM t ARRAY JOIN arr AS x, [1, 2] AS y");
        roundTrip("select b from t left array join bs as b", "SELECT b FROM t LEFT ARRAY JOIN bs AS b");
        // PostHog: "ARRAY JOIN arrays must have an alias", and one ARRAY JOIN clause per SELECT
        assertThrows(HogQLSyntaxException.class, () -> q("select arr from t array join arr"));
        assertThrows(HogQLSyntaxException.class, () -> q("select 1 from t array join [1]"));
        assertThrows(HogQLSyntaxException.class, () -> q("select 1 from t array join a as x left array join b as y"));
        // IN COHORT becomes a subquery on cohort_people
        SelectQuery c = q("select 1 from events where person_id in cohort 12");
        assertEquals("person_id IN (SELECT person_id FROM cohort_people WHERE cohort_id = 12)",
                HogQLPrinter.print(c.where()));
        c = q("select 1 from events where person_id not in cohort 'Power users'");
        assertEquals("person_id NOT IN (SELECT person_id FROM cohort_people WHERE cohort_id = 'Power users')",
                HogQLPrinter.print(c.where()));
        // "cohort" as an ordinary name still works
        assertEquals(new Compare("in", Field.of("x"), Field.of("cohort")), q("select 1 where x in cohort").where());
        // bracket access with string keys is a property chain
        assertEquals(Field.of("properties", "$browser", "a b"), q("select properties['$browser']['a b']").select().get(0));
        assertInstanceOf(Expr.ArrayAccess.class, q("select arr[1]").select().get(0));
        // a trailing comma before FROM (or the end)
        assertEquals(2, q("select a, b, from t").select().size());
        assertEquals(1, q("select a,").select().size());
        assertThrows(HogQLSyntaxException.class, () -> q("select a,, from t"));
    }
}
