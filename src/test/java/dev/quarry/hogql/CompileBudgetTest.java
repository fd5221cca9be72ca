package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The compile budget and the names the printer generates: chains that double per link are refused quickly, a
 * reused subquery CTE is printed once, and no user alias can take a generated name.
 */
class CompileBudgetTest {
    /** The timings below are of compiling, not of loading the function table (one-off, before any query). */
    @org.junit.jupiter.api.BeforeAll
    static void loadFunctionTable() {
        assertTrue(FunctionCatalog.supported("count"));
    }

    private static String chain(String head, int n, String tail) {
        return head + IntStream.rangeClosed(1, n).mapToObj(i -> "a" + (i - 1) + "+a" + (i - 1) + " as a" + i)
                .collect(Collectors.joining(", ")) + tail.replace("N", String.valueOf(n));
    }

    private static long millis(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return (System.nanoTime() - t) / 1_000_000;
    }

    @Test
    void expressionCteChainIsRefusedQuickly() {
        String q = chain("with 1 as a0, ", 30, " select aN");
        long ms = millis(() -> {
            HogQLException e = assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(q, CompileSettings.of(1)));
            assertTrue(e.getMessage().contains("max_expanded_ast_elements = " + CompileBudget.MAX_EXPANDED_NODES));
        });
        assertTrue(ms < 3_000, ms + " ms");
    }

    @Test
    void selectAliasChainIsRefusedQuickly() {
        String q = chain("select 1 as a0, ", 30, " from events");
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(q, CompileSettings.of(1)));
    }

    @Test
    void validateReportsTheBudgetQuickly() {
        String q = chain("with 1 as a0, ", 30, " select aN");
        long ms = millis(() -> {
            HogQLCompiler.Validation v = HogQLCompiler.validate(q);
            assertFalse(v.isValid());
            assertTrue(v.errors().get(0).message().contains("max_expanded_ast_elements"));
        });
        assertTrue(ms < 3_000, ms + " ms");
    }

    @Test
    void chainsWithinTheBudgetCompile() {
        String sql = HogQLCompiler.compileSelect(chain("with 1 as a0, ", 10, " select aN"), CompileSettings.of(1)).sql();
        assertTrue(sql.length() < CompileBudget.MAX_SQL_CHARS);
    }

    @Test
    void tooManyBoundValuesAreRefused() {
        // a placeholder list: the HogQL text stays short, the values are bound one by one
        java.util.List<Object> values = IntStream.range(0, 70_000).mapToObj(i -> (Object) ("v" + i)).toList();
        HogQLException e = assertThrows(HogQLException.class,
                () -> HogQLCompiler.compileSelect("select count() from events where event in {names}",
                        CompileSettings.of(1).withValues(java.util.Map.of("names", values))));
        assertTrue(e.getMessage().contains("65535"), e.getMessage());
    }

    @Test
    void hogqlPastMaxQuerySizeIsRefusedBeforeItIsLexed() {
        // a 70,000-value IN list is 620 KB of text; refused on its length alone
        String in = IntStream.range(0, 70_000).mapToObj(i -> "'v" + i + "'").collect(Collectors.joining(","));
        HogQLException e = assertThrows(HogQLException.class,
                () -> HogQLCompiler.compileSelect("select count() from events where event in (" + in + ")",
                        CompileSettings.of(1)));
        assertTrue(e.getMessage().contains("max_query_size = " + CompileBudget.MAX_QUERY_CHARS), e.getMessage());
        // an unterminated string would be a lexer error: the size is checked before any lexing
        String unlexable = "select '" + "x".repeat(CompileBudget.MAX_QUERY_CHARS);
        HogQLException size = assertThrows(HogQLException.class, () -> Parser.parseSelect(unlexable));
        assertTrue(size.getMessage().contains("max_query_size"), size.getMessage());
        HogQLException expr = assertThrows(HogQLException.class, () -> Parser.parseExpr("1+" + "1".repeat(300_000)));
        assertTrue(expr.getMessage().contains("max_query_size"), expr.getMessage());
        // at the limit, text is taken
        String atLimit = "select 1 " + " ".repeat(CompileBudget.MAX_QUERY_CHARS - 9);
        assertEquals(CompileBudget.MAX_QUERY_CHARS, atLimit.length());
        Parser.parseSelect(atLimit);
    }

    @Test
    void theParserCountsNodesAndStopsAtMaxAstElements() {
        // 60,000 terms (120 KB, under max_query_size) and a syntax error at the very end: the node count is
        // crossed while parsing, before the parser ever reaches the error
        String q = "select " + IntStream.range(0, 60_000).mapToObj(i -> "1").collect(Collectors.joining("+")) + " )";
        HogQLException e = assertThrows(HogQLException.class, () -> Parser.parseSelect(q));
        assertTrue(e.getMessage().contains("max_ast_elements = " + CompileBudget.MAX_AST_ELEMENTS), e.getMessage());
        // the same for metadata, which reports it as the query's error
        HogQLCompiler.Validation v = HogQLCompiler.validate(q);
        assertFalse(v.isValid());
        assertTrue(v.errors().get(0).message().contains("max_ast_elements"), v.errors().get(0).message());
    }

    @Test
    void templateStringPartsCountAgainstTheSameBudget() {
        // three template strings of ~20,000 nodes each: under the limit one by one, over it together
        String part = "f'{" + IntStream.range(0, 10_000).mapToObj(i -> "1").collect(Collectors.joining("+")) + "}'";
        Parser.parseSelect("select " + part);
        HogQLException e = assertThrows(HogQLException.class,
                () -> Parser.parseSelect("select " + part + ", " + part + ", " + part));
        assertTrue(e.getMessage().contains("max_ast_elements = " + CompileBudget.MAX_AST_ELEMENTS), e.getMessage());
    }

    @Test
    void aTreeTooDeepForTheCompilersRecursionIsA400NotAnError() {
        // within both size limits, but tens of thousands deep: chained NOTs recurse in the parser, a long chain
        // of + is a left-deep tree the resolver and printer recurse through
        String nots = "select " + "not ".repeat(45_000) + "1";
        String plus = "select " + IntStream.range(0, 24_000).mapToObj(i -> "1").collect(Collectors.joining("+"));
        for (String q : java.util.List.of(nots, plus)) {
            try {
                HogQLCompiler.compileSelect(q, CompileSettings.of(1));
            } catch (HogQLException e) {
                assertTrue(e.getMessage().contains("max_ast_depth") || e.getMessage().contains("max_expanded"),
                        e.getMessage());
            }
            HogQLCompiler.Validation v = HogQLCompiler.validate(q); // never a StackOverflowError
            if (!v.isValid()) {
                assertTrue(v.errors().get(0).message().contains("max_"), v.errors().get(0).message());
            }
        }
    }

    @Test
    void nestedMinusSignsArePrintedOnceEach() {
        // each minus printed its operand twice, so 200 nested ones went past the expansion budget
        String q = "select " + "-(".repeat(200) + "toInt(event)" + ")".repeat(200) + " from events";
        String sql = HogQLCompiler.compileSelect(q, CompileSettings.of(1)).sql();
        // each minus is ClickHouse's wrapping 0 - x (an integer), printed once
        assertEquals(200, sql.split("hogql_minus_i64_once\\(0, ", -1).length - 1, sql);
    }

    @Test
    void compilingOnAnEventLoopThreadFailsInTests() throws Exception {
        // the test build sets quarry.hogql.event-loop-compile=fail, so a request path that compiles on a Vert.x
        // event loop (instead of its project's query lane) fails the tests that reach it
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                Parser.parseExpr("1 + 1");
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "vert.x-eventloop-thread-99");
        t.start();
        t.join(30_000);
        assertTrue(thrown[0] instanceof IllegalStateException, String.valueOf(thrown[0]));
        Parser.parseExpr("1 + 1"); // any other thread compiles
    }

    @Test
    void reusedSubqueryCteIsOneWithEntry() {
        String sql = HogQLCompiler.compileSelect("with t as (select event from events) "
                + "select count() from t a join t b on a.event = b.event", CompileSettings.of(1)).sql();
        assertTrue(sql.startsWith("WITH \"cte__1\" AS (SELECT \"events\".\"event\" AS \"event\" FROM \"events\" AS "
                + "\"events\" WHERE \"events\".\"team_id\" = $1"), sql);
        assertTrue(sql.contains("FROM \"cte__1\" AS \"a\" INNER JOIN \"cte__1\" AS \"b\""), sql);
        assertEquals(1, sql.split("FROM \"events\"", -1).length - 1, sql);
    }

    @Test
    void subqueryCteChainStaysLinear() {
        StringBuilder q = new StringBuilder("with t0 as (select 1 as x)");
        for (int i = 1; i <= 40; i++) {
            q.append(", t").append(i).append(" as (select a.x as x from t").append(i - 1).append(" a, t")
                    .append(i - 1).append(" b)");
        }
        String sql = HogQLCompiler.compileSelect(q + " select x from t40", CompileSettings.of(1)).sql();
        assertTrue(sql.length() < 10_000, sql.length() + " chars");
    }

    @Test
    void userAliasesNeverTakeGeneratedNames() {
        String sql = HogQLCompiler.compileSelect("select count() from events e join persons e__override "
                + "on e.person_id = e__override.id", CompileSettings.of(1)).sql();
        assertTrue(sql.contains("AS \"e__override\""), sql); // the generated override join
        assertTrue(sql.contains("\"persons\" AS \"e_override\""), sql); // the user's alias, renamed
        String limitBy = HogQLCompiler.compileSelect("select event, 1 as __rn, 2 as __ord from events limit 1 by event",
                CompileSettings.of(1)).sql();
        assertEquals(1, limitBy.split("AS \"__rn\"", -1).length - 1, limitBy);
        assertEquals(1, limitBy.split("AS \"__ord\"", -1).length - 1, limitBy);
    }

    @Test
    void generatedColumnNamesNeverEqualUserColumnNames() {
        CompiledQuery q = HogQLCompiler.compileSelect("select 1 as c1, 'x' as `a b`, 2 as c1_2 from events",
                CompileSettings.of(1));
        assertFalse(q.sql().contains("AS \"c1\", (") && q.sql().split("AS \"c1\"", -1).length > 2, q.sql());
        assertEquals(1, q.sql().split("AS \"c1\"", -1).length - 1, q.sql());
    }

    @Test
    void hugeIntervalIsASyntaxError() {
        assertThrows(HogQLException.class, () -> HogQLCompiler.compileSelect(
                "select now() + interval '99999999999999999999 day'", CompileSettings.of(1)));
    }
}
