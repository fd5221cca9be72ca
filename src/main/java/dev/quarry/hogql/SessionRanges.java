package dev.quarry.hogql;

import static dev.quarry.hogql.PostgresPrinter.q;

import dev.quarry.hogql.PostgresPrinter.Frag;
import dev.quarry.hogql.Resolver.ColumnRef;
import dev.quarry.hogql.Resolver.Ref;
import dev.quarry.hogql.Resolver.Source;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The outer query's time range pushed into the {@code sessions} table's scan, as PostHog prunes its raw sessions
 * (posthog/hogql/database/schema/util/where_clause_extractor.py, {@code SessionMinTimestampWhereClauseExtractorV2}):
 * the top-level {@code AND} conditions of a SELECT's WHERE that compare a time field with a constant time give the
 * range; a {@code sessions} source is then printed as {@code hogql_sessions_between(lo, hi)} (migration V93_1: the
 * sessions whose UUIDv7 id's time is within 3 days of the range, from the events within 4 days of it) instead of the
 * whole view. The time fields, as PostHog's: a sessions source's {@code $start_timestamp} / {@code $end_timestamp};
 * for the events' lazy join to sessions ({@code events.session.*}) the events' {@code timestamp} and the joined
 * {@code session.$start_timestamp} / {@code $end_timestamp}. A session filter's subquery
 * ({@code <event's session key> [NOT] IN (SELECT session_id FROM sessions WHERE …)}, {@link SessionsTable#filter})
 * takes the range of the events it filters: only the sessions of those events can match, and each such session's row
 * is the same in the pruned table.
 *
 * <p>Fail-safe as PostHog's: a condition not understood (an OR, a NOT, a function of the field other than
 * {@code toDateTime} / {@code toTimeZone} / {@code assumeNotNull}, a non-constant side) bounds nothing, so the
 * pruned read is never narrower than the conditions the outer query applies.
 */
final class SessionRanges {
    /** A range's bounds: SQL of timestamptz values, each null when unbounded. */
    record Range(String lo, String hi) {
        boolean bounded() {
            return lo != null || hi != null;
        }

        /** Both ranges' conditions at once: the later start, the earlier end. */
        Range and(Range o) {
            return o == null ? this : new Range(both("GREATEST", lo, o.lo), both("LEAST", hi, o.hi));
        }

        private static String both(String fn, String a, String b) {
            return a == null ? b : b == null ? a : fn + "(" + a + ", " + b + ")";
        }
    }

    private static final Set<String> SESSION_TIMES = Set.of("$start_timestamp", "$end_timestamp");
    /** Functions of a time field that keep it a time field (PostHog's list, without the toStartOf… truncations). */
    private static final Set<String> SAME_TIME = Set.of("todatetime", "totimezone", "assumenotnull", "todatetime64");
    /** Functions whose value is constant when their arguments are (PostHog's IsTimeOrIntervalConstantVisitor). */
    private static final Set<String> CONSTANT_OF_ARGS = Set.of("parsedatetime64besteffortornull", "todatetime",
            "todatetime64", "totimezone", "assumenotnull", "tointervalyear", "tointervalmonth", "tointervalweek",
            "tointervalday", "tointervalhour", "tointervalminute", "tointervalsecond", "tostartofday",
            "tostartofweek", "tostartofmonth", "tostartofquarter", "tostartofyear", "minus", "plus", "todate");
    private static final Set<String> CONSTANT = Set.of("today", "now", "now64", "yesterday");
    private static final Map<String, String> NAMED_COMPARE = Map.of("equals", "=", "greater", ">",
            "greaterorequals", ">=", "less", "<", "lessorequals", "<=");

    private final PostgresPrinter p;
    private final Resolver.Resolution res;
    /** The range found for each source of the SELECTs printed so far (sessions sources and events sources). */
    private final Map<Source, Range> ranges = new IdentityHashMap<>();
    /** While a session filter's subquery is printed: the range of the events it filters. */
    private Range inherited;

    SessionRanges(PostgresPrinter p, Resolver.Resolution res) {
        this.p = p;
        this.res = res;
    }

    /** The sources of the SELECT whose WHERE is being read (an events source joined by hand bounds its sessions). */
    private List<Source> current = List.of();

    /** Reads the ranges of one SELECT's sources from its WHERE; called before its FROM is printed. */
    void enter(SelectQuery s, List<Source> sources) {
        current = sources;
        Range pending = inherited;
        inherited = null; // only the subquery's own sources take it, not deeper ones
        for (Source src : sources) {
            if (src.table == SessionsTable.DEF || src.table == Schema.table("events")) {
                List<String> lo = new ArrayList<>();
                List<String> hi = new ArrayList<>();
                if (s.where() != null) {
                    collect(s.where(), src, lo, hi);
                }
                Range r = new Range(lo.isEmpty() ? null : String.join(", ", lo), hi.isEmpty() ? null : String.join(", ", hi));
                r = new Range(r.lo == null ? null : lo.size() == 1 ? r.lo : "GREATEST(" + r.lo + ")",
                        r.hi == null ? null : hi.size() == 1 ? r.hi : "LEAST(" + r.hi + ")");
                ranges.put(src, src.table == SessionsTable.DEF && pending != null ? r.and(pending) : r);
            }
        }
    }

    /** The SQL of the sessions table a source reads: the pruned function when its range is known, else the view. */
    String sessionsTable(Source sessionsOrEvents) {
        Range r = ranges.get(sessionsOrEvents);
        if (r == null || !r.bounded()) {
            return q(SessionsTable.DEF.pgTable());
        }
        return "hogql_sessions_between(" + (r.lo == null ? "NULL" : r.lo) + ", " + (r.hi == null ? "NULL" : r.hi)
                + ")";
    }

    /**
     * Prints {@code sub}, the right side of {@code left [NOT] IN (sub)}: when {@code left} is an events source's
     * session key and {@code sub} a plain read of the sessions table (no join, grouping, limit), {@code sub}'s
     * sessions take the events' range.
     */
    <T> T within(Expr left, SelectLike sub, java.util.function.Supplier<T> print) {
        Range saved = inherited;
        if (left instanceof Expr.Field f && res.ref(f) instanceof ColumnRef c
                && c.field().name().equals(Schema.SESSION_KEY) && sub instanceof SelectQuery q
                && q.from().size() == 1 && q.groupBy().isEmpty() && q.having() == null && q.limit() == null
                && q.offset() == null && q.limitBy() == null && q.ctes().isEmpty()) {
            Range r = ranges.get(c.source());
            inherited = r != null && r.bounded() ? r : null;
        }
        try {
            return print.get();
        } finally {
            inherited = saved;
        }
    }

    private void collect(Expr e, Source src, List<String> lo, List<String> hi) {
        if (e instanceof Expr.And a) {
            a.exprs().forEach(x -> collect(x, src, lo, hi));
        } else if (e instanceof Expr.Call c && c.name().equalsIgnoreCase("and")) {
            c.args().forEach(x -> collect(x, src, lo, hi));
        } else if (e instanceof Expr.Call c && c.args().size() == 2
                && NAMED_COMPARE.containsKey(c.name().toLowerCase(Locale.ROOT))) {
            compare(NAMED_COMPARE.get(c.name().toLowerCase(Locale.ROOT)), c.args().get(0), c.args().get(1), src, lo, hi);
        } else if (e instanceof Expr.Compare c) {
            compare(c.op(), c.left(), c.right(), src, lo, hi);
        } else if (e instanceof Expr.Between b && !b.negated() && timeField(b.expr(), src)) {
            add(b.low(), lo);
            add(b.high(), hi);
        }
    }

    private void compare(String op, Expr l, Expr r, Source src, List<String> lo, List<String> hi) {
        if (!Set.of("=", "<", "<=", ">", ">=").contains(op)) {
            return;
        }
        if (!timeField(l, src)) {
            if (!timeField(r, src)) {
                return;
            }
            Expr t = l;
            l = r;
            r = t;
            op = op.replace('<', '!').replace('>', '<').replace('!', '>');
        }
        if (op.equals("=") || op.startsWith(">")) {
            add(r, lo);
        }
        if (op.equals("=") || op.startsWith("<")) {
            add(r, hi);
        }
    }

    /** Adds a constant time's SQL as timestamptz; nothing when it is not one (the bound is then left open). */
    private void add(Expr e, List<String> out) {
        if (!constant(e)) {
            return;
        }
        Frag f = p.expr(e);
        String cat = HogQLTypes.cat(f.type());
        if (cat.equals("datetime") || cat.equals("date")) {
            out.add("(" + f.sql() + ")::timestamptz");
        } else if (cat.equals("string") && e instanceof Expr.Constant c && c.value() instanceof String s) {
            try {
                out.add(p.bind(Dates.parseDateTime(p, s, e), "timestamptz"));
            } catch (RuntimeException notATime) {
                // the comparison itself reports it; no bound
            }
        }
    }

    private boolean timeField(Expr e, Source src) {
        if (e instanceof Expr.Alias a) {
            return timeField(a.expr(), src);
        }
        if (e instanceof Expr.Call c && !c.args().isEmpty() && SAME_TIME.contains(c.name().toLowerCase(Locale.ROOT))) {
            return timeField(c.args().get(0), src);
        }
        if (!(e instanceof Expr.Field f)) {
            return false;
        }
        Ref r = res.ref(f);
        if (r instanceof ColumnRef c && c.source() == src && c.path().isEmpty()) {
            String name = c.field().name();
            return src.table == SessionsTable.DEF ? SESSION_TIMES.contains(name) : name.equals("timestamp");
        }
        if (r instanceof ColumnRef c && src.table == SessionsTable.DEF && c.source().table == Schema.table("events")
                && c.path().isEmpty() && c.field().name().equals("timestamp")
                && current.stream().anyMatch(x -> x == c.source())) {
            // a sessions table joined by hand to events: PostHog's extractor takes any "timestamp" field of the
            // query (IsSimpleTimestampFieldExpressionVisitor), so the events' range bounds the sessions read
            return true;
        }
        return r instanceof Resolver.SessionFieldRef sf && sf.source() == src
                && SESSION_TIMES.contains(sf.field().name());
    }

    /**
     * The stored-key equalities a hand-written join condition implies: for each top-level {@code AND} term
     * {@code <events>.$session_id = <sessions>.session_id} (or {@code .id}, either side first), the SQL
     * {@code <events>.session_key = <sessions>.session_key}. The term itself stays (it is the answer: the id's text
     * must be the session's canonical text, as in PostHog's string comparison); the key equality is true whenever it
     * is (a session's id text is the canonical text of its key, and an event's stored key is the UUID of its
     * $session_id), so adding it changes no row, and lets PostgreSQL join by the key (hash or index) instead of
     * comparing the text of every event with every session.
     */
    List<String> joinKeys(Expr on) {
        List<String> out = new ArrayList<>();
        keys(on, out);
        return out;
    }

    private void keys(Expr e, List<String> out) {
        if (e instanceof Expr.And a) {
            a.exprs().forEach(x -> keys(x, out));
        } else if (e instanceof Expr.Call c && c.name().equalsIgnoreCase("and")) {
            c.args().forEach(x -> keys(x, out));
        } else if (e instanceof Expr.Compare c && c.op().equals("=")) {
            key(c.left(), c.right(), out);
        } else if (e instanceof Expr.Call c && c.name().equalsIgnoreCase("equals") && c.args().size() == 2) {
            key(c.args().get(0), c.args().get(1), out);
        }
    }

    private void key(Expr l, Expr r, List<String> out) {
        Source events = sessionIdOfEvents(l);
        Source sessions = idOfSessions(r);
        if (events == null || sessions == null) {
            events = sessionIdOfEvents(r);
            sessions = idOfSessions(l);
        }
        if (events != null && sessions != null) {
            out.add(q(events.sqlAlias) + ".\"session_key\" = " + q(sessions.sqlAlias) + ".\"session_key\"");
        }
    }

    private Source sessionIdOfEvents(Expr e) {
        return e instanceof Expr.Field f && res.ref(f) instanceof ColumnRef c && c.path().isEmpty()
                && c.source().table == Schema.table("events") && c.field().name().equals("$session_id")
                && c.source().subquery == null ? c.source() : null;
    }

    private Source idOfSessions(Expr e) {
        return e instanceof Expr.Field f && res.ref(f) instanceof ColumnRef c && c.path().isEmpty()
                && c.source().table == SessionsTable.DEF && c.source().subquery == null
                && (c.field().name().equals("session_id") || c.field().name().equals("id")) ? c.source() : null;
    }

    private static boolean constant(Expr e) {
        if (e instanceof Expr.Constant c) {
            return c.value() != null;
        }
        if (e instanceof Expr.Alias a) {
            return constant(a.expr());
        }
        if (e instanceof Expr.Interval i) {
            return constant(i.amount());
        }
        if (e instanceof Expr.Arithmetic a) {
            return (a.op().equals("+") || a.op().equals("-")) && constant(a.left()) && constant(a.right());
        }
        if (e instanceof Expr.Call c && c.params() == null && !c.distinct()) {
            String n = c.name().toLowerCase(Locale.ROOT);
            return c.args().isEmpty() ? CONSTANT.contains(n)
                    : CONSTANT_OF_ARGS.contains(n) && c.args().stream().allMatch(SessionRanges::constant);
        }
        return false;
    }
}
