package dev.quarry.insights.funnels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.insights.Series;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link FunnelPlan#actorsByStoredPerson()} (persons untouched by merges grouped by the stored person id in (person,
 * time) order, merged ones by the merged id, V49_1) and {@link FunnelPlan#actors()} (ordered funnels fed per-step time
 * arrays) against the reference: V7's per-event scan ({@code quarry_funnel}, every order type) over every actor
 * grouped by the merged person id, as funnels were computed before. Generated data (fixed seed) in the real migrated
 * schema: two projects, 240 persons each, 40 of them merged into others (person_overrides), 6,000 events of three
 * steps and other events on a coarse time grid (ties), some without a $browser (one browser per merged person and
 * time, so that first and last touch have no ties). Every actor's [furthest step, t1 … tn] and breakdown value must
 * be the same, for ordered and strict funnels, windows from tight to wide, with and without a breakdown.
 */
class FunnelActorsSplitTest {
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
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'one', 'tok1', 'UTC'),
                  (2, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'two', 'tok2', 'UTC');
                insert into persons (team_id, uuid, created_at)
                  select t, md5(t || '-p-' || i)::uuid, timestamptz '2024-01-01'
                  from generate_series(1, 2) t, generate_series(0, 239) i;
                -- persons 200..239 were merged into 0..39 (both sides have events of their own)
                insert into person_overrides (team_id, old_person_id, override_person_id)
                  select t, md5(t || '-p-' || (200 + i))::uuid, md5(t || '-p-' || i)::uuid
                  from generate_series(1, 2) t, generate_series(0, 39) i;
                """);
        }
        Random random = new Random(49);
        String[] names = {"$pageview", "$pageview", "signed up", "purchase", "other"};
        String[] browsers = {"Chrome", "Safari", null};
        for (int batch = 0; batch < 6; batch++) {
            StringBuilder sql = new StringBuilder(
                    "insert into events (team_id, uuid, event, distinct_id, properties, timestamp, person_id) values ");
            for (int i = 0; i < 1000; i++) {
                int team = 1 + random.nextInt(2);
                int person = random.nextInt(240);
                long minutes = random.nextInt(10 * 24 * 6) * 10L; // a 10-minute grid over 10 days: ties happen
                // a person's events at the same time have the same browser: which of two tied values a first or
                // last touch picks is arbitrary (in PostHog too), so ties would compare arbitrary choices
                int actor = person >= 200 ? person - 200 : person;
                String browser = browsers[(int) ((minutes / 10 + actor) % browsers.length)];
                if (i > 0) {
                    sql.append(',');
                }
                sql.append("(").append(team).append(", gen_random_uuid(), '").append(names[random.nextInt(names.length)])
                        .append("', 'd").append(person).append("', '")
                        .append(browser == null ? "{}" : "{\"$browser\": \"" + browser + "\"}")
                        .append("', timestamptz '2024-02-01 00:00:00+00' + interval '").append(minutes)
                        .append(" minutes', md5('").append(team).append("-p-").append(person).append("')::uuid)");
            }
            try (Statement st = conn.createStatement()) {
                st.execute(sql.toString());
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute("ANALYZE");
        }
        vertx = Vertx.vertx();
        pool = MigratedPostgres.pool(vertx, pg);
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        MigratedPostgres.stop(pool, vertx, pg);
    }

    static Series series(String event) {
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("kind", "EventsNode");
        node.put("event", event);
        return Series.parse(node, 0, "series");
    }

    static QueryDateRange range() {
        ZonedDateTime now = ZonedDateTime.of(2024, 3, 1, 12, 0, 0, 0, ZoneId.of("UTC"));
        return QueryDateRange.resolve(new ObjectMapper().createObjectNode().put("date_from", "2024-02-02")
                .put("date_to", "2024-02-09"), Interval.DAY, 0, now, "-7d", null);
    }

    static List<String> rows(SelectQuery query, long team) throws Exception {
        CompiledQuery c = HogQLCompiler.compile((SelectQuery) dev.quarry.hogql.Placeholders.Transformer.copy(query),
                CompileSettings.of(team).withLimits(dev.quarry.query.QueryService.NO_LIMIT,
                        dev.quarry.query.QueryService.NO_LIMIT));
        RowSet<Row> rows = pool.preparedQuery(c.sql()).execute(Tuple.from(c.params()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < r.size(); k++) {
                Object v = r.getValue(k);
                b.append(v instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(v)).append('|');
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    /** The funnels' actors as they were computed before V49_1: V7's scan over every actor, by merged person id. */
    static SelectQuery reference(FunnelPlan plan) {
        Expr bd = plan.breakdown() == null ? new Expr.Constant(FunnelPlan.NO_VALUE) : plan.actorBreakdown();
        FunnelSql.Select scan = FunnelSql.select(FunnelSql.as(FunnelSql.field("person_id"), "actor"),
                FunnelSql.as(bd, "bd"), FunnelSql.as(plan.fullScan(), "r")).from("events").where(plan.where());
        if (plan.breakdown() != null && plan.breakdown().attribution() == FunnelPlan.Attribution.ALL_EVENTS) {
            scan.groupBy(FunnelSql.field("person_id"), plan.actorBreakdown());
        } else {
            scan.groupBy(FunnelSql.field("person_id"));
        }
        return FunnelSql.select(FunnelSql.field("actor"), FunnelSql.field("bd"), FunnelSql.field("r"))
                .from(scan.build(), "scan").where(FunnelSql.reached(1)).build();
    }

    @Test
    void actorsAreTheSameAsTheReferenceScan() throws Exception {
        List<Series> steps = List.of(series("$pageview"), series("signed up"), series("purchase"));
        List<FunnelPlan.Breakdown> breakdowns = new ArrayList<>();
        breakdowns.add(null);
        breakdowns.add(new FunnelPlan.Breakdown("event", "$browser", 25, FunnelPlan.Attribution.FIRST_TOUCH, 0));
        breakdowns.add(new FunnelPlan.Breakdown("event", "$browser", 25, FunnelPlan.Attribution.ALL_EVENTS, 0));
        breakdowns.add(new FunnelPlan.Breakdown("person", "plan", 25, FunnelPlan.Attribution.FIRST_TOUCH, 0));
        int compared = 0;
        for (FunnelPlan.OrderType order : List.of(FunnelPlan.OrderType.ORDERED, FunnelPlan.OrderType.STRICT)) {
            for (long window : new long[] {600, 3 * 3600, 14 * 86_400L}) {
                for (FunnelPlan.Breakdown breakdown : breakdowns) {
                    for (int n : new int[] {2, 3}) {
                        FunnelPlan plan = new FunnelPlan(steps.subList(0, n), order, window, List.of(), breakdown,
                                range(), null, FunnelPlan.VizType.STEPS, 0, n - 1, null);
                        for (long team : new long[] {1, 2}) {
                            List<String> expected = rows(reference(plan), team);
                            assertTrue(expected.size() > 50, "the generated data reaches the funnel: " + expected.size());
                            String what = order + " funnel, " + n + " steps, window " + window + " s, breakdown "
                                    + breakdown + ", team " + team;
                            assertEquals(expected, rows(plan.actorsByStoredPerson(), team), what);
                            assertEquals(expected, rows(plan.actors(), team), what);
                            compared++;
                        }
                    }
                }
            }
        }
        assertEquals(96, compared);
        // the unmerged actors are split by stored person id (FunnelPlan.PERSON_ID_SPLITS): both ranges hold actors
        // of the generated data, so every branch is compared above
        FunnelPlan any = new FunnelPlan(steps, FunnelPlan.OrderType.ORDERED, 14 * 86_400L, List.of(), null, range(),
                null, FunnelPlan.VizType.STEPS, 0, 2, null);
        String split = FunnelPlan.PERSON_ID_SPLITS.get(0);
        List<String> halves = rows(FunnelSql.select(FunnelSql.expr("countIf(actor < toUUID({s}))", "s", split),
                FunnelSql.expr("countIf(actor >= toUUID({s}))", "s", split)).from(any.actorsByStoredPerson(), "a")
                .build(), 1);
        String[] counts = halves.get(0).split("\\|");
        assertTrue(Long.parseLong(counts[0]) > 50 && Long.parseLong(counts[1]) > 50, "actors per range: " + halves);
        // the merged persons are in the data: their actors must be there once, as the person they were merged into
        long mergedActors = Long.parseLong(rows(FunnelSql.select(FunnelSql.expr("count()")).from(
                new FunnelPlan(steps, FunnelPlan.OrderType.ORDERED, 14 * 86_400L, List.of(), null, range(), null,
                        FunnelPlan.VizType.STEPS, 0, 2, null).actorsByStoredPerson(), "a")
                .where(FunnelSql.expr("actor IN {o}", "o", mergedInto())).build(), 1)
                .get(0).replace("|", ""));
        assertTrue(mergedActors > 10, "merged persons entered the funnel: " + mergedActors);
    }
    /**
     * The correlation's events of each actor's span read by the stored person id ({@link
     * FunnelCorrelation#actorEvents}: the actor's own id plus the ids merged into it) against the join through the
     * merged person id it replaced: the same distinct (actor, success, event) rows, for the whole population and
     * for one step's converted and dropped-off actors, ordered and strict funnels, with merged persons whose events
     * are on both sides of the merge.
     */
    @Test
    void correlationEventsByStoredIdAreTheSameAsThroughTheMergedId() throws Exception {
        List<Series> steps = List.of(series("$pageview"), series("signed up"), series("purchase"));
        ObjectMapper mapper = new ObjectMapper().configure(
                com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        int compared = 0;
        long rowsCompared = 0;
        long mergedRows = 0;
        for (String step : new String[] {"null", "2", "-2"}) {
            dev.quarry.insights.FunnelCorrelationQuery query = mapper.readValue("{\"kind\":\"FunnelCorrelationQuery\","
                    + "\"funnelCorrelationType\":\"events\",\"source\":{\"kind\":\"FunnelsActorsQuery\","
                    + "\"funnelStep\":" + step + "}}", dev.quarry.insights.FunnelCorrelationQuery.class);
            for (FunnelPlan.OrderType order : List.of(FunnelPlan.OrderType.ORDERED, FunnelPlan.OrderType.STRICT)) {
                for (long window : new long[] {3 * 3600, 14 * 86_400L}) {
                    for (int n : new int[] {2, 3}) {
                        FunnelPlan plan = new FunnelPlan(steps.subList(0, n), order, window, List.of(), null,
                                range(), null, FunnelPlan.VizType.STEPS, 0, n - 1, null);
                        SelectQuery population = FunnelCorrelation.population(plan, query);
                        Expr inSpan = FunnelSql.expr("events.timestamp > f.t1 AND events.timestamp < f.tend AND "
                                + "events.event NOT IN ('$pageview', 'signed up')");
                        SelectQuery reference = FunnelSql.selectDistinct(FunnelSql.field("f", "actor"),
                                        FunnelSql.field("f", "success"), FunnelSql.field("events", "event"))
                                .with("f", population).from("events")
                                .innerJoin("f", null, FunnelSql.expr("f.actor = events.person_id"))
                                .where(inSpan).build();
                        SelectQuery byStoredId = FunnelSql.selectDistinct(FunnelSql.field("actor"),
                                        FunnelSql.field("success"), FunnelSql.field("name"))
                                .with("f", population).from(FunnelCorrelation.actorEvents(
                                        dev.quarry.hogql.Placeholders.Transformer.copy(inSpan)), "e").build();
                        for (long team : new long[] {1, 2}) {
                            // the population the correlation reads (the steps view's split form, V49_1 branches)
                            // is the one read through the overrides join
                            assertEquals(rows(population, team), rows(FunnelCorrelation.population(plan, query, 40),
                                    team), "population: " + order + " funnel, " + n + " steps, window " + window
                                    + " s, funnelStep " + step + ", team " + team);
                            List<String> expected = rows(reference, team);
                            rowsCompared += expected.size();
                            assertEquals(expected, rows(byStoredId, team), order + " funnel, " + n + " steps, window "
                                    + window + " s, funnelStep " + step + ", team " + team);
                            compared++;
                        }
                        if (step.equals("null")) {
                            // actors other persons were merged into are among the compared rows
                            SelectQuery viaMerged = FunnelSql.select(FunnelSql.expr("count()"))
                                    .with("f", population).from(FunnelCorrelation.actorEvents(
                                            dev.quarry.hogql.Placeholders.Transformer.copy(inSpan)), "e")
                                    .where(FunnelSql.expr("actor IN {o}", "o", mergedInto())).build();
                            mergedRows += Long.parseLong(rows(viaMerged, 1).get(0).replace("|", ""));
                        }
                    }
                }
            }
        }
        assertEquals(48, compared);
        assertTrue(rowsCompared > 2000, "rows compared: " + rowsCompared);
        assertTrue(mergedRows > 20, "merged actors' events were read: " + mergedRows);
    }
    /**
     * A project with more merged persons than {@link FunnelPlan#SPLIT_MERGED_PERSONS_LIMIT}: the count stops at the
     * limit + 1, the steps view then reads the actors through the overrides join (no {@code NOT IN} over the merged
     * ids, which PostgreSQL stops hashing past its memory and then compares with every event), with the same
     * actors as the reference; the other project (40 merges) keeps the split form.
     */
    @Test
    void manyMergedPersonsReadTheActorsThroughTheOverridesJoin() throws Exception {
        List<Series> steps = List.of(series("$pageview"), series("signed up"), series("purchase"));
        try (Statement st = conn.createStatement()) {
            // merged-away persons without events of their own, into persons without events: only their number counts
            st.execute("insert into person_overrides (team_id, old_person_id, override_person_id) select 2, "
                    + "md5('many-old-' || i)::uuid, md5('many-into-' || (i % 1000))::uuid "
                    + "from generate_series(1, " + FunnelPlan.SPLIT_MERGED_PERSONS_LIMIT + ") i; analyze person_overrides");
        }
        try {
            long many = Long.parseLong(rows(FunnelPlan.mergedPersonsCount(), 2).get(0).replace("|", ""));
            long few = Long.parseLong(rows(FunnelPlan.mergedPersonsCount(), 1).get(0).replace("|", ""));
            assertEquals(FunnelPlan.SPLIT_MERGED_PERSONS_LIMIT + 1, many);
            assertEquals(40, few);
            for (FunnelPlan.OrderType order : List.of(FunnelPlan.OrderType.ORDERED, FunnelPlan.OrderType.STRICT)) {
                FunnelPlan plan = new FunnelPlan(steps, order, 14 * 86_400L, List.of(), null, range(), null,
                        FunnelPlan.VizType.STEPS, 0, 2, null);
                String manySql = HogQLCompiler.compile((SelectQuery) dev.quarry.hogql.Placeholders.Transformer.copy(
                        plan.actorsForSteps(many)), CompileSettings.of(2)).sql();
                String fewSql = HogQLCompiler.compile((SelectQuery) dev.quarry.hogql.Placeholders.Transformer.copy(
                        plan.actorsForSteps(few)), CompileSettings.of(1)).sql();
                assertTrue(!manySql.contains("NOT IN"), manySql);
                assertTrue(fewSql.contains("NOT IN"), fewSql);
                List<String> expected = rows(reference(plan), 2);
                assertTrue(expected.size() > 50, "the generated data reaches the funnel: " + expected.size());
                assertEquals(expected, rows(plan.actorsForSteps(many), 2), order + " funnel, many merged persons");
                assertEquals(rows(reference(plan), 1), rows(plan.actorsForSteps(few), 1), order + " funnel, 40 merges");
            }
        } finally {
            try (Statement st = conn.createStatement()) {
                st.execute("delete from person_overrides where team_id = 2 and old_person_id not in "
                        + "(select md5('2-p-' || (200 + i))::uuid from generate_series(0, 39) i); analyze person_overrides");
            }
        }
    }

    /** The persons others were merged into, as an AST: the overrides table is internal, not a name HogQL text may use. */
    private static SelectQuery mergedInto() {
        return SelectQuery.of(List.of(dev.quarry.hogql.Expr.Field.of("override_person_id")),
                dev.quarry.hogql.Schema.PERSON_OVERRIDES, null);
    }
}
