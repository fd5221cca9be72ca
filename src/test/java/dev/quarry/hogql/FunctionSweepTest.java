package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every function of PostHog's list that Quarry runs, called the wrong ways: with one argument too few and one too
 * many (a HogQL 400 naming the function, in PostHog's words), and with NULLs, empty strings and arrays, zeros,
 * negative and huge numbers, dates, lambdas where values go and values where lambdas go. Each call either answers
 * or is refused with a HogQL error or a value error of the database (SQLSTATE class 22: a 400 with ClickHouse's
 * error code name and a message in HogQL's words, {@link ValueErrors}); never a Java exception or a database error of
 * another class, which the API would answer as a 500, and no answer carries PostgreSQL's text about the SQL Quarry
 * wrote ({@link #POSTGRES_TEXTS}). Run on a real PostgreSQL with every migration applied.
 */
class FunctionSweepTest {
    static EmbeddedPostgres pg;
    static Vertx vertx;
    static Pool pool;

    /** Argument values tried in every position. */
    static final List<String> VALUES = List.of("NULL", "''", "'x'", "0", "-1", "9223372036854775807",
            "18446744073709551615", "1.5", "-1e308", "[]", "[1, 2]", "['a', NULL]", "toDate('2024-02-29')",
            "toDateTime('2024-01-01 00:00:00')", "x -> x", "(x, y) -> x", "1 = 1");

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        Flyway.configure(FunctionSweepTest.class.getClassLoader())
                .dataSource(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")
                .locations("classpath:db/migration").load().migrate();
        vertx = Vertx.vertx();
        pool = Pool.pool(vertx, new PgConnectOptions().setPort(pg.getPort()).setHost("localhost")
                .setDatabase("postgres").setUser("postgres").setPassword("postgres"), new PoolOptions().setMaxSize(2));
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (pg != null) {
            pg.close();
        }
    }

    /**
     * What one call gives: "ok", "hogql: …" (400), "clickhouse: …" (ClickHouse's error, a 400 with its code name),
     * "value: …" (400, class 22), or a failure's description.
     */
    static String outcome(String hogql) {
        CompiledQuery c;
        try {
            c = HogQLCompiler.compileSelect(hogql, CompileSettings.of(1).withTimezone("Europe/Berlin"));
        } catch (HogQLException e) {
            return "hogql: " + e.getMessage();
        } catch (RuntimeException e) {
            return "FAIL compile " + e;
        }
        try {
            pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return "ok";
        } catch (ExecutionException e) {
            ValueErrors.ValueError v = e.getCause() instanceof PgException p
                    ? ValueErrors.of(p.getSqlState(), p.getErrorMessage()) : null;
            if (v != null) {
                // what the API answers (query.QueryExecutor): ClickHouse's code name and HogQL's words
                return "value: " + v.code() + ": " + v.message();
            }
            if (e.getCause() instanceof PgException p && dev.quarry.web.DatabaseFailures.CLICKHOUSE_ERROR.equals(
                    p.getSqlState())) {
                // an error ClickHouse fails the query with (hogql_raise, V67_2): PostHog's 400 with its code name
                return "clickhouse: " + p.getErrorMessage();
            }
            return "FAIL run " + e.getCause() + "\n    " + c.sql();
        } catch (Exception e) {
            return "FAIL run " + e;
        }
    }

    /**
     * Fragments of PostgreSQL's own messages for the value errors the sweep meets (and their kin): none may reach an
     * answer, which speaks of HogQL's types, not of the SQL Quarry wrote. Case-sensitive: ClickHouse's own
     * "Division by zero" is fine, PostgreSQL's "division by zero" is not.
     */
    static final List<String> POSTGRES_TEXTS = List.of("interval out of range", "bigint out of range",
            "integer out of range", "smallint out of range", "date out of range", "date field value out of range",
            "timestamp out of range", "field value out of range", "numeric field overflow", "value out of range:",
            "lower bound cannot equal upper bound", "invalid regular expression:",
            "quantifier operand invalid", "cannot determine type of empty array", "count must be greater than zero",
            "step size cannot", "time zone displacement", "\" not recognized", "invalid input syntax for type",
            "division by zero", "double precision", "timestamp with time zone", "invalid value for parameter",
            "array size exceeds", "SQLSTATE", "ERROR:");

    /** The PostgreSQL message fragments an outcome carries (none is right). */
    static List<String> postgresTexts(String outcome) {
        return POSTGRES_TEXTS.stream().filter(outcome::contains).toList();
    }

    static List<String> supported() {
        Set<String> names = new LinkedHashSet<>();
        FunctionCatalog.groups().values().forEach(fs -> fs.stream().filter(FunctionCatalog::supported)
                .forEach(names::add));
        return new ArrayList<>(names);
    }

    static String call(String name, List<String> args) {
        return "select " + name + "(" + String.join(", ", args) + ")";
    }

    @Test
    void wrongArgumentCountsAreHogQLErrorsNamingTheFunction() {
        List<String> failures = new ArrayList<>();
        int calls = 0;
        for (String name : supported()) {
            Functions.Spec s = Functions.lookup(name);
            List<Integer> counts = new ArrayList<>();
            if (s.minArgs() > 0) {
                counts.add(s.minArgs() - 1);
            }
            if (s.maxArgs() >= 0) {
                counts.add(s.maxArgs() + 1);
            }
            for (int n : counts) {
                String q = call(name, java.util.Collections.nCopies(n, "1"));
                String o = outcome(q);
                calls++;
                // and / or / not are also operators: and(1) does not parse, not(1, 1) is NOT of a tuple
                boolean operator = List.of("and", "or", "not").contains(name);
                if (operator ? !o.startsWith("hogql: ") : !o.startsWith("hogql: Function '" + name + "' expects ")) {
                    failures.add(q + " → " + o);
                }
            }
        }
        assertTrue(calls > 600, "calls: " + calls);
        assertEquals(List.of(), failures);
    }

    @Test
    void oddArgumentsAnswerOrAre400sNever500s() {
        List<String> failures = new ArrayList<>();
        int calls = 0;
        int answered = 0;
        int values = 0;
        for (String name : supported()) {
            Functions.Spec s = Functions.lookup(name);
            Set<Integer> counts = new LinkedHashSet<>(List.of(s.minArgs()));
            counts.add(s.maxArgs() < 0 ? s.minArgs() + 1 : Math.min(s.maxArgs(), s.minArgs() + 2));
            for (int n : counts) {
                if (n == 0) {
                    continue;
                }
                for (String v : VALUES) {
                    // the value in every position, and in the first one with 1s after it
                    List<String> all = java.util.Collections.nCopies(n, v);
                    List<String> first = new ArrayList<>(java.util.Collections.nCopies(n, "1"));
                    first.set(0, v);
                    for (List<String> args : new LinkedHashSet<>(List.of(all, first))) {
                        String q = call(name, args);
                        String o = outcome(q);
                        calls++;
                        answered += o.equals("ok") ? 1 : 0;
                        values += o.startsWith("value: ") ? 1 : 0;
                        if (o.startsWith("FAIL") || !postgresTexts(o).isEmpty()) {
                            failures.add(q + " → " + o);
                        }
                    }
                }
            }
        }
        assertTrue(calls > 5000, "calls: " + calls);
        assertTrue(answered > 1000, "answered: " + answered);
        // the database's value errors are still met (so the check above is not vacuous), and answered in HogQL's words
        assertTrue(values > 50, "value errors: " + values);
        assertEquals(List.of(), failures, failures.size() + " failures");
    }

    /**
     * A lambda of the wrong arity, a value where the lambda goes, a lambda without an array: each higher-order
     * function refuses with a HogQL error (it was an IndexOutOfBoundsException, a 500, for some).
     */
    @Test
    void higherOrderFunctionsRefuseWrongLambdas() {
        List<String> higherOrder = supported().stream().filter(n -> {
            String o = outcome("select " + n + "(x -> x, [1, 2])");
            return !o.startsWith("hogql: A lambda");
        }).filter(n -> n.startsWith("array")).toList();
        assertTrue(higherOrder.containsAll(List.of("arrayMap", "arrayFilter", "arrayExists", "arrayAll", "arrayFirst",
                "arrayLast", "arrayCount", "arraySum")), higherOrder.toString());
        List<String> failures = new ArrayList<>();
        for (String name : higherOrder) {
            for (String args : List.of("x -> x", "(x, y) -> x, [1]", "x -> x, [1], [2], [3]", "1, [1]",
                    "x -> y, [1]", "x -> x", "() -> 1, [1]")) {
                String q = "select " + name + "(" + args + ")";
                String o = outcome(q);
                if (!o.startsWith("hogql: ") && !o.equals("ok")) {
                    failures.add(q + " → " + o);
                }
            }
            // no array at all is always refused
            String o = outcome("select " + name + "(x -> x)");
            if (!o.startsWith("hogql: ")) {
                failures.add(name + "(x -> x) → " + o);
            }
        }
        assertEquals(List.of(), failures);
    }
}
