package dev.quarry.insights.paths;

import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SelectLike;
import dev.quarry.query.HogQLStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths statement as main computed it before the one-sort rewrite of {@link PathsSql} (six window levels, the
 * events sorted by person and time, then again by person, session and time), kept unchanged as the reference
 * {@link PathsSqlTest} compares the new statement with. Columns of {@link #steps}: {@code person_id, idx, item, prev,
 * conv, len} ({@code conv} the milliseconds since the previous step, {@code len} the walk's length).
 */
final class PathsSqlBefore {
    /** A gap of this many milliseconds or more between a person's events starts a new session (PostHog: 30 min). */
    static final long SESSION_GAP_MS = 30 * 60 * 1000L;

    private PathsSqlBefore() {
    }

    /** One row per step: {@code person_id, idx, item, prev, conv, len} (see the class comment). */
    public static SelectLike steps(PathsPlan plan) {
        Map<String, Object> v = new HashMap<>();
        v.put("pa_where", plan.where());
        v.put("pa_item", plan.item());
        v.put("pa_gap", SESSION_GAP_MS);
        v.put("pa_n", (long) plan.stepLimit());
        v.put("pa_half", (long) (plan.stepLimit() / 2));
        v.put("pa_keep", plan.exclude().isEmpty() ? new Expr.Constant(true)
                : new Expr.Compare("not in", Expr.Field.of("item"), constants(plan.exclude())));
        StringBuilder q = new StringBuilder("WITH pa_events AS (SELECT person_id, timestamp, uuid, "
                + "toUnixTimestamp64Milli(timestamp) AS ms, {pa_item} AS item FROM events WHERE {pa_where}), ");
        String items = "pa_events";
        if (plan.grouping() != null) {
            v.put("pa_grouping", plan.grouping());
            q.append("pa_grouped AS (SELECT person_id, timestamp, uuid, ms, {pa_grouping} AS grouped FROM pa_events), ");
            items = "(SELECT person_id, timestamp, uuid, ms, grouped AS item FROM pa_grouped)";
        }
        q.append("pa_cut AS (SELECT person_id, timestamp, uuid, ms, item, "
                + "if(ms - lag(ms) OVER pa_person < {pa_gap}, 0, 1) AS new_session FROM ").append(items)
                .append(" WHERE {pa_keep} WINDOW pa_person AS (PARTITION BY person_id ORDER BY timestamp, uuid)), ");
        // every window after the cut shares one order, (person, session) by time, so PostgreSQL sorts the events
        // twice in all: by person and time, then by person, session and time
        String inSession = "PARTITION BY person_id, session ORDER BY timestamp, uuid";
        String wholeSession = "(" + inSession + " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)";
        q.append("pa_sessions AS (SELECT person_id, timestamp, uuid, ms, item, "
                + "count(if(new_session = 1, 1, NULL)) OVER (PARTITION BY person_id ORDER BY timestamp, uuid "
                + "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session, "
                + "lead(item) OVER (PARTITION BY person_id ORDER BY timestamp, uuid) AS next_item, "
                + "lead(new_session) OVER (PARTITION BY person_id ORDER BY timestamp, uuid) AS next_new FROM pa_cut), ");
        q.append("pa_compact AS (SELECT person_id, session, timestamp, uuid, ms, item, "
                + "row_number() OVER (" + inSession + ") AS k "
                + "FROM pa_sessions WHERE item != if(next_new = 0, next_item, '')), ");
        String carried = "person_id, session, timestamp, uuid, ms, ";
        String start = plan.startPoint();
        String end = plan.endPoint();
        if (start != null && end != null) {
            // PostHog looks both points up as given (no trailing slash dropped)
            v.put("pa_start", start);
            v.put("pa_end", end);
            q.append("pa_starts AS (SELECT " + carried + "k, item, "
                    + "min(if(item = {pa_start}, k, NULL)) OVER " + wholeSession + " AS s FROM pa_compact), ");
            q.append("pa_ends AS (SELECT " + carried + "k, item, s, "
                    + "min(if(item = {pa_end} AND k >= s, k, NULL)) OVER " + wholeSession + " AS e "
                    + "FROM pa_starts WHERE s IS NOT NULL), ");
            q.append("pa_steps AS (SELECT " + carried
                    + "multiIf(e - s + 1 <= {pa_n} OR k < s + {pa_half}, k - s + 1, k = s + {pa_half}, {pa_half} + 1, "
                    + "k - e + 2 * {pa_half} + 1) AS idx, "
                    + "if(e - s + 1 > {pa_n} AND k = s + {pa_half}, '...', item) AS step FROM pa_ends "
                    + "WHERE k >= s AND k <= e AND (e - s + 1 <= {pa_n} OR k <= s + {pa_half} OR k > e - {pa_half})) ");
        } else if (end != null) {
            v.put("pa_end", trimSlash(end));
            q.append("pa_ends AS (SELECT " + carried + "k, item, "
                    + "min(if(item = {pa_end}, k, NULL)) OVER " + wholeSession + " AS e FROM pa_compact), ");
            q.append("pa_steps AS (SELECT " + carried + "k - greatest(e - {pa_n}, 0) AS idx, item AS step "
                    + "FROM pa_ends WHERE k <= e AND k > e - {pa_n}) ");
        } else if (start != null) {
            v.put("pa_start", trimSlash(start));
            q.append("pa_starts AS (SELECT " + carried + "k, item, "
                    + "min(if(item = {pa_start}, k, NULL)) OVER " + wholeSession + " AS s FROM pa_compact), ");
            q.append("pa_steps AS (SELECT " + carried + "k - s + 1 AS idx, item AS step "
                    + "FROM pa_starts WHERE k >= s AND k < s + {pa_n}) ");
        } else {
            q.append("pa_steps AS (SELECT " + carried + "k AS idx, item AS step FROM pa_compact WHERE k <= {pa_n}) ");
        }
        // a session holds at most one walk, whose steps keep the session's time order
        q.append("SELECT person_id, idx, step AS item, "
                + "lag(step) OVER (" + inSession + ") AS prev, "
                + "ms - lag(ms) OVER (" + inSession + ") AS conv, "
                + "max(idx) OVER " + wholeSession + " AS len FROM pa_steps");
        return HogQLStatement.select(q.toString(), v);
    }

    /**
     * The edges: {@code source, target, value, conversion_ms} (the average milliseconds between the two items),
     * by value (desc), source, target, within the edge weights, at most {@code edgeLimit}.
     */
    public static SelectLike edges(PathsPlan plan) {
        Map<String, Object> v = new HashMap<>();
        v.put("pa_steps", steps(plan));
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
                + "concat(toString(idx), '_', item) AS target, count() AS value, avg(conv) AS conversion_ms "
                + "FROM {pa_steps} AS steps WHERE idx > 1 GROUP BY source, target "
                + (having.isEmpty() ? "" : "HAVING " + String.join(" AND ", having) + " ")
                + "ORDER BY value DESC, source, target LIMIT {pa_limit}", v);
    }

    /**
     * The persons of a paths cell, one row per matching step ({@code person_id}; PostHog's {@code event_count} is
     * their count): with {@code dropoffKey} the steps that end their walk with that key; else the steps whose
     * previous key is {@code startKey} and whose own key is {@code endKey} (either may be null: not checked).
     */
    public static SelectLike actors(PathsPlan plan, String startKey, String endKey, String dropoffKey) {
        Map<String, Object> v = new HashMap<>();
        v.put("pa_steps", steps(plan));
        List<String> where = new ArrayList<>();
        if (dropoffKey != null) {
            v.put("pa_dropoff", dropoffKey);
            where.add("idx = len AND concat(toString(idx), '_', item) = {pa_dropoff}");
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
