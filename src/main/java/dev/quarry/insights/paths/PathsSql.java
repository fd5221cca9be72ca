package dev.quarry.insights.paths;

import dev.quarry.hogql.Expr;
import dev.quarry.hogql.Schema;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The paths of a {@link PathsPlan} as HogQL ASTs computed in PostgreSQL, following PostHog's paths_query_runner:
 * <ol>
 * <li>{@code pa_events}: the events read, each with its path item, in (person, time, uuid) order; with
 * {@code pathGroupings} the item becomes its grouping ({@code pa_grouped}); excluded items are dropped. Read by
 * stored person id ({@link Read}), persons untouched by merges come from the index (team_id, person_id, timestamp,
 * uuid) INCLUDE (event) (V63_1) already in that order — in a project without merges that is every event, and nothing
 * is sorted — merged ones through the overrides join, sorted.</li>
 * <li>{@code pa_near}: per person in time order (ties by uuid), whether the next event starts a new session
 * ({@code ends}: 30 minutes or more later, in PostHog's milliseconds, or none). In a session, an item followed by the
 * same item is dropped (a repeat keeps its last time) — and, as PostHog compares the last item with '', so is an
 * empty last item; the rest are {@code kept}.</li>
 * <li>{@code pa_sessions}: only kept events and sessions' last events go on (for edges, not an event alone in its
 * session); running counts over the rows before: the session number and the kept events so far ({@code kc});
 * {@code pa_numbered}: {@code k} = 1, 2, … numbers the kept events of a session (and, with a start point,
 * {@code s_kc} is the running count at the session's first start point so far).</li>
 * <li>{@code pa_steps}: the walk kept per session. No point: the first {@code stepLimit} items. {@code startPoint}:
 * from its first occurrence, {@code stepLimit} items. {@code endPoint}: the {@code stepLimit} items up to its first
 * occurrence. Both: from the start to the first end at or after it; when longer than {@code stepLimit}, the first
 * and last {@code stepLimit / 2} items around an item "..." timed as the item it replaces. A session without its
 * point(s) has no walk. The steps are renumbered {@code idx} = 1, 2, ….</li>
 * <li>Each step knows its previous item ({@code prev}) and time ({@code prev_ts}), and whether it ends its walk
 * ({@code last}).</li>
 * </ol>
 * Every step past the first is an edge {@code (idx-1)_prev → idx_item}. Every window up to the walk shares one
 * order, person by time, so PostgreSQL sorts the events once at most (not at all when it reads the index in order);
 * only an end point, which needs the rest of the session, partitions by session too (a second sort, within each
 * person's rows). The team wall is the printer's: the tables read are {@code events} and {@code person_overrides}.
 */
public final class PathsSql {
    /** A gap of this many milliseconds or more between a person's events starts a new session (PostHog: 30 min). */
    static final long SESSION_GAP_MS = 30 * 60 * 1000L;
    /** Packs (session, kept count) into one running maximum; a person's kept count stays below it. */
    private static final long SESSION_SCALE = 1L << 32;
    private static final String PERSON = "PARTITION BY person_id ORDER BY timestamp, uuid";
    private static final String PERSON_SO_FAR = "(" + PERSON + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)";
    private static final String PERSON_BEFORE = "(" + PERSON + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)";
    private static final String SESSION = "PARTITION BY person_id, session ORDER BY timestamp, uuid";
    private static final String WHOLE_SESSION = "(" + SESSION
            + " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)";

    private PathsSql() {
    }

    /**
     * How the walk reads each event's person; every way gives the same rows (the person as queries count it, merges
     * applied), ordered by (person, time, uuid).
     */
    public enum Read {
        /** Every event through the overrides join (a project with more merged persons than hash in memory), sorted. */
        JOINED,
        /**
         * Persons untouched by merges by the person id stored on their events, merged ones (both sides of every
         * person_overrides row) through the overrides join; one sort over both.
         */
        SPLIT,
        /**
         * A project with no person_overrides row: the stored person id is every event's person; read from the index
         * (V63_1) in walk order, nothing to sort.
         */
        STORED
    }

    /**
     * Whether an event at {@code a} starts a new session after one at {@code b} (null: there is none): PostHog
     * compares whole milliseconds ({@code toUnixTimestamp64Milli}), which only the times within a millisecond of the
     * gap need; the others compare the times as they are (the same answer, without a numeric per event).
     */
    private static String newSession(String a, String b) {
        return "multiIf(isNull(" + a + ") OR isNull(" + b + "), 1, " + a + " < " + b
                + " + toIntervalSecond({pa_gap_near}), 0, " + a + " >= " + b + " + toIntervalSecond({pa_gap_s}), 1, "
                + "if(toUnixTimestamp64Milli(" + a + ") - toUnixTimestamp64Milli(" + b + ") < {pa_gap}, 0, 1))";
    }

    /**
     * One row per step: {@code person_id, idx, item, prev, timestamp, prev_ts, last} (see the class comment;
     * {@code last} is 1 on a walk's last step).
     *
     * @param read           how the events' persons are read (see {@link Read}): the same rows either way
     * @param edgesOnly      leave out events alone in their session (a walk of one step at most, which makes no
     *                       edge); the steps of every other walk are the same
     */
    public static SelectLike steps(PathsPlan plan, Read read, boolean edgesOnly) {
        Map<String, Object> v = new HashMap<>();
        StringBuilder q = new StringBuilder();
        String items = events(plan, read, v, q);
        // the flags are computed over the window functions in the same level (PostgreSQL evaluates each once there);
        // a level of their own would be flattened into the next and each flag evaluated where it is used
        String nextTs = "lead(timestamp) OVER (" + PERSON + ")";
        String prevTs = "lag(timestamp) OVER (" + PERSON + ")";
        q.append("pa_near AS (SELECT person_id, timestamp, uuid, item, " + newSession(nextTs, "timestamp") + " AS ends, "
                + "if(item != if(" + newSession(nextTs, "timestamp") + " = 0, lead(item) OVER (" + PERSON + "), ''), 1, "
                + "0) AS kept" + (edgesOnly ? ", " + newSession("timestamp", prevTs) + " AS starts" : "") + " FROM ")
                .append(items).append(" WHERE {pa_keep}), ");
        // only kept events and sessions' last events go on: between two such rows every event is dropped and has its
        // next in its own session, so a row starts a session exactly when the row before it ended one. For edges, an
        // event alone in its session (a walk of one step at most) goes too: the event before it ended a session, so
        // the rule still holds. Counts of the rows before (plain additions of counts, no numeric per row).
        q.append("pa_sessions AS (SELECT person_id, timestamp, uuid, item, ends, kept, count(if(ends = 1, 1, NULL)) "
                + "OVER " + PERSON_BEFORE + " + 1 AS session, count(if(kept = 1, 1, NULL)) OVER " + PERSON_BEFORE
                + " + kept AS kc FROM pa_near WHERE (kept = 1 OR ends = 1)"
                + (edgesOnly ? " AND NOT (starts = 1 AND ends = 1)" : "") + "), ");
        String start = plan.startPoint();
        String end = plan.endPoint();
        String startCount = "";
        if (start != null) {
            // the kept count at the session's first start point so far: of (session, -kc) packed as
            // session * scale - kc, the running maximum is the latest session's smallest kc
            v.put("pa_start", end != null ? start : trimSlash(start)); // both given: PostHog looks them up as given
            startCount = ", session * {pa_scale} - max(if(item = {pa_start} AND kept = 1, session * {pa_scale} - kc, 0)) "
                    + "OVER " + PERSON_SO_FAR + " AS s_kc";
        }
        // k = kc - kb (the kept count before the session) one level up, where both are columns: PostgreSQL's own
        // subtraction, guarded, instead of an exact numeric one per row
        q.append("pa_counted AS (SELECT person_id, session, timestamp, uuid, item, kept, kc, "
                + "ifNull(max(if(ends = 1, kc, 0)) OVER " + PERSON_BEFORE + ", 0) AS kb" + startCount
                + " FROM pa_sessions), ");
        q.append("pa_numbered AS (SELECT person_id, session, timestamp, uuid, item, kept, kc, kc - kb AS k"
                + (start != null ? ", s_kc" : "") + " FROM pa_counted), ");
        String carried = "person_id, session, timestamp, uuid, ";
        String walk = PERSON;
        if (start != null && end != null) {
            v.put("pa_end", end);
            walk = SESSION;
            q.append("pa_starts AS (SELECT " + carried + "item, k, k - (kc - s_kc) AS s FROM pa_numbered "
                    + "WHERE kept = 1 AND s_kc < {pa_scale}), ");
            q.append("pa_ends AS (SELECT " + carried + "item, k, s, "
                    + "min(if(item = {pa_end}, k, NULL)) OVER " + WHOLE_SESSION + " AS e FROM pa_starts), ");
            q.append("pa_steps AS (SELECT " + carried
                    + "multiIf(e - s + 1 <= {pa_n} OR k < s + {pa_half}, k - s + 1, k = s + {pa_half}, {pa_half} + 1, "
                    + "k - e + 2 * {pa_half} + 1) AS idx, "
                    + "if(e - s + 1 > {pa_n} AND k = s + {pa_half}, '...', item) AS step FROM pa_ends "
                    + "WHERE k <= e AND (e - s + 1 <= {pa_n} OR k <= s + {pa_half} OR k > e - {pa_half})) ");
        } else if (end != null) {
            v.put("pa_end", trimSlash(end));
            walk = SESSION;
            q.append("pa_ends AS (SELECT " + carried + "k, item, "
                    + "min(if(item = {pa_end}, k, NULL)) OVER " + WHOLE_SESSION + " AS e FROM pa_numbered "
                    + "WHERE kept = 1), ");
            q.append("pa_steps AS (SELECT " + carried + "k - greatest(e - {pa_n}, 0) AS idx, item AS step "
                    + "FROM pa_ends WHERE k <= e AND k > e - {pa_n}) ");
        } else if (start != null) {
            q.append("pa_steps AS (SELECT " + carried + "kc - s_kc + 1 AS idx, item AS step FROM pa_numbered "
                    + "WHERE kept = 1 AND s_kc < {pa_scale} AND kc - s_kc < {pa_n}) ");
        } else {
            q.append("pa_steps AS (SELECT " + carried + "k AS idx, item AS step FROM pa_numbered "
                    + "WHERE kept = 1 AND k <= {pa_n}) ");
        }
        // a session holds at most one walk, whose steps are consecutive rows numbered 1, 2, …: the previous row is
        // the previous step when idx > 1, and a step is its walk's last unless the next row is idx + 1
        q.append("SELECT person_id, idx, step AS item, lag(step) OVER (" + walk + ") AS prev, timestamp, "
                + "lag(timestamp) OVER (" + walk + ") AS prev_ts, "
                + "if(ifNull(lead(idx) OVER (" + walk + "), 0) = idx + 1, 0, 1) AS last FROM pa_steps");
        return HogQLStatement.select(q.toString(), v);
    }

    /**
     * The edges: {@code source, target, value, conversion_ms} (the average milliseconds between the two items),
     * by value (desc), source, target, within the edge weights, at most {@code edgeLimit}.
     */
    public static SelectLike edges(PathsPlan plan, Read read) {
        Map<String, Object> v = new HashMap<>();
        v.put("pa_steps", steps(plan, read, true));
        v.put("pa_limit", (long) plan.edgeLimit());
        List<String> having = new ArrayList<>();
        if (plan.minEdgeWeight() != null) {
            v.put("pa_min", plan.minEdgeWeight());
            having.add("count() >= {pa_min}");
        }
        if (plan.maxEdgeWeight() != null) {
            v.put("pa_max", plan.maxEdgeWeight());
            having.add("count() <= {pa_max}");
        }
        return HogQLStatement.select("SELECT concat(toString(idx - 1), '_', prev) AS source, "
                + "concat(toString(idx), '_', item) AS target, count() AS value, "
                + "avg(toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(prev_ts)) AS conversion_ms "
                + "FROM {pa_steps} AS steps WHERE idx > 1 GROUP BY source, target "
                + (having.isEmpty() ? "" : "HAVING " + String.join(" AND ", having) + " ")
                + "ORDER BY value DESC, source, target LIMIT {pa_limit}", v);
    }

    /**
     * Where a project without merges ({@link Read#STORED}) splits its persons for {@link #edgeParts}: person uuids are
     * random (version 4, made at capture), so the halves below and from {@code 80000000-…} hold about as many events.
     * A split elsewhere only changes how the work is shared, never the answer.
     */
    static final List<UUID> PART_BOUNDS = List.of(UUID.fromString("80000000-0000-0000-0000-000000000000"));

    /**
     * The edges of a project without merges as statements over disjoint ranges of stored person ids (split at
     * {@link #PART_BOUNDS}), to run concurrently: a walk never leaves its person, so each range's walks are the
     * walks of its persons, and each edge's walks and milliseconds add up over the parts. Each answers every edge
     * of its persons, unordered and uncut: {@code source, target, value, total_ms} (the milliseconds between the
     * two items summed over the edge's walks); {@code PathsQueryRunner} adds the parts and then applies the edge
     * weights, the order and the limit as {@link #edges} does. Why: PostgreSQL runs window functions in one process
     * only (they are parallel-restricted), so one statement's walk uses one core whatever the machine has; the
     * parts' index ranges are disjoint, so together they read what the one statement reads.
     */
    public static List<SelectLike> edgeParts(PathsPlan plan) {
        List<SelectLike> parts = new ArrayList<>();
        for (int i = 0; i <= PART_BOUNDS.size(); i++) {
            Expr stored = Expr.Field.of(Schema.STORED_PERSON_ID);
            List<Expr> range = new ArrayList<>();
            if (i > 0) {
                range.add(new Expr.Compare(">=", stored, new Expr.Constant(PART_BOUNDS.get(i - 1))));
            }
            if (i < PART_BOUNDS.size()) {
                range.add(new Expr.Compare("<", stored, new Expr.Constant(PART_BOUNDS.get(i))));
            }
            Map<String, Object> v = new HashMap<>();
            v.put("pa_steps", steps(plan.within(range), Read.STORED, true));
            // grouped by the step's raw values (a (step, item) pair is one key: the step is the key's digits
            // before the first '_'), keys built for the groups only
            parts.add(HogQLStatement.select("SELECT concat(toString(idx - 1), '_', prev) AS source, "
                    + "concat(toString(idx), '_', item) AS target, value, total_ms FROM (SELECT idx, prev, item, "
                    + "count() AS value, sum(toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(prev_ts)) "
                    + "AS total_ms FROM {pa_steps} AS steps WHERE idx > 1 GROUP BY idx, prev, item) AS grouped", v));
        }
        return parts;
    }

    /**
     * The persons of a paths cell, one row per matching step ({@code person_id}; PostHog's {@code event_count} is
     * their count): with {@code dropoffKey} the steps that end their walk with that key; else the steps whose
     * previous key is {@code startKey} and whose own key is {@code endKey} (either may be null: not checked). The
     * cell's filter goes into the walk where it can: a cell past the first step (a dropoff or end key of step 2 or
     * more, or a start key) leaves out events alone in their session; a first step ({@code 1_item} as the end key
     * alone, no start or end point) reads only the sessions' first events.
     */
    public static SelectLike actors(PathsPlan plan, Read read, String startKey, String endKey,
                                    String dropoffKey) {
        if (dropoffKey == null && startKey == null && endKey != null && endKey.startsWith("1_")
                && plan.startPoint() == null && plan.endPoint() == null && endKey.length() > 2) {
            return firstSteps(plan, read, endKey.substring(2));
        }
        Map<String, Object> v = new HashMap<>();
        // a walk of one step (all a one-event session has) is in no cell past the first step; a key not of step 1
        // names a later step or none (keys are "<step>_<item>")
        String key = dropoffKey != null ? dropoffKey : endKey;
        boolean pastFirst = startKey != null || key != null && !key.startsWith("1_");
        v.put("pa_steps", steps(plan, read, pastFirst));
        List<String> where = new ArrayList<>();
        if (dropoffKey != null) {
            v.put("pa_dropoff", dropoffKey);
            where.add("last = 1 AND concat(toString(idx), '_', item) = {pa_dropoff}");
        } else {
            if (startKey != null) {
                v.put("pa_start_key", startKey);
                where.add("idx > 1 AND concat(toString(idx - 1), '_', prev) = {pa_start_key}");
            }
            if (endKey != null) {
                v.put("pa_end_key", endKey);
                where.add("concat(toString(idx), '_', item) = {pa_end_key}");
            }
        }
        return HogQLStatement.select("SELECT person_id FROM {pa_steps} AS steps"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)), v);
    }

    /**
     * The first steps with {@code item}, one row per session, without a start or end point: a walk starts at its
     * session's first kept event, and the first event (exclusions applied) begins a run of the same item whose last
     * event is kept — it is followed by another item, or it ends the session and is not empty. So the sessions'
     * first events with that item, by one window over the events and nothing more (an empty item, which a session of
     * empty items never keeps, goes through the whole walk).
     */
    private static SelectLike firstSteps(PathsPlan plan, Read read, String item) {
        Map<String, Object> v = new HashMap<>();
        StringBuilder q = new StringBuilder();
        String items = events(plan, read, v, q);
        v.put("pa_first", item);
        q.append("pa_firsts AS (SELECT person_id, item, " + newSession("timestamp", "lag(timestamp) OVER (" + PERSON
                + ")") + " AS starts FROM ").append(items).append(" WHERE {pa_keep}) ");
        q.append("SELECT person_id FROM pa_firsts WHERE starts = 1 AND item = {pa_first}");
        return HogQLStatement.select(q.toString(), v);
    }

    /**
     * Puts the values every walk needs into {@code v} and starts {@code q} with the events read ({@code pa_events},
     * and {@code pa_grouped} with groupings); returns the relation the windows read: person_id, timestamp, uuid, item.
     */
    private static String events(PathsPlan plan, Read read, Map<String, Object> v, StringBuilder q) {
        v.put("pa_where", plan.where());
        v.put("pa_item", plan.item());
        v.put("pa_gap", SESSION_GAP_MS);
        v.put("pa_gap_s", SESSION_GAP_MS / 1000);
        v.put("pa_gap_near", (SESSION_GAP_MS - 1) / 1000.0);
        v.put("pa_scale", SESSION_SCALE);
        v.put("pa_all", Long.MAX_VALUE);
        v.put("pa_n", (long) plan.stepLimit());
        v.put("pa_half", (long) (plan.stepLimit() / 2));
        v.put("pa_keep", plan.exclude().isEmpty() ? new Expr.Constant(true)
                : new Expr.Compare("not in", Expr.Field.of("item"), constants(plan.exclude())));
        // the LIMIT (never reached) keeps PostgreSQL from merging this level into the next, so that each event's item
        // (JSON reads, cleaning regexes) is computed once, before the windows, instead of wherever they use it
        q.append("WITH pa_events AS (");
        if (read == Read.STORED) {
            // no merged person in the project: the stored person id is every event's person, in (person, time, uuid)
            // order from the index (V63_1), index-only when the item is the event name; nothing to sort (with no
            // parallel worker: QueryExecutor's kind settings)
            v.put("pa_stored", Expr.Field.of(Schema.STORED_PERSON_ID));
            q.append("SELECT {pa_stored} AS person_id, timestamp, uuid, {pa_item} AS item FROM events "
                    + "WHERE {pa_where} ORDER BY {pa_stored}, timestamp, uuid LIMIT {pa_all}), ");
        } else if (read == Read.SPLIT) {
            // persons untouched by merges by the person id stored on their events, merged persons through the
            // overrides join; one ORDER BY over both (PostgreSQL appends the branches and sorts)
            v.put("pa_stored", Expr.Field.of(Schema.STORED_PERSON_ID));
            // the merged ids as an AST: the overrides table is internal, no name HogQL text may use
            v.put("pa_merged", new dev.quarry.hogql.SelectUnion(List.<SelectLike>of(
                    dev.quarry.hogql.SelectQuery.of(List.of(Expr.Field.of("old_person_id")), Schema.PERSON_OVERRIDES, null),
                    dev.quarry.hogql.SelectQuery.of(List.of(Expr.Field.of("override_person_id")), Schema.PERSON_OVERRIDES,
                            null))));
            q.append("SELECT person_id, timestamp, uuid, item FROM (SELECT {pa_stored} AS person_id, timestamp, uuid, "
                    + "{pa_item} AS item FROM events WHERE {pa_where} AND {pa_stored} NOT IN {pa_merged} UNION ALL "
                    + "SELECT person_id, timestamp, uuid, {pa_item} AS item FROM events WHERE {pa_where} AND "
                    + "{pa_stored} IN {pa_merged}) ORDER BY person_id, timestamp, uuid LIMIT {pa_all}), ");
        } else {
            q.append("SELECT person_id, timestamp, uuid, {pa_item} AS item FROM events WHERE {pa_where} "
                    + "LIMIT {pa_all}), ");
        }
        String items = "pa_events";
        if (plan.grouping() != null) {
            v.put("pa_grouping", plan.grouping());
            q.append("pa_grouped AS (SELECT person_id, timestamp, uuid, {pa_grouping} AS grouped FROM pa_events), ");
            items = "(SELECT person_id, timestamp, uuid, grouped AS item FROM pa_grouped)";
        }
        return items;
    }

    private static Expr constants(List<String> values) {
        List<Expr> items = new ArrayList<>();
        values.forEach(x -> items.add(new Expr.Constant(x)));
        return new Expr.TupleLit(items);
    }

    /** A start or end point alone drops one trailing slash, as PostHog does (not when both are given). */
    static String trimSlash(String point) {
        return point.length() > 1 && point.endsWith("/") ? point.substring(0, point.length() - 1) : point;
    }
}
