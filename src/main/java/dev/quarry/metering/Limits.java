package dev.quarry.metering;

import dev.quarry.web.ThrottledException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Quotas and rate limits, with all state in PostgreSQL so every Lambda instance sees the same counts.
 * A quota is checked against the project's billable calls this month (the hourly rollup); it is soft by the
 * number of calls in flight at once, since a call is counted when it ends. Rate limits are fixed-window
 * counters bumped atomically ({@code INSERT … ON CONFLICT DO UPDATE SET n = n + 1 RETURNING n}), so concurrent
 * calls from any instance are counted exactly; every attempt counts, also a refused one. Counters commit
 * without waiting for the WAL flush: a database crash could forget the last increments, which only lets a few
 * calls more through.
 */
@ApplicationScoped
public class Limits {
    static final String[] QUOTA_COLUMNS = {"capture_calls_per_month", "query_calls_per_month",
            "persons_calls_per_month", "plugins_calls_per_month", "bootstrap_calls_per_month"};
    static final String[] RATE_COLUMNS = {"hogql_per_hour", "query_per_minute", "query_per_hour",
            "persons_per_minute", "persons_per_hour"};
    private static final String MONTH_START = "(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";

    private static final String PLAN_SQL = "SELECT p.id, " + coalesced(QUOTA_COLUMNS) + ", " + coalesced(RATE_COLUMNS)
            + ", (SELECT coalesce(sum(u.billable_calls), 0) FROM api_usage u WHERE u.team_id = x.team_id "
            + "AND u.endpoint_group = $2 AND u.hour >= " + MONTH_START + ")::bigint"
            + ", extract(epoch FROM " + MONTH_START + " + interval '1 month' - now())::float8"
            + " FROM (SELECT $1::bigint AS team_id) x LEFT JOIN team_plans t ON t.team_id = x.team_id"
            + " JOIN plans p ON p.id = coalesce(t.plan_id, 'default')";

    private static final String BUMP_SQL = "WITH expired AS (DELETE FROM rate_limit_counters "
            + "WHERE key_id = $1 AND window_start < now() - interval '2 hours') "
            + "INSERT INTO rate_limit_counters AS c (key_id, bucket, window_start, n) "
            + "SELECT $1, w.bucket, date_trunc(w.unit, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1 "
            + "FROM unnest($2::text[], $3::text[]) AS w(bucket, unit), "
            + "(SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode "
            + "ON CONFLICT (key_id, bucket, window_start) DO UPDATE SET n = c.n + 1 "
            + "RETURNING bucket, n, extract(epoch FROM window_start - now())::float8";

    private final Pool pool;
    private final QuotaCache captureQuotas;

    /**
     * @param captureQuotaCacheMs how long capture keeps a project's quota answer, in ms (0: a read per request)
     * @param captureQuotaCacheProjects the most projects whose answer capture keeps at once
     */
    public Limits(Pool pool,
                  @ConfigProperty(name = "quarry.metering.capture-quota-cache-ms", defaultValue = "5000")
                  long captureQuotaCacheMs,
                  @ConfigProperty(name = "quarry.metering.capture-quota-cache-projects", defaultValue = "10000")
                  int captureQuotaCacheProjects) {
        this.pool = pool;
        this.captureQuotas = new QuotaCache(captureQuotaCacheMs, captureQuotaCacheProjects, System::nanoTime);
    }

    /** The project's plan with its overrides; a project with neither a plan nor a default plan row is unlimited. */
    public Uni<Plan> plan(long teamId) {
        return pool.preparedQuery(PLAN_SQL).execute(Tuple.of(teamId, EndpointGroup.BOOTSTRAP.id()))
                .map(rows -> rows.size() == 0 ? Plan.unlimited() : plan(rows.iterator().next()));
    }

    /**
     * Lets the call through, or fails with 429 throttled_error: over the project's monthly quota for the group
     * (Retry-After: until the month rolls over, UTC), or over a rate limit of the key (until its window ends).
     */
    public Uni<Void> admit(long teamId, String keyId, EndpointGroup group, boolean hogql, boolean checkQuota) {
        return pool.preparedQuery(PLAN_SQL).execute(Tuple.of(teamId, group.id())).flatMap(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().voidItem();
            }
            Row row = rows.iterator().next();
            Plan plan = plan(row);
            Long quota = plan.quota(group);
            long used = row.getLong(1 + QUOTA_COLUMNS.length + RATE_COLUMNS.length);
            if (checkQuota && quota != null && used >= quota) {
                throw overQuota(row, plan, group, quota);
            }
            Map<String, Integer> windows = plan.rateWindows(group, hogql);
            if (keyId == null || windows.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return bump(keyId, windows);
        });
    }

    /**
     * Capture's admission: its monthly quota only (capture has no key, so no rate windows). A project whose answer
     * was read less than {@code quarry.metering.capture-quota-cache-ms} ago and is still under its quota by the calls
     * let through since is admitted without a round trip ({@link QuotaCache} says how far a flood can pass the quota
     * that way); otherwise as {@link #admit}: one read, and 429 throttled_error when the quota is used up.
     */
    public Uni<Void> admitCapture(long teamId) {
        if (captureQuotas.tryAdmit(teamId)) {
            return Uni.createFrom().voidItem();
        }
        long readAt = System.nanoTime();
        return pool.preparedQuery(PLAN_SQL).execute(Tuple.of(teamId, EndpointGroup.CAPTURE.id())).map(rows -> {
            if (rows.size() == 0) {
                captureQuotas.admittedAfterRead(teamId, null, 0, readAt);
                return null;
            }
            Row row = rows.iterator().next();
            Plan plan = plan(row);
            Long quota = plan.quota(EndpointGroup.CAPTURE);
            long used = row.getLong(1 + QUOTA_COLUMNS.length + RATE_COLUMNS.length);
            if (quota != null && used >= quota) {
                captureQuotas.forget(teamId);
                throw overQuota(row, plan, EndpointGroup.CAPTURE, quota);
            }
            captureQuotas.admittedAfterRead(teamId, quota, used, readAt);
            return null;
        });
    }

    private static ThrottledException overQuota(Row row, Plan plan, EndpointGroup group, long quota) {
        double untilNextMonth = row.getDouble(2 + QUOTA_COLUMNS.length + RATE_COLUMNS.length);
        return new ThrottledException("Monthly quota of " + quota + " " + group.id() + " calls for this project "
                + "is used up (plan '" + plan.id() + "'). It resets at the start of next month (UTC).",
                (long) Math.ceil(untilNextMonth));
    }

    private Uni<Void> bump(String keyId, Map<String, Integer> windows) {
        String[] buckets = windows.keySet().toArray(String[]::new);
        String[] units = windows.keySet().stream().map(Plan::windowUnit).toArray(String[]::new);
        return pool.preparedQuery(BUMP_SQL).execute(Tuple.of(keyId, buckets, units)).map(rows -> {
            long retryAfter = 0;
            List<String> exceeded = new ArrayList<>();
            for (Row row : rows) {
                String bucket = row.getString(0);
                int limit = windows.get(bucket);
                if (row.getInteger(1) > limit) {
                    exceeded.add(limit + " " + bucket.replace(":", " calls per "));
                    double untilEnd = row.getDouble(2) + Plan.windowSeconds(bucket);
                    retryAfter = Math.max(retryAfter, Math.max(1, (long) Math.ceil(untilEnd)));
                }
            }
            if (!exceeded.isEmpty()) {
                throw new ThrottledException("Request was throttled: this key is limited to "
                        + String.join(" and ", exceeded) + ". Expected available in " + retryAfter + " seconds.",
                        retryAfter);
            }
            return null;
        });
    }

    private static Plan plan(Row row) {
        Map<EndpointGroup, Long> quotas = new EnumMap<>(EndpointGroup.class);
        EndpointGroup[] groups = EndpointGroup.values();
        for (int i = 0; i < QUOTA_COLUMNS.length; i++) {
            Long quota = row.getLong(1 + i);
            if (quota != null) {
                quotas.put(groups[i], quota);
            }
        }
        int r = 1 + QUOTA_COLUMNS.length;
        return new Plan(row.getString(0), quotas, row.getInteger(r), row.getInteger(r + 1), row.getInteger(r + 2),
                row.getInteger(r + 3), row.getInteger(r + 4));
    }

    private static String coalesced(String[] columns) {
        List<String> parts = new ArrayList<>();
        for (String column : columns) {
            parts.add("coalesce(t." + column + ", p." + column + ")");
        }
        return String.join(", ", parts);
    }
}
