package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.Parser;
import dev.quarry.testing.MigratedPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Migration V29_2: the (team, event, time) events index covers breakdowns by the low-cardinality hot columns, so the
 * statements the compiler prints for them (which read {@code mat_browser}, {@code mat_os}, {@code mat_device_type}
 * instead of parsing the JSON) can be answered by an index-only scan, without reading event rows. Heap scans are
 * switched off in the session so the plan shows what the index alone can answer (on a few rows the planner would
 * rightly read the table); the answers are checked too.
 */
class EventsIndexTest {
    static EmbeddedPostgres pg;
    static Vertx vertx;
    static Pool pool;

    @BeforeAll
    static void start() throws Exception {
        pg = MigratedPostgres.start();
        try (Connection conn = pg.getPostgresDatabase().getConnection(); Statement st = conn.createStatement()) {
            // 300 $pageviews on 2024-03-01..10 (browser i % 3, os i % 2, device on every 5th) and 3,000 other events
            st.execute("""
                insert into organizations (id, name) values ('10000000-0000-0000-0000-000000000000', 'org');
                insert into teams (id, uuid, organization_id, name, api_token, timezone) values
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'utc', 'tok1', 'UTC');
                insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id)
                  select 1, gen_random_uuid(), case when i < 300 then '$pageview' else 'other' end, 'd' || (i % 7),
                         jsonb_build_object('$browser', (array['Chrome', 'Safari', 'Firefox'])[1 + i % 3],
                                            '$os', (array['Mac OS X', 'Linux'])[1 + i % 2])
                           || case when i % 5 = 0 then '{"$device_type": "Mobile"}'::jsonb else '{}'::jsonb end,
                         timestamptz '2024-03-01 00:00:00+00' + (i % 10) * interval '1 day' + i * interval '1 second',
                         md5('p' || (i % 7))::uuid
                  from generate_series(0, 3299) i;
                """);
            st.execute("vacuum analyze events");
        }
        vertx = Vertx.vertx();
        pool = Pool.pool(vertx, new PgConnectOptions().setHost("localhost").setPort(pg.getPort()).setDatabase("postgres")
                .setUser("postgres").setPassword("postgres"), new PoolOptions().setMaxSize(1));
        rows("SET enable_seqscan = off", List.of());
        rows("SET enable_bitmapscan = off", List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool == null) {
            pg.close();
            return;
        }
        pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        pg.close();
    }

    @Test
    void breakdownsByHotColumnsReadOnlyTheIndex() throws Exception {
        Map<String, List<String>> expected = Map.of(
                "$browser", List.of("Chrome|100|", "Firefox|100|", "Safari|100|"),
                "$os", List.of("Linux|150|", "Mac OS X|150|"),
                "$device_type", List.of("Mobile|60|", "null|240|"));
        for (var e : expected.entrySet()) {
            CompiledQuery c = HogQLCompiler.compile(Parser.parseSelect("SELECT properties." + e.getKey() + " AS v, "
                    + "count() FROM events WHERE event = '$pageview' AND timestamp >= toDateTime('2024-03-01 00:00:00') "
                    + "AND timestamp < toDateTime('2024-04-01 00:00:00') GROUP BY v"), CompileSettings.of(1));
            assertTrue(c.sql().contains("mat_"), "the compiler reads the hot column: " + c.sql());
            List<String> plan = rows("EXPLAIN " + c.sql(), c.params());
            assertTrue(plan.stream().anyMatch(l -> l.contains("Index Only Scan using events_team_event_time")),
                    e.getKey() + " is read from the index alone:\n" + String.join("\n", plan));
            List<String> answer = rows(c.sql(), c.params());
            answer.sort(null);
            assertEquals(e.getValue(), answer, e.getKey());
        }
    }

    static List<String> rows(String sql, List<Object> params) throws Exception {
        RowSet<Row> rows = pool.preparedQuery(sql).execute(Tuple.from(params))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < r.size(); k++) {
                b.append(r.getValue(k)).append(r.size() > 1 ? "|" : "");
            }
            out.add(b.toString());
        }
        return out;
    }
}
