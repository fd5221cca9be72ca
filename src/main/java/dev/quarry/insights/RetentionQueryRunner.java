package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.QueryValues;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RetentionQuery: cohorts by the interval of their target event (every one for recurring retention, the person's
 * first ever for first-time retention), and for each later interval how many of them did the returning event.
 * Interval 0 is the cohort size; cumulative counts a person in every interval up to their last return.
 */
@ApplicationScoped
public class RetentionQueryRunner implements QueryRunner {
    @Override
    public String kind() {
        return "RetentionQuery";
    }

    @Override
    public String interval(ObjectNode query) {
        return query.path("retentionFilter").path("period").asText("Day").toLowerCase(java.util.Locale.ROOT);
    }

    /** A resolved retention query: buckets 0..n-1 end at the bucket holding date_to. */
    public record Plan(Interval interval, ZonedDateTime first, int n, boolean firstTime, boolean cumulative,
            Expr target, Expr returning, Expr global, ZonedDateTime readFrom, ZonedDateTime readTo) {
        String period() {
            return interval.title();
        }
    }

    public static Plan plan(InsightSql sql, JsonNode query) {
        JsonNode f = query.path("retentionFilter");
        String period = f.path("period").asText("Day");
        Interval interval = switch (period) {
            case "Hour" -> Interval.HOUR;
            case "Day" -> Interval.DAY;
            case "Week" -> Interval.WEEK;
            case "Month" -> Interval.MONTH;
            default -> throw new ValidationException("period must be Hour, Day, Week or Month", "period");
        };
        int n = f.path("totalIntervals").asInt(8);
        if (n < 1 || n > 500) {
            throw new ValidationException("totalIntervals must be between 1 and 500", "totalIntervals");
        }
        String type = f.path("retentionType").asText("retention_recurring");
        if (!List.of("retention_recurring", "retention_first_time").contains(type)) {
            throw new ValidationException("Unsupported retentionType: " + type, "retentionType");
        }
        String toText = query.path("dateRange").path("date_to").asText(null);
        // at Hour a date alone is that day's start (PostHog's QueryDateRange), so the last interval is its 00:00 hour
        ZonedDateTime to = toText == null ? sql.now() : RelativeDates.parseDateTo(toText, sql.now(), interval, "date_to");
        if (to == null) {
            to = sql.now();
        }
        ZonedDateTime last = interval.start(to, sql.weekStartDay());
        ZonedDateTime first = interval.plus(last, -(n - 1));
        Expr global = sql.globalFilters(query);
        return new Plan(interval, first, n, type.equals("retention_first_time"), f.path("cumulative").asBoolean(false),
                entity(f.get("targetEntity"), "targetEntity"), entity(f.get("returningEntity"), "returningEntity"),
                global, first, interval.plus(last, 1));
    }

    /** {@code {id, type: "events"}} (id null = every event), or an EventsNode. */
    static Expr entity(JsonNode e, String attr) {
        if (e == null || e.isNull()) {
            return new Expr.Constant(true);
        }
        String type = e.path("type").asText(e.has("kind") ? "events" : "events");
        if (!type.equals("events") || (e.has("kind") && !e.path("kind").asText().equals("EventsNode"))) {
            throw new ValidationException("Only event entities are supported", attr);
        }
        JsonNode id = e.has("kind") ? e.get("event") : e.get("id");
        Expr props = InsightSql.properties(e.get("properties"), attr);
        if (id == null || id.isNull()) {
            return props;
        }
        return InsightSql.and(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(id.asText())), props);
    }

    /** Columns {@code person_id, start, j}: cohort membership (j = 0) and returns (j = intervals after start). */
    public static HogQLPart cells(Plan plan) {
        String idx = plan.interval().indexHogQL("rt_anchor", "timestamp");
        String cohort;
        if (plan.firstTime()) {
            String firstIdx = plan.interval().indexHogQL("rt_anchor", "first_seen");
            cohort = "SELECT person_id, " + firstIdx + " AS start FROM (SELECT person_id, min(timestamp) AS first_seen "
                    + "FROM events WHERE {rt_target_all} GROUP BY person_id) AS firsts WHERE " + firstIdx + " >= 0 AND "
                    + firstIdx + " < {rt_n}";
        } else {
            cohort = "SELECT person_id, " + idx + " AS start FROM events WHERE {rt_target} GROUP BY person_id, " + idx;
        }
        String returning = "SELECT person_id, " + idx + " AS ret FROM events WHERE {rt_returning} GROUP BY person_id, "
                + idx;
        String text = "SELECT c.person_id AS person_id, c.start AS start, 0 AS j FROM (" + cohort + ") AS c "
                + "UNION ALL SELECT c.person_id AS person_id, c.start AS start, r.ret - c.start AS j FROM (" + cohort
                + ") AS c INNER JOIN (" + returning + ") AS r ON r.person_id = c.person_id AND r.ret > c.start";
        Expr range = new Expr.And(List.of(
                new Expr.Compare(">=", Expr.Field.of("timestamp"), new Expr.Constant(plan.readFrom().toOffsetDateTime())),
                new Expr.Compare("<", Expr.Field.of("timestamp"), new Expr.Constant(plan.readTo().toOffsetDateTime()))));
        Map<String, Object> values = new HashMap<>();
        values.put("rt_anchor", plan.first().toOffsetDateTime());
        values.put("rt_n", (long) plan.n());
        values.put("rt_returning", InsightSql.and(plan.returning(), plan.global(), range));
        if (plan.firstTime()) {
            values.put("rt_target_all", InsightSql.and(plan.target(), plan.global()));
        } else {
            values.put("rt_target", InsightSql.and(plan.target(), plan.global(), range));
        }
        return new HogQLPart(text, values);
    }

    @Override
    public Uni<ObjectNode> run(QueryContext context, ObjectNode query) {
        InsightSql sql = new InsightSql(context, kind());
        Plan plan = plan(sql, query);
        HogQLPart counts = plan.cumulative()
                ? cells(plan).wrap("SELECT start, mj, count() FROM (SELECT person_id, start, max(j) AS mj FROM %s AS cells "
                        + "GROUP BY person_id, start) AS last_return GROUP BY start, mj", Map.of())
                : cells(plan).wrap("SELECT start, j, count(DISTINCT person_id) FROM %s AS cells GROUP BY start, j",
                        Map.of());
        CompiledQuery compiled = sql.compile(counts.text(), counts.values());
        return sql.run(compiled).map(rows -> {
            int n = plan.n();
            long[][] values = new long[n][n];
            long[] cohort = new long[n];
            for (Row row : rows) {
                int start = (int) (long) row.getLong(0);
                int j = (int) (long) row.getLong(1);
                long c = row.getLong(2);
                if (start < 0 || start >= n || j < 0 || start + j >= n) {
                    continue;
                }
                if (plan.cumulative()) {
                    // c persons whose last return is j: they count in every interval 1..j; all are in the cohort
                    cohort[start] += c;
                    for (int k = 1; k <= j; k++) {
                        values[start][k] += c;
                    }
                } else if (j == 0) {
                    cohort[start] = c;
                } else {
                    values[start][j] = c;
                }
            }
            ObjectNode body = context.mapper().createObjectNode();
            ArrayNode results = body.putArray("results");
            for (int i = 0; i < n; i++) {
                ObjectNode cohortRow = results.addObject();
                ArrayNode vs = cohortRow.putArray("values");
                for (int j = 0; j < n - i; j++) {
                    vs.addObject().put("count", j == 0 ? cohort[i] : values[i][j]).put("label", plan.period() + " " + j);
                }
                cohortRow.put("label", plan.period() + " " + i);
                cohortRow.put("date", QueryValues.timestamp(plan.interval().plus(plan.first(), i).toOffsetDateTime()));
            }
            SeriesJson.putSql(body, query, List.of(compiled));
            body.putNull("error");
            return body;
        });
    }
}
