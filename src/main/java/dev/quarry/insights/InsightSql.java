package dev.quarry.insights;

import dev.quarry.dates.Interval;
import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.HogQLStatement;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryService;
import dev.quarry.web.ValidationException;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What insight runners share to build their plans: the team's zone, week start and clock, date ranges, the
 * insight-wide filters, and {@link #statement}: HogQL templates written in this package (constant text; every user
 * value is a {@code {placeholder}} bound as a constant or an AST) become {@link HogQLStatement}s, which a runner puts
 * in its {@link QueryPlan} ({@link #run}); the service compiles ({@link QueryService#compile}: team wall, person ids
 * through merges) and runs them.
 */
public final class InsightSql {
    /** Insight queries return every row they compute (bucket × breakdown counts are bounded by the runner). */
    static final int NO_LIMIT = QueryService.NO_LIMIT;

    private final QueryContext context;
    private final String kind;

    public InsightSql(QueryContext context, String kind) {
        this.context = context;
        this.kind = kind;
    }

    public QueryContext context() {
        return context;
    }

    /** The query kind the statements run for (query log, metering). */
    public String kind() {
        return kind;
    }

    /** A runner's statement from constant template text (user values only as placeholder values). */
    public HogQLStatement statement(String template, Map<String, Object> values) {
        return HogQLStatement.parse(kind, template, values);
    }

    public ObjectMapper mapper() {
        return context.mapper();
    }

    public ZoneId zone() {
        try {
            return ZoneId.of(context.team().timezone());
        } catch (java.time.DateTimeException e) {
            return ZoneId.of("UTC");
        }
    }

    public int weekStartDay() {
        return context.team().weekStartDay();
    }

    public ZonedDateTime now() {
        return context.now().atZone(zone());
    }

    /** A statement's plan: compiled and run by the service ({@link dev.quarry.query.QueryPlans}). */
    public QueryPlan<HogQLStatement.Result> run(HogQLStatement statement) {
        return QueryPlan.run(statement);
    }

    /** The rows of a statement from constant template text (user values only as placeholder values). */
    public QueryPlan<RowSet<Row>> run(String template, Map<String, Object> values) {
        return QueryPlan.run(statement(template, values)).map(HogQLStatement.Result::rows);
    }

    /**
     * The team's first event after 2015-01-01, for {@code date_from: all} (null when it has none): PostHog's
     * {@code get_earliest_timestamp} floor, so that one event dated in year 1 does not stretch every "all time"
     * range over two thousand years of intervals.
     */
    public QueryPlan<ZonedDateTime> earliestEvent() {
        return QueryPlan.run(HogQLStatement.parse(kind, "SELECT min(timestamp) FROM events "
                + "WHERE timestamp > toDateTime('2015-01-01 00:00:00', 'UTC')", Map.of())).map(r -> {
            OffsetDateTime t = r.rows().iterator().next().getOffsetDateTime(0);
            // HogQL's min of no rows is ClickHouse's default, 1970-01-01: no events
            return t == null || t.toEpochSecond() == 0 ? null : t.atZoneSameInstant(zone());
        });
    }

    /** Resolves a {@code dateRange} (PostHog's QueryDateRange rules), looking up the first event for {@code all}. */
    public QueryPlan<QueryDateRange> dateRange(DateRange dr, Interval interval, String defaultFrom) {
        if (QueryDateRange.needsEarliest(dr)) {
            return earliestEvent().map(e -> QueryDateRange.resolve(dr, interval, weekStartDay(), now(), defaultFrom, e));
        }
        return QueryPlan.of(QueryDateRange.resolve(dr, interval, weekStartDay(), now(), defaultFrom, null));
    }

    // ------------------------------------------------------------------ filters

    /** Property filter records as HogQL; 400 naming {@code attr} for a filter Quarry cannot compute. */
    public static Expr properties(PropertyFilter filters, String attr) {
        try {
            return PropertyFilters.toExpr(filters);
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), attr);
        }
    }

    /** {@code properties} (filter records) and, with {@code filterTestAccounts}, the test-account filter. */
    public Expr globalFilters(PropertyFilter properties, Boolean filterTestAccounts) {
        List<Expr> parts = new ArrayList<>();
        parts.add(properties(properties, "properties"));
        if (Boolean.TRUE.equals(filterTestAccounts)) {
            parts.add(testAccounts());
        }
        return and(parts);
    }

    public Expr testAccounts() {
        return TestAccounts.filter(context.team());
    }

    /** {@code timestamp} within the range (both ends inclusive, as PostHog reads them). */
    public static Expr timestampIn(ZonedDateTime from, ZonedDateTime to) {
        List<Expr> parts = new ArrayList<>();
        if (from != null) {
            parts.add(new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(from.toOffsetDateTime())));
        }
        if (to != null) {
            parts.add(new Expr.Compare("<=", Expr.Field.of("timestamp"), new Expr.Constant(to.toOffsetDateTime())));
        }
        return and(parts);
    }

    public static Expr and(List<Expr> parts) {
        List<Expr> kept = new ArrayList<>();
        for (Expr p : parts) {
            if (p == null || (p instanceof Expr.Constant c && Boolean.TRUE.equals(c.value()))) {
                continue;
            }
            if (p instanceof Expr.And a) {
                kept.addAll(a.exprs());
            } else {
                kept.add(p);
            }
        }
        if (kept.isEmpty()) {
            return new Expr.Constant(true);
        }
        return kept.size() == 1 ? kept.get(0) : new Expr.And(kept);
    }

    public static Expr and(Expr... parts) {
        return and(java.util.Arrays.asList(parts));
    }
}
