package dev.quarry.insights.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryService;
import dev.quarry.testing.MigratedPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paths statement ({@link PathsSql}, one sort of the events) against the statement it replaced
 * ({@link PathsSqlBefore}, two sorts and six window levels) on generated data (fixed seed): 40 persons, 5 of them
 * merged into others (person_overrides), ≈ 2,400 events whose items repeat often (pages /a…/d, an empty URL, three
 * event names), with gaps around the 30-minute session cut down to the microsecond (29:59.9995, 30:00.0000,
 * 30:00.0004, 29:59.9990 plus a fraction) and equal timestamps (ordered by uuid), and a second project's events
 * that must not count. For every walk shape (no point, start, end, both, exclusions, groupings, step limits 1…20)
 * every step row — person, step, item, previous item, milliseconds since it, whether it ends its walk — and every
 * edge (with weights) must be the same, read through the overrides join and split by stored person id (project 1,
 * with merges) and by stored person id alone (project 3: project 1's events without merges); without one-event
 * sessions (edges, cells past the first step) the steps of every walk of two steps or more must be the same; and
 * every kind of cell (first step, later step, dropoff at each step, an edge) gives the persons of the same steps.
 */
class PathsSqlTest {
    static EmbeddedPostgres pg;
    static Vertx vertx;
    static Pool pool;

    @BeforeAll
    static void start() throws Exception {
        pg = MigratedPostgres.start();
        try (Connection conn = pg.getPostgresDatabase().getConnection(); Statement st = conn.createStatement()) {
            st.execute("""
                insert into organizations (id, name) values ('10000000-0000-0000-0000-000000000000', 'org');
                insert into teams (id, uuid, organization_id, name, api_token, timezone) values
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'one', 'tok1', 'UTC'),
                  (2, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'two', 'tok2', 'UTC');
                insert into persons (team_id, uuid, created_at)
                  select t, md5(t || '-p-' || i)::uuid, timestamptz '2024-01-01' from generate_series(1, 2) t,
                  generate_series(0, 39) i;
                insert into person_overrides (team_id, old_person_id, override_person_id)
                  select 1, md5('1-p-' || (35 + i))::uuid, md5('1-p-' || i)::uuid from generate_series(0, 4) i;
                """);
            Random random = new Random(19);
            String[] pages = {"https://s.io/a", "https://s.io/b/", "https://s.io/c", "https://s.io/d", ""};
            String[] names = {"saved", "opened", "$autocapture"};
            // gaps in microseconds: short, near and at the 30-minute cut, long, and none (a tie)
            long[] gaps = {1_000_000L, 300_000_000L, 1_799_999_500L, 1_800_000_000L, 1_800_000_400L,
                1_799_999_000L + 731, 7_200_000_000L, 0L, 60_000_000L, 20_000_000L};
            StringBuilder sql = new StringBuilder("insert into events (team_id, uuid, event, distinct_id, properties, "
                    + "timestamp, person_id) values ");
            int n = 0;
            for (int team = 1; team <= 2; team++) {
                for (int person = 0; person < 40; person++) {
                    long micros = random.nextInt(1_000_000) + (long) random.nextInt(3 * 24 * 3600) * 1_000_000L;
                    int events = team == 2 ? 5 : 20 + random.nextInt(100);
                    for (int e = 0; e < events; e++) {
                        micros += gaps[random.nextInt(gaps.length)] + (random.nextInt(4) == 0 ? random.nextInt(1000) : 0);
                        boolean view = random.nextInt(3) > 0;
                        String event = view ? "$pageview" : names[random.nextInt(names.length)];
                        String props = view ? "{\"$current_url\":\"" + pages[random.nextInt(pages.length)] + "\"}" : "{}";
                        sql.append(n++ == 0 ? "" : ",").append("(").append(team).append(", gen_random_uuid(), '")
                                .append(event).append("', 'd").append(person).append("', '").append(props)
                                .append("', timestamptz '2024-03-01 00:00:00+00' + interval '").append(micros)
                                .append(" microseconds', md5('").append(team).append("-p-").append(person).append("')::uuid)");
                    }
                }
            }
            st.execute(sql.toString());
            // project 3: project 1's events (same uuids, times and stored person ids) without any merge, for the
            // read by stored person id alone
            st.execute("""
                insert into teams (id, uuid, organization_id, name, api_token, timezone) values
                  (3, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'three', 'tok3', 'UTC');
                insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id)
                  select 3, uuid, event, distinct_id, properties, timestamp, person_id from events where team_id = 1;
                """);
        }
        vertx = Vertx.vertx();
        pool = MigratedPostgres.pool(vertx, pg);
    }

    @AfterAll
    static void stop() throws Exception {
        MigratedPostgres.stop(pool, vertx, pg);
    }

    static List<String> rows(SelectLike query) throws Exception {
        return rows(query, 1);
    }

    static List<String> rows(SelectLike query, long team) throws Exception {
        CompiledQuery c = HogQLCompiler.compile(query, CompileSettings.of(team).withTimezone("UTC")
                .withLimits(QueryService.NO_LIMIT, QueryService.NO_LIMIT));
        assertTrue(c.sql().contains("\"team_id\" = $"), c.sql());
        RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < r.size(); k++) {
                b.append(r.getValue(k)).append('|');
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    static PathsPlan plan(String start, String end, int steps, List<String> exclude, List<String> groupings,
                          Long min, Long max) {
        Expr item = PathsPlan.item(List.of(), exclude, null);
        item = PathsPlan.cleaned(item, List.of(new dev.quarry.insights.PathsQuery.PathCleaningFilter("",
                "^https://s\\.io")));
        return new PathsPlan(null, new Expr.Constant(true), item, PathsPlan.grouping(groupings), exclude, start, end,
                steps, 10_000, min, max);
    }

    /**
     * Both statements' step rows as (person, step, item, previous item and ms when step > 1, ends the walk), for
     * every read: through the overrides join and split by stored person id in project 1 (merged persons), by stored
     * person id alone in project 3 (the same events, no merge).
     */
    static void sameSteps(PathsPlan plan, String what, boolean cells) throws Exception {
        for (PathsSql.Read read : PathsSql.Read.values()) {
            long team = read == PathsSql.Read.STORED ? 3 : 1;
            String how = what + ", " + read;
            List<String> before = rows(HogQLStatement.select("SELECT person_id, idx, item, if(idx > 1, prev, NULL), "
                    + "if(idx > 1, conv, NULL), if(idx = len, 1, 0) FROM {s} AS s",
                    Map.of("s", PathsSqlBefore.steps(plan))), team);
            assertTrue(before.size() > 10, how + ": too few steps to compare: " + before.size());
            List<String> after = rows(HogQLStatement.select("SELECT person_id, idx, item, if(idx > 1, prev, NULL), "
                    + "if(idx > 1, toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(prev_ts), NULL), last "
                    + "FROM {s} AS s", Map.of("s", PathsSql.steps(plan, read, false))), team);
            assertEquals(before, after, how);
            assertEquals(rows(PathsSqlBefore.edges(plan), team), rows(PathsSql.edges(plan, read), team),
                    how + " (edges)");
            // without events alone in their session: every walk of two steps or more, and only steps of walks
            List<String> longer = rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s WHERE len > 1",
                    Map.of("s", PathsSqlBefore.steps(plan))), team);
            assertEquals(longer, rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s "
                    + "WHERE idx > 1 OR last = 0", Map.of("s", PathsSql.steps(plan, read, true))), team),
                    how + " (walks of 2 steps or more)");
            List<String> all = rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s",
                    Map.of("s", PathsSqlBefore.steps(plan))), team);
            assertTrue(all.containsAll(rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s",
                    Map.of("s", PathsSql.steps(plan, read, true))), team)), how + " (steps of walks)");
            if (cells && read != PathsSql.Read.JOINED) {
                sameCells(plan, read, team, how);
            }
        }
    }

    /**
     * Each cell's persons ({@link PathsSql#actors}, one row per matching step) equal the old statement's steps
     * filtered the same way: the two commonest keys of steps 1, 2 and the last step as a dropoff and as an end key,
     * and the commonest edge into step 2 and into step 3 as start and end keys; an unknown key matches nobody.
     */
    static void sameCells(PathsPlan plan, PathsSql.Read read, long team, String what) throws Exception {
        // the old statement's steps: person, step key, previous step key (step > 1), whether the walk ends there
        List<String[]> steps = new ArrayList<>();
        for (String r : rows(HogQLStatement.select("SELECT person_id, concat(toString(idx), '_', item), "
                + "if(idx > 1, concat(toString(idx - 1), '_', prev), ''), if(idx = len, 1, 0) FROM {s} AS s",
                Map.of("s", PathsSqlBefore.steps(plan))), team)) {
            steps.add(r.split("\\|", -1));
        }
        java.util.Set<String> keys = new java.util.TreeSet<>();
        java.util.Set<String> edges = new java.util.TreeSet<>();
        for (int step : new int[] {1, 2, plan.stepLimit()}) {
            keys.addAll(commonest(steps.stream().filter(r -> r[1].startsWith(step + "_")).map(r -> r[1]).toList(), 2));
        }
        for (int step : new int[] {2, 3}) {
            edges.addAll(commonest(steps.stream().filter(r -> r[1].startsWith(step + "_"))
                    .map(r -> r[2] + "|" + r[1]).toList(), 1));
        }
        for (String k : keys) {
            assertEquals(persons(steps, r -> r[3].equals("1") && r[1].equals(k)),
                    rows(PathsSql.actors(plan, read, null, null, k), team), what + ", dropoff " + k);
            assertEquals(persons(steps, r -> r[1].equals(k)), rows(PathsSql.actors(plan, read, null, k, null), team),
                    what + ", end key " + k);
        }
        for (String edge : edges) {
            String[] e = edge.split("\\|");
            assertEquals(persons(steps, r -> r[2].equals(e[0]) && r[1].equals(e[1])),
                    rows(PathsSql.actors(plan, read, e[0], e[1], null), team), what + ", edge " + edge);
        }
        assertEquals(List.of(), rows(PathsSql.actors(plan, read, null, "1_nothing", null), team), what);
    }

    /** The persons of the steps matching {@code cell}, one per step, as {@link #rows} gives them. */
    static List<String> persons(List<String[]> steps, java.util.function.Predicate<String[]> cell) {
        return steps.stream().filter(cell).map(r -> r[0] + "|").sorted().toList();
    }

    /** The {@code n} commonest values (ties by value). */
    static List<String> commonest(List<String> values, int n) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        values.forEach(x -> counts.merge(x, 1L, Long::sum));
        return counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(Map.Entry::getKey).toList();
    }


    /** The rows of {@code query} for {@code team} in the order PostgreSQL answers them. */
    static List<Row> raw(SelectLike query, long team) throws Exception {
        CompiledQuery c = HogQLCompiler.compile(query, CompileSettings.of(team).withTimezone("UTC")
                .withLimits(QueryService.NO_LIMIT, QueryService.NO_LIMIT));
        List<Row> out = new ArrayList<>();
        pool.preparedQuery(c.sql()).execute(Tuple.from(c.params())).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS).forEach(out::add);
        return out;
    }

    /**
     * A project without merges (project 3) computes its edges in parts by ranges of person ids, added up by the
     * runner: for every walk shape, with edge weights and with limits that cut among edges of equal weight, the
     * parts cover every person once (their walks add up to all walks) and the added edges — walks, average
     * milliseconds to the last bit, order and cut — are the one statement's.
     */
    @Test
    void edgePartsAddUpToTheOneStatement() throws Exception {
        List<PathsPlan> plans = new ArrayList<>();
        for (int steps : new int[] {1, 3, 5, 20}) {
            plans.add(plan(null, null, steps, List.of(), null, null, null));
            plans.add(plan("/b", null, steps, List.of(), null, null, null));
            plans.add(plan(null, "/c/", steps, List.of(), null, null, null));
            plans.add(plan("/a", "/c", steps, List.of(), null, null, null));
            plans.add(plan(null, null, steps, List.of("/d"), List.of("/a*", "*ve*"), null, null));
        }
        plans.add(plan(null, null, 5, List.of(), null, 3L, 40L));
        int compared = 0;
        for (PathsPlan p : plans) {
            for (int limit : new int[] {10_000, 7, 3, 1}) {
                PathsPlan plan = new PathsPlan(p.range(), p.where(), p.item(), p.grouping(), p.exclude(),
                        p.startPoint(), p.endPoint(), p.stepLimit(), limit, p.minEdgeWeight(), p.maxEdgeWeight());
                String what = plan.startPoint() + " to " + plan.endPoint() + ", " + plan.stepLimit() + " steps, "
                        + limit + " edges";
                List<String> one = new ArrayList<>();
                for (Row r : raw(PathsSql.edges(plan, PathsSql.Read.STORED), 3)) {
                    one.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getLong(2) + "|" + r.getValue(3));
                }
                List<PathsQueryRunner.EdgePart> parts = new ArrayList<>();
                List<SelectLike> statements = PathsSql.edgeParts(plan);
                assertEquals(PathsSql.PART_BOUNDS.size() + 1, statements.size());
                for (SelectLike part : statements) {
                    List<Row> partRows = raw(part, 3);
                    // each range holds some of the 40 persons: with no point and walks of 2 steps or more, each
                    // part finds edges of its own
                    assertTrue(plan.startPoint() != null || plan.endPoint() != null || plan.stepLimit() == 1
                            || !partRows.isEmpty(), what);
                    for (Row r : partRows) {
                        parts.add(new PathsQueryRunner.EdgePart(r.getString(0), r.getString(1), r.getLong(2),
                                new java.math.BigDecimal(r.getValue(3).toString()).longValueExact()));
                    }
                }
                List<String> added = new ArrayList<>();
                for (PathsQueryRunner.Edge e : PathsQueryRunner.merge(parts, plan.minEdgeWeight(),
                        plan.maxEdgeWeight(), plan.edgeLimit())) {
                    added.add(e.source() + "|" + e.target() + "|" + e.value() + "|" + e.averageConversionMs());
                }
                assertEquals(one, added, what);
                compared += one.size();
            }
        }
        assertTrue(compared > 500, "too few edges compared: " + compared);
    }

    /**
     * The runner's average is PostgreSQL's avg of integers read as a double: avg's last step is the numeric division
     * of the sum by the count, so each pair is compared with {@code (sum::numeric / count::numeric)::float8}, for
     * sums and counts around the steps of the division's scale (and one avg over rows, to tie the two).
     */
    @Test
    void averagesAsPostgresComputesThem() throws Exception {
        long[] sums = {0, 1, 2, 7, 9_999, 10_000, 180_000, 1_799_999, 123_456_789, 99_999_999_999L,
            4_611_686_018_427_387_903L};
        long[] counts = {1, 3, 7, 9_999, 10_000, 10_001, 12_345_678, 3_000_000_001L};
        StringBuilder values = new StringBuilder();
        List<Double> expected = new ArrayList<>();
        int i = 0;
        for (long s : sums) {
            for (long n : counts) {
                values.append(i == 0 ? "" : ",").append("(").append(i++).append(", ").append(s).append("::bigint, ")
                        .append(n).append("::bigint)");
                expected.add(PathsQueryRunner.average(s, n));
            }
        }
        List<Double> actual = new ArrayList<>();
        try (Connection conn = pg.getPostgresDatabase().getConnection(); Statement st = conn.createStatement()) {
            try (java.sql.ResultSet rs = st.executeQuery("SELECT (s::numeric / n::numeric)::float8 FROM (VALUES "
                    + values + ") AS v(i, s, n) ORDER BY i")) {
                while (rs.next()) {
                    actual.add(rs.getDouble(1));
                }
            }
            try (java.sql.ResultSet rs = st.executeQuery("SELECT avg(x)::float8 FROM (VALUES (1::bigint), (2::bigint), "
                    + "(4::bigint)) AS v(x)")) {
                rs.next();
                assertEquals(PathsQueryRunner.average(7, 3), rs.getDouble(1));
            }
        }
        assertEquals(expected, actual);
    }

    @Test
    void everyWalkShapeGivesTheSameSteps() throws Exception {
        for (int steps : new int[] {1, 2, 3, 5, 20}) {
            // every cell kind at the default length (each cell is a statement of its own)
            boolean cells = steps == 5;
            sameSteps(plan(null, null, steps, List.of(), null, null, null), "no point, " + steps, cells);
            sameSteps(plan("/b", null, steps, List.of(), null, null, null), "start /b, " + steps, cells);
            sameSteps(plan("saved", null, steps, List.of(), null, null, null), "start saved, " + steps, cells);
            sameSteps(plan(null, "/c/", steps, List.of(), null, null, null), "end /c/, " + steps, cells);
            sameSteps(plan("/a", "/c", steps, List.of(), null, null, null), "/a to /c, " + steps, cells);
            sameSteps(plan("opened", "/a", steps, List.of("$autocapture"), null, null, null),
                    "opened to /a without $autocapture, " + steps, cells);
            sameSteps(plan(null, null, steps, List.of("/d"), List.of("/a*", "*ve*"), null, null),
                    "groupings without /d, " + steps, cells);
        }
        sameSteps(plan(null, null, 5, List.of(), null, 3L, 40L), "edge weights 3…40", false);
        sameSteps(plan("/b", "/b", 4, List.of(), null, null, null), "/b to /b", true);
    }
}
