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
 * edge (with weights) must be the same, read through the overrides join and by stored person id; without one-event
 * sessions (edges, cells past the first step) the steps of every walk of two steps or more must be the same.
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
        }
        vertx = Vertx.vertx();
        pool = MigratedPostgres.pool(vertx, pg);
    }

    @AfterAll
    static void stop() throws Exception {
        MigratedPostgres.stop(pool, vertx, pg);
    }

    static List<String> rows(SelectLike query) throws Exception {
        CompiledQuery c = HogQLCompiler.compile(query, CompileSettings.of(1).withTimezone("UTC")
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

    /** Both statements' step rows as (person, step, item, previous item and ms when step > 1, ends the walk). */
    static void sameSteps(PathsPlan plan, String what) throws Exception {
        List<String> before = rows(HogQLStatement.select("SELECT person_id, idx, item, if(idx > 1, prev, NULL), "
                + "if(idx > 1, conv, NULL), if(idx = len, 1, 0) FROM {s} AS s", Map.of("s", PathsSqlBefore.steps(plan))));
        assertTrue(before.size() > 10, what + ": too few steps to compare: " + before.size());
        List<String> edges = rows(PathsSqlBefore.edges(plan));
        // both reads: every event through the overrides join, and unmerged persons by their stored id
        for (boolean byStoredPerson : new boolean[] {false, true}) {
            List<String> after = rows(HogQLStatement.select("SELECT person_id, idx, item, if(idx > 1, prev, NULL), "
                    + "if(idx > 1, toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(prev_ts), NULL), last "
                    + "FROM {s} AS s", Map.of("s", PathsSql.steps(plan, byStoredPerson, false))));
            assertEquals(before, after, what + (byStoredPerson ? ", by stored person" : ""));
            assertEquals(edges, rows(PathsSql.edges(plan, byStoredPerson)), what + " (edges)");
            // without events alone in their session: every walk of two steps or more, and only steps of walks
            List<String> longer = rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s WHERE len > 1",
                    Map.of("s", PathsSqlBefore.steps(plan))));
            assertEquals(longer, rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s "
                    + "WHERE idx > 1 OR last = 0", Map.of("s", PathsSql.steps(plan, byStoredPerson, true)))),
                    what + " (walks of 2 steps or more)");
            List<String> all = rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s",
                    Map.of("s", PathsSqlBefore.steps(plan))));
            assertTrue(all.containsAll(rows(HogQLStatement.select("SELECT person_id, idx, item FROM {s} AS s",
                    Map.of("s", PathsSql.steps(plan, byStoredPerson, true))))), what + " (steps of walks)");
        }
    }

    @Test
    void everyWalkShapeGivesTheSameSteps() throws Exception {
        for (int steps : new int[] {1, 2, 3, 5, 20}) {
            sameSteps(plan(null, null, steps, List.of(), null, null, null), "no point, " + steps);
            sameSteps(plan("/b", null, steps, List.of(), null, null, null), "start /b, " + steps);
            sameSteps(plan("saved", null, steps, List.of(), null, null, null), "start saved, " + steps);
            sameSteps(plan(null, "/c/", steps, List.of(), null, null, null), "end /c/, " + steps);
            sameSteps(plan("/a", "/c", steps, List.of(), null, null, null), "/a to /c, " + steps);
            sameSteps(plan("opened", "/a", steps, List.of("$autocapture"), null, null, null),
                    "opened to /a without $autocapture, " + steps);
            sameSteps(plan(null, null, steps, List.of("/d"), List.of("/a*", "*ve*"), null, null),
                    "groupings without /d, " + steps);
        }
        sameSteps(plan(null, null, 5, List.of(), null, 3L, 40L), "edge weights 3…40");
        sameSteps(plan("/b", "/b", 4, List.of(), null, null, null), "/b to /b");
    }
}
