package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.Parser;
import dev.quarry.testing.MigratedPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The person-day rollup (V18_3) and the activity bitmaps (V40_1) against the events they summarise, on generated
 * data (fixed seed): two teams (UTC and Europe/Berlin, whose local days differ from UTC's), 64 persons of which some
 * are merged (person_overrides), one deleted and four created inside the range, 3,000 events over 40 days written in
 * several INSERT batches (the capture triggers), then some events updated and deleted, then one team's timezone
 * changed. Capture's triggers only append person-day deltas (V48_1); the views are read with everything unfolded,
 * after folds, with keys both folded and in deltas, and after an upsert that updates and inserts rows of one key.
 * After each step both must equal the events grouped by (team, event, local day or month, person), and the
 * stickiness and lifecycle statements the runners build must give the same answers from the rollups as from the
 * events: day, week and month buckets from the person-day rollup, days (across a month boundary) from the bitmaps.
 */
class PersonDaysTest {
    static EmbeddedPostgres pg;
    static Connection conn;
    static Vertx vertx;
    static Pool pool;

    @BeforeAll
    static void start() throws Exception {
        pg = MigratedPostgres.start();
        conn = pg.getPostgresDatabase().getConnection();
        try (Statement st = conn.createStatement()) {
            st.execute("""
                insert into organizations (id, name) values ('10000000-0000-0000-0000-000000000000', 'org');
                insert into teams (id, uuid, organization_id, name, api_token, timezone) values
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'utc', 'tok1', 'UTC'),
                  (2, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'berlin', 'tok2', 'Europe/Berlin');
                insert into persons (team_id, uuid, created_at)
                  select t, md5(t || '-p-' || i)::uuid, timestamptz '2024-01-01' + i * interval '13 hours'
                  from generate_series(1, 2) t, generate_series(0, 59) i;
                -- a person property for breakdowns (persons 0..59; merged ones read through their override)
                update persons set properties = jsonb_build_object('plan', case when (created_at - timestamptz '2024-01-01')
                  < interval '10 days' then 'free' when (created_at - timestamptz '2024-01-01') < interval '20 days'
                  then 'pro' else null end);
                -- persons 50..54 were merged into 0..4
                insert into person_overrides (team_id, old_person_id, override_person_id)
                  select t, md5(t || '-p-' || (50 + i))::uuid, md5(t || '-p-' || i)::uuid
                  from generate_series(1, 2) t, generate_series(0, 4) i;
                -- person 59 is deleted: its events stay and keep counting, as on events
                delete from persons where uuid in (md5('1-p-59')::uuid, md5('2-p-59')::uuid);
                -- persons 60..63 are created inside the range and active from that day on: lifecycle's "new"
                insert into persons (team_id, uuid, created_at)
                  select t, md5(t || '-p-' || i)::uuid, timestamptz '2024-02-10 10:00:00+00' + (i - 60) * interval '3 days'
                  from generate_series(1, 2) t, generate_series(60, 63) i;
                insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id)
                  select t, gen_random_uuid(), '$pageview', 'd' || i, '{}',
                         timestamptz '2024-02-10 11:00:00+00' + (i - 60) * interval '3 days' + k * interval '26 hours',
                         md5(t || '-p-' || i)::uuid
                  from generate_series(1, 2) t, generate_series(60, 63) i, generate_series(0, 3) k;
                """);
        }
        Random random = new Random(18);
        String[] names = {"$pageview", "$pageview", "$pageview", "signed up", "purchase"};
        for (int batch = 0; batch < 6; batch++) {
            StringBuilder sql = new StringBuilder(
                    "insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id) values ");
            for (int i = 0; i < 500; i++) {
                int team = 1 + random.nextInt(2);
                int person = random.nextInt(60);
                long minute = random.nextInt(40 * 24 * 60);
                if (i > 0) {
                    sql.append(',');
                }
                sql.append("(").append(team).append(", gen_random_uuid(), '").append(names[random.nextInt(names.length)])
                        .append("', 'd").append(person).append("', '{}', timestamptz '2024-02-01 00:00:00+00' + interval '")
                        .append(minute).append(" minutes', md5('").append(team).append("-p-").append(person)
                        .append("')::uuid)");
            }
            try (Statement st = conn.createStatement()) {
                st.execute(sql.toString());
            }
        }
        vertx = Vertx.vertx();
        pool = MigratedPostgres.pool(vertx, pg);
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        MigratedPostgres.stop(pool, vertx, pg);
    }

    /** Rows of the rollup that differ from the events grouped by local day (both directions). */
    static long rollupDifferences() throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("""
                with truth as (
                  select e.team_id, e.event, (e.timestamp at time zone t.timezone)::date as day, e.person_id,
                         count(*) as events, min(e.timestamp) as first_at, max(e.timestamp) as last_at
                  from events e join teams t on t.id = e.team_id group by 1, 2, 3, 4)
                select count(*) from ((select * from truth except select * from events_person_days)
                  union all (select * from events_person_days except select * from truth)) d""")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long scalar(String sql) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> rows(CompiledQuery c) throws Exception {
        RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
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

    /** A runner's subquery AST inside {@code outer}, which writes {@code %s} where it goes. */
    static dev.quarry.hogql.SelectLike wrap(dev.quarry.hogql.SelectLike sub, String outer) {
        return dev.quarry.query.HogQLStatement.select(outer.replace("%s", "{sub}"), Map.of("sub", sub));
    }

    static CompiledQuery compile(dev.quarry.hogql.SelectLike query, long team, String zone) {
        // every row (not HogQL's default LIMIT 100), as the runners compile
        return HogQLCompiler.compile(query, CompileSettings.of(team).withTimezone(zone)
                .withLimits(dev.quarry.query.QueryService.NO_LIMIT, dev.quarry.query.QueryService.NO_LIMIT));
    }

    static Series series(String event) {
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("kind", "EventsNode");
        if (event == null) {
            node.putNull("event");
        } else {
            node.put("event", event);
        }
        return Series.parse(node, 0, "series");
    }

    static QueryDateRange range(Interval interval, String zone) {
        ZonedDateTime now = ZonedDateTime.of(2024, 3, 12, 12, 0, 0, 0, ZoneId.of(zone));
        return QueryDateRange.resolve(new ObjectMapper().createObjectNode().put("date_from", "2024-02-03")
                .put("date_to", "2024-03-05"), interval, 0, now, "-7d", null);
    }

    /**
     * Stickiness and lifecycle from the rollup and from the events: the same rows, for each team and bucket.
     *
     * @return every answer read from the rollups, in order (to compare reads before and after a fold)
     */
    static List<String> sameAnswers() throws Exception {
        int compared = 0;
        List<String> answers = new ArrayList<>();
        for (long team : new long[] {1, 2}) {
            String zone = team == 1 ? "UTC" : scalarText("select timezone from teams where id = " + team);
            for (Interval interval : new Interval[] {Interval.DAY, Interval.WEEK, Interval.MONTH}) {
                for (String event : new String[] {"$pageview", "purchase", null}) {
                    Series s = series(event);
                    QueryDateRange r = range(interval, zone);
                    Expr rawWhere = InsightSql.and(s.filter(), InsightSql.timestampIn(r.from(), r.to()));
                    Expr rollupWhere = rollupWhere(s, r.from(), r.to());
                    PersonMonths.Read months = PersonMonths.Read.of(s, days(r.from(), r.to()), interval);
                    assertEquals(interval == Interval.DAY, months != null);
                    for (int k : new int[] {1, 2}) {
                        var raw = new StickinessQueryRunner.Plan(s, r, k, null, 1, false, rawWhere, null, null, null);
                        var fast = new StickinessQueryRunner.Plan(s, r, k, null, 1, false, rawWhere, null, rollupWhere, null);
                        String wrap = "SELECT person_id, intervals FROM %s AS a";
                        List<String> expected = rows(compile(wrap(StickinessQueryRunner.actorIntervals(raw), wrap), team, zone));
                        assertFalse(expected.isEmpty());
                        List<String> fromRollup = rows(compile(wrap(StickinessQueryRunner.actorIntervals(fast), wrap), team, zone));
                        answers.addAll(fromRollup);
                        assertEquals(expected, fromRollup,
                                "stickiness, team " + team + ", " + interval + ", " + event + ", intervalCount " + k);
                        compared++;
                        if (k == 1 && months != null) {
                            var bits = new StickinessQueryRunner.Plan(s, r, k, null, 1, false, rawWhere, null, rollupWhere, months);
                            List<String> fromBits = rows(compile(wrap(StickinessQueryRunner.actorIntervals(bits), wrap), team, zone));
                            answers.addAll(fromBits);
                            assertEquals(expected, fromBits, "stickiness from the bitmaps, team " + team + ", " + event);
                            compared++;
                        }
                        // stickiness criteria count events per person and interval, on the rollup too
                        var rawCriteria = new StickinessQueryRunner.Plan(s, r, k, "gte", 2, false, rawWhere, null, null, null);
                        var fastCriteria = new StickinessQueryRunner.Plan(s, r, k, "gte", 2, false, rawWhere, null, rollupWhere, null);
                        List<String> expectedCriteria = rows(compile(wrap(StickinessQueryRunner.actorIntervals(rawCriteria), wrap), team, zone));
                        assertTrue(!expectedCriteria.isEmpty() || "purchase".equals(event));
                        List<String> criteria = rows(compile(wrap(StickinessQueryRunner.actorIntervals(fastCriteria), wrap), team, zone));
                        answers.addAll(criteria);
                        assertEquals(expectedCriteria, criteria,
                                "stickiness criteria, team " + team + ", " + interval + ", " + event + ", intervalCount " + k);
                    }
                    Expr lcRaw = InsightSql.and(s.filter(),
                            new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(r.bucket(-1).toOffsetDateTime())),
                            new Expr.Compare("<", Expr.Field.of("timestamp"), new Expr.Constant(r.bucket(r.bucketCount()).toOffsetDateTime())));
                    Expr lcRollup = rollupWhere(s, r.bucket(-1), r.bucket(r.bucketCount()).minusNanos(1000));
                    String wrap = "SELECT person_id, period, status FROM %s AS c";
                    List<String> expected = rows(compile(wrap(LifecycleQueryRunner.cells(
                            new LifecycleQueryRunner.Plan(s, r, lcRaw, null, null)), wrap), team, zone));
                    assertFalse(expected.isEmpty());
                    List<String> cells = rows(compile(wrap(LifecycleQueryRunner.cells(
                            new LifecycleQueryRunner.Plan(s, r, lcRaw, lcRollup, null)), wrap), team, zone));
                    answers.addAll(cells);
                    assertEquals(expected, cells,
                            "lifecycle, team " + team + ", " + interval + ", " + event);
                    compared++;
                    PersonMonths.Read lcMonths = PersonMonths.Read.of(s,
                            days(r.bucket(-1), r.bucket(r.bucketCount()).minusNanos(1000)), interval);
                    if (lcMonths != null) {
                        assertTrue(!"$pageview".equals(event) || lifecycleCounts(expected, r.bucketCount()).stream()
                                .anyMatch(c -> c.startsWith("new ")), "the data has new persons");
                        List<String> fromBits = lifecycleFromBitmaps(
                                new LifecycleQueryRunner.Plan(s, r, lcRaw, lcRollup, lcMonths), team, zone);
                        answers.addAll(fromBits);
                        assertEquals(lifecycleCounts(expected, r.bucketCount()), fromBits,
                                "lifecycle from the bitmaps, team " + team + ", " + event);
                        compared++;
                    }
                }
            }
        }
        // stickiness (2 interval counts) and lifecycle per team, interval and event; plus both from the bitmaps (days)
        assertEquals(2 * 3 * 3 * 3 + 2 * 3 * 2, compared);
        return answers;
    }

    /**
     * Retention from the person-day rollup and from the events: the same cells (person, breakdown value, row,
     * interval) for each team, period (day, week, month), retention type, target and returning event (one named,
     * another named, every event), {@code minimumOccurrences} 1 and 3, and with a person-property breakdown; and the
     * same counts, cumulative too (read with deltas only, after a fold, and after a timezone change with deltas
     * pending). The rollup path is the runner's choice (its plan carries the days); the raw path
     * is the same plan without them.
     */
    static List<String> sameRetention() throws Exception {
        int compared = 0;
        boolean returnsSeen = false;
        List<String> answers = new ArrayList<>();
        for (long team : new long[] {1, 2}) {
            String zone = team == 1 ? "UTC" : scalarText("select timezone from teams where id = " + team);
            for (Interval interval : new Interval[] {Interval.DAY, Interval.WEEK, Interval.MONTH}) {
                QueryDateRange r = range(interval, zone);
                PersonDays.Days days = RetentionQueryRunner.rollupDays(interval, r);
                assertTrue(days != null, "whole local days at " + interval);
                for (String[] events : new String[][] {{"$pageview", "$pageview"}, {"$pageview", "purchase"},
                        {null, null}}) {
                    Expr target = RetentionQueryRunner.entity(entity(events[0]), "targetEntity");
                    Expr returning = RetentionQueryRunner.entity(entity(events[1]), "returningEntity");
                    for (boolean firstTime : new boolean[] {false, true}) {
                        for (int minimum : new int[] {1, 3}) {
                            for (RetentionBreakdown bd : minimum > 1 ? new RetentionBreakdown[] {null}
                                    : new RetentionBreakdown[] {null, new RetentionBreakdown("person", "plan", List.of(), 25)}) {
                                var raw = new RetentionQueryRunner.Plan(interval, r, 8, firstTime, false, minimum,
                                        target, returning, new Expr.Constant(true), bd, null);
                                var fast = new RetentionQueryRunner.Plan(interval, r, 8, firstTime, false, minimum,
                                        target, returning, new Expr.Constant(true), bd, days);
                                String wrap = "SELECT person_id, bd, start, j FROM %s AS c";
                                List<String> expected = rows(compile(wrap(RetentionQueryRunner.cellsAst(raw), wrap),
                                        team, zone));
                                assertFalse(expected.isEmpty());
                                String what = "retention, team " + team + ", " + interval + ", " + events[0] + " → "
                                        + events[1] + (firstTime ? ", first time" : "") + ", minimum " + minimum
                                        + (bd == null ? "" : ", by person plan");
                                // the rollup statement reads the rollup, not the events
                                CompiledQuery rollupSql = compile(wrap(RetentionQueryRunner.cellsAst(fast), wrap),
                                        team, zone);
                                assertTrue(rollupSql.sql().contains("events_person_days")
                                        && !rollupSql.sql().matches("(?is).*\\bfrom\\s+events\\b(?!_).*"), what + ": " + rollupSql.sql());
                                List<String> cells = rows(rollupSql);
                                answers.addAll(cells);
                                assertEquals(expected, cells, what);
                                returnsSeen |= expected.stream().anyMatch(c -> !c.endsWith("|0|"));
                                compared++;
                                // the runner's numbers (activity masks) against the cells counted here
                                for (boolean cumulative : new boolean[] {false, true}) {
                                    for (var p : List.of(raw, fast)) {
                                        var q = new RetentionQueryRunner.Plan(interval, r, 8, firstTime, cumulative,
                                                minimum, target, returning, new Expr.Constant(true), bd, p.days());
                                        List<String> fromMasks = fromMasks(q, team, zone);
                                        answers.addAll(fromMasks);
                                        assertEquals(fromCells(expected, q), fromMasks, what + (cumulative
                                                ? ", cumulative" : "") + ", masks" + (p == fast ? " (rollup)" : ""));
                                    }
                                }
                                if (minimum == 1 && bd == null) {
                                    var rawCumulative = new RetentionQueryRunner.Plan(interval, r, 8, firstTime, true,
                                            minimum, target, returning, new Expr.Constant(true), null, null);
                                    var fastCumulative = new RetentionQueryRunner.Plan(interval, r, 8, firstTime, true,
                                            minimum, target, returning, new Expr.Constant(true), null, days);
                                    List<String> counts = rows(compile(RetentionQueryRunner.counts(fastCumulative),
                                            team, zone));
                                    answers.addAll(counts);
                                    assertEquals(rows(compile(RetentionQueryRunner.counts(rawCumulative), team, zone)),
                                            counts, what + ", cumulative");
                                    assertEquals(rows(compile(RetentionQueryRunner.counts(raw), team, zone)),
                                            rows(compile(RetentionQueryRunner.counts(fast), team, zone)),
                                            what + ", counts");
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(returnsSeen, "the data has returning persons");
        assertEquals(2 * 3 * 3 * 2 * 3, compared);
        return answers;
    }

    /** Retention numbers "bd|row|interval|persons" (non-zero) from the runner's mask statement. */
    static List<String> fromMasks(RetentionQueryRunner.Plan plan, long team, String zone) throws Exception {
        assertTrue(RetentionQueryRunner.masksAnswer(plan));
        CompiledQuery c = compile(RetentionQueryRunner.masks(plan), team, zone);
        RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Map<String, long[][]> by = new java.util.TreeMap<>();
        for (Row row : rows) {
            RetentionQueryRunner.addMasks(plan, by.computeIfAbsent(row.getString(0),
                    k -> new long[plan.rows()][plan.lookahead()]), row.getLong(1), row.getLong(2), row.getLong(3));
        }
        return numbers(by);
    }

    /**
     * The same numbers counted here from cell rows "person|bd|row|interval|": persons per cell; cumulative: a person
     * counts in a row at every interval up to their last one there.
     */
    static List<String> fromCells(List<String> cells, RetentionQueryRunner.Plan plan) {
        Map<String, Integer> last = new java.util.TreeMap<>();
        for (String cell : cells) {
            String[] f = cell.split("\\|", -1);
            last.merge(f[0] + "|" + f[1] + "|" + f[2], Integer.parseInt(f[3]), Math::max);
        }
        Map<String, long[][]> by = new java.util.TreeMap<>();
        for (String cell : cells) {
            String[] f = cell.split("\\|", -1);
            long[][] v = by.computeIfAbsent(f[1], k -> new long[plan.rows()][plan.lookahead()]);
            int row = Integer.parseInt(f[2]);
            int j = Integer.parseInt(f[3]);
            if (!plan.cumulative()) {
                v[row][j]++;
            } else if (j == last.get(f[0] + "|" + f[1] + "|" + f[2])) {
                for (int k = 0; k <= j; k++) {
                    v[row][k]++;
                }
            }
        }
        return numbers(by);
    }

    static List<String> numbers(Map<String, long[][]> by) {
        List<String> out = new ArrayList<>();
        by.forEach((bd, v) -> {
            for (int s = 0; s < v.length; s++) {
                for (int j = 0; j < v[s].length; j++) {
                    if (v[s][j] != 0) {
                        out.add(bd + "|" + s + "|" + j + "|" + v[s][j]);
                    }
                }
            }
        });
        return out;
    }

    /** A retention entity {@code {id, type: "events"}} (id null: every event). */
    static RetentionQuery.RetentionEntity entity(String event) {
        ObjectMapper json = new ObjectMapper();
        return new RetentionQuery.RetentionEntity(event == null ? json.nullNode() : json.getNodeFactory().textNode(event),
                "events", null, null, null, null, null, null, null);
    }

    /** What PersonDays.days gives for an eligible read (built here without a query context). */
    static PersonDays.Days days(ZonedDateTime from, ZonedDateTime to) {
        return new PersonDays.Days(from.toLocalDate(), to.plusNanos(1000).toLocalDate().minusDays(1));
    }

    /** Lifecycle counts "status period count" from the runner's cell rows (person|period|status|). */
    static List<String> lifecycleCounts(List<String> cells, int n) {
        Map<String, Long> by = new java.util.TreeMap<>();
        for (String cell : cells) {
            String[] f = cell.split("\\|");
            if (Long.parseLong(f[1]) < n) {
                by.merge(f[2] + " " + f[1], 1L, Long::sum);
            }
        }
        List<String> out = new ArrayList<>();
        by.forEach((k, v) -> out.add(k + " " + v));
        return out;
    }

    /** Lifecycle counts as the runner computes them from the activity bitmaps, in the same form. */
    static List<String> lifecycleFromBitmaps(LifecycleQueryRunner.Plan plan, long team, String zone) throws Exception {
        CompiledQuery c = compile(wrap(LifecycleQueryRunner.activity(plan), "SELECT activity, created FROM %s AS a"),
                team, zone);
        RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        long[][] tally = new long[4][plan.range().bucketCount()];
        for (Row row : rows) {
            PersonMonths.addStatuses(row.getLong(0), row.getLong(1), tally);
        }
        Map<String, Long> by = new java.util.TreeMap<>();
        for (int s = 0; s < 4; s++) {
            for (int p = 0; p < tally[s].length; p++) {
                if (tally[s][p] > 0) {
                    by.put(LifecycleQueryRunner.STATUSES.get(s) + " " + p, tally[s][p]);
                }
            }
        }
        List<String> out = new ArrayList<>();
        by.forEach((k, v) -> out.add(k + " " + v));
        return out;
    }

    /** Rows of the activity bitmaps that differ from the events grouped by local month (both directions). */
    static long bitmapDifferences() throws Exception {
        return scalar("""
                with truth as (
                  select team_id, event, date_trunc('month', day)::date as month, person_id,
                         bit_or(1::bigint << (extract(day from day)::int - 1)) as days
                  from (select distinct e.team_id, e.event, (e.timestamp at time zone t.timezone)::date as day, e.person_id
                        from events e join teams t on t.id = e.team_id) d
                  group by 1, 2, 3, 4)
                select count(*) from ((select * from truth except select * from events_person_months)
                  union all (select * from events_person_months except select * from truth)) d""");
    }

    /** What PersonDays.where gives for an eligible read (built here without a query context). */
    static Expr rollupWhere(Series s, ZonedDateTime from, ZonedDateTime to) {
        Expr days = InsightSql.and(new Expr.Compare(">=", Expr.Field.of("day"), new Expr.Constant(from.toLocalDate())),
                new Expr.Compare("<=", Expr.Field.of("day"), new Expr.Constant(to.toLocalDate())));
        return s.event() == null ? days
                : InsightSql.and(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(s.event())), days);
    }

    static String scalarText(String sql) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Runs the periodic fold (V48_1) as dev.quarry.capture.RollupFolding does; how many delta rows it moved. */
    static long fold() throws Exception {
        return scalar("select quarry_rollups_fold()");
    }

    @Test
    void rollupFollowsEveryWriteAndAnswersTheSame() throws Exception {
        // capture appended deltas only: nothing is folded yet, and the views answer from the deltas
        assertEquals(0, scalar("select count(*) from events_person_days_folded"));
        // one delta row per (team, event, day) of a statement, one array element per event (V111_1)
        assertTrue(scalar("select sum(cardinality(person_ids)) from events_person_days_delta") > 1000);
        assertEquals(scalar("select count(*) from events"),
                scalar("select sum(cardinality(person_ids)) from events_person_days_delta"), "one element per event");
        assertEquals(0, scalar("select count(*) from events_person_days_delta "
                + "where cardinality(person_ids) <> cardinality(timestamps)"), "parallel arrays");
        long deltaRows = scalar("select count(*) from events_person_days_delta");
        assertTrue(scalar("select count(*) from events_person_days") > 1000);
        assertEquals(0, rollupDifferences(), "after the insert batches");
        assertTrue(scalar("select count(*) from events_person_months") > 500);
        assertEquals(0, bitmapDifferences(), "bitmaps after the insert batches");
        List<String> unfolded = sameAnswers();
        List<String> unfoldedRetention = sameRetention();

        // the fold moves every delta; the same answers before and after it
        assertEquals(deltaRows, fold());
        assertEquals(0, scalar("select count(*) from events_person_days_delta"));
        assertTrue(scalar("select count(*) from events_person_months_folded") > 500);
        assertEquals(0, rollupDifferences(), "after the fold");
        assertEquals(0, bitmapDifferences(), "bitmaps after the fold");
        assertEquals(unfolded, sameAnswers(), "the same answers before and after a fold");
        assertEquals(unfoldedRetention, sameRetention(), "the same retention before and after a fold");
        assertEquals(0, fold(), "nothing left to fold");

        // new events on keys already folded: folded and delta rows of one key are read together
        try (Statement st = conn.createStatement()) {
            st.execute("insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id) "
                    + "select team_id, gen_random_uuid(), event, distinct_id, '{}', timestamp + interval '1 minute', person_id "
                    + "from events where team_id = 1 and event = '$pageview' and person_id in "
                    + "(md5('1-p-1')::uuid, md5('1-p-2')::uuid, md5('1-p-3')::uuid)");
        }
        assertTrue(scalar("select count(*) from events_person_days_delta") > 0);
        assertTrue(scalar("select count(*) from events_person_days_folded f join (select d.team_id, d.event, d.day, "
                + "u.person_id from events_person_days_delta d cross join lateral unnest(d.person_ids) u(person_id)) d "
                + "using (team_id, event, day, person_id)") > 0, "keys both folded and in a delta");
        assertEquals(0, rollupDifferences(), "after inserts on folded keys");
        assertEquals(0, bitmapDifferences(), "bitmaps after inserts on folded keys");

        // one capture statement that re-sends a stored event (the de-duplication upsert updates it) and adds a new
        // event of the same person, event and day: PostgreSQL fires the update trigger first, then the insert one
        try (Statement st = conn.createStatement()) {
            st.execute("""
                    insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id)
                    select team_id, uuid, event, distinct_id, '{"retried": true}'::jsonb, timestamp + interval '1 second', person_id
                    from (select * from events where team_id = 2 and event = 'purchase' order by timestamp limit 1) old
                    union all
                    select team_id, gen_random_uuid(), event, distinct_id, '{}'::jsonb, timestamp + interval '2 seconds', person_id
                    from (select * from events where team_id = 2 and event = 'purchase' order by timestamp limit 1) old
                    on conflict (team_id, uuid, event, distinct_id, timestamp_day) do update
                      set timestamp = excluded.timestamp, properties = excluded.properties""");
        }
        assertEquals(1, scalar("select count(*) from events where properties ->> 'retried' = 'true'"));
        assertEquals(0, rollupDifferences(), "after an upsert that both updates and inserts");
        assertEquals(0, bitmapDifferences(), "bitmaps after an upsert that both updates and inserts");
        sameAnswers();

        // updates that move events to another person, event and day; deletes
        try (Statement st = conn.createStatement()) {
            st.execute("update events set person_id = md5('1-p-7')::uuid, timestamp = timestamp + interval '1 day' "
                    + "where team_id = 1 and person_id = md5('1-p-3')::uuid");
            st.execute("update events set event = 'purchase' where team_id = 2 and event = 'signed up'");
            st.execute("delete from events where team_id = 2 and person_id = md5('2-p-8')::uuid");
        }
        assertEquals(0, rollupDifferences(), "after updates and deletes");
        assertEquals(0, bitmapDifferences(), "bitmaps after updates and deletes");
        assertEquals(0, scalar("select count(*) from events_person_months where team_id = 2 and person_id = md5('2-p-8')::uuid"));
        assertEquals(0, scalar("select count(*) from events_person_days where team_id = 2 and person_id = md5('2-p-8')::uuid"));
        List<String> beforeFold = sameAnswers();
        fold();
        assertEquals(0, rollupDifferences(), "after updates, deletes and a fold");
        assertEquals(0, bitmapDifferences(), "bitmaps after updates, deletes and a fold");
        assertEquals(beforeFold, sameAnswers(), "the same answers before and after the second fold");

        // the team's days move with its timezone (with unfolded deltas of that team present)
        try (Statement st = conn.createStatement()) {
            st.execute("insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id) "
                    + "values (2, gen_random_uuid(), '$pageview', 'd5', '{}', timestamptz '2024-02-20 23:30:00+00', "
                    + "md5('2-p-5')::uuid)");
            st.execute("update teams set timezone = 'America/Los_Angeles' where id = 2");
        }
        assertEquals(0, rollupDifferences(), "after the timezone change");
        assertEquals(0, bitmapDifferences(), "bitmaps after the timezone change");
        sameAnswers();
        sameRetention();
        fold();
        assertEquals(0, rollupDifferences(), "after the timezone change and a fold");
        assertEquals(0, bitmapDifferences(), "bitmaps after the timezone change and a fold");
    }

    @Test
    void usedOnlyWhereItAnswersTheSame() {
        assertTrue(PersonDays.zoneUsable("UTC"));
        assertTrue(PersonDays.zoneUsable("Europe/Berlin"));
        assertTrue(PersonDays.zoneUsable("America/Argentina/Buenos_Aires"));
        // offsets read differently by PostgreSQL's POSIX rules, and unknown names: the events are read
        assertFalse(PersonDays.zoneUsable("+05:00"));
        assertFalse(PersonDays.zoneUsable("UTC+05:00"));
        assertFalse(PersonDays.zoneUsable("Mars/Olympus"));
        ObjectMapper json = new ObjectMapper();
        assertTrue(PersonDays.filtersUsable(series("$pageview"), null));
        ObjectNode filtered = json.createObjectNode().put("kind", "EventsNode").put("event", "$pageview");
        filtered.putArray("properties").addObject().put("key", "$browser").put("value", "Chrome").put("type", "event");
        assertFalse(PersonDays.filtersUsable(Series.parse(filtered, 0, "series"), null));
        assertFalse(PersonDays.filtersUsable(series("$pageview"),
                new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant("x"))));
    }
}
