package dev.quarry.activity;

import dev.quarry.data.UserBasic;
import dev.quarry.web.BoundedReads;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads a project's activity log ({@code activity_log}, every scope): pages of entries under an
 * {@link ActivityLogFilter}, and the values its filters can take. Each read is bounded ({@link BoundedReads}): at most
 * {@link #TIMEOUT} per statement (a 504 past it), at most {@link #READS_AT_ONCE} of a project's reads at once on this
 * instance (more are 429s), and no page reads more entry details than an answer can carry ({@link ActivityLogSql#page}).
 */
@ApplicationScoped
public class ActivityLogs {
    /** The longest one statement of a read may run (filters on the detail JSON read every entry of the project). */
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A project's reads running at once on this instance. */
    static final int READS_AT_ONCE = 2;
    /** Entries whose details the filter discovery reads, newest first. */
    static final int DISCOVERY_ENTRIES = 500;
    /** The most detail bytes the filter discovery reads. */
    static final long DISCOVERY_BYTES = 8L * 1024 * 1024;

    private final BoundedReads reads;

    public ActivityLogs(Pool pool) {
        this.reads = new BoundedReads(pool, TIMEOUT, READS_AT_ONCE,
                "Too many activity log reads are running for this project at once. Try again shortly.");
    }

    /** One entry as stored; {@code user} null for an entry the system made. */
    public record Entry(UUID id, String scope, String itemId, String activity, String detail,
                        OffsetDateTime createdAt, UserBasic user, long detailBytes, boolean elided, String name,
                        String shortId) {
    }

    /**
     * Entries of one page in the page's order, and whether the read was cut: {@code more} when entries follow the
     * last one in the order read (the budget cut the page, or there was one more than asked).
     */
    public record Page(List<Entry> entries, boolean more) {
    }

    /**
     * Up to {@code limit} entries after {@code after} (or from {@code offset}) in the order asked, their details
     * adding up to at most about {@code byteBudget} bytes.
     */
    public Uni<Page> page(long teamId, ActivityLogFilter filter, boolean ascending, ActivityLogSql.Position after,
                         long offset, int limit, long byteBudget) {
        ActivityLogSql.Statement statement = ActivityLogSql.page(filter, ascending, after, offset, limit + 1,
                byteBudget);
        return bounded(teamId, conn -> conn.preparedQuery(statement.sql()).execute(tuple(teamId, statement)))
                .map(rows -> {
                    List<Entry> entries = new ArrayList<>();
                    long pageRows = 0;
                    for (Row row : rows) {
                        pageRows = row.getLong(12);
                        Long userId = row.getLong(6);
                        UserBasic user = userId == null ? null : new UserBasic(userId, row.getString(7),
                                row.getString(8), row.getString(9), row.getString(10));
                        entries.add(new Entry(row.getUUID(0), row.getString(1), row.getString(2), row.getString(3),
                                row.getString(4), row.getOffsetDateTime(5), user, row.getInteger(11),
                                row.getBoolean(13), row.getString(14), row.getString(15)));
                    }
                    boolean more = pageRows > limit || entries.size() < pageRows;
                    if (entries.size() > limit) {
                        entries = entries.subList(0, limit);
                    }
                    return new Page(List.copyOf(entries), more);
                });
    }

    /** How many entries the filtered list holds. */
    public Uni<Long> count(long teamId, ActivityLogFilter filter) {
        ActivityLogSql.Statement statement = ActivityLogSql.count(filter);
        return bounded(teamId, conn -> conn.preparedQuery(statement.sql()).execute(tuple(teamId, statement)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** A user who made entries: their uuid and PostHog's label (full name, else email). */
    public record Author(String uuid, String label) {
    }

    /** The newest entries' scopes and details, for the filter discovery. */
    public record Sample(String scope, String detail) {
    }

    /** What the project's entries hold: their users, scopes and activities (sorted), and a sample of details. */
    public record Values(List<Author> users, List<String> scopes, List<String> activities, List<Sample> samples) {
    }

    /** The values the project's activity log filters can take ({@link DetailFields} reads the samples). */
    public Uni<Values> values(long teamId) {
        String sql = "SELECT 0 AS kind, u.uuid::text, coalesce(nullif(trim(u.first_name), ''), u.email), NULL "
                + "FROM (SELECT DISTINCT user_id FROM activity_log WHERE team_id = $1 AND user_id IS NOT NULL) AS d "
                + "JOIN users u ON u.id = d.user_id "
                + "UNION ALL SELECT DISTINCT 1, scope, NULL, NULL FROM activity_log WHERE team_id = $1 "
                + "UNION ALL SELECT DISTINCT 2, activity, NULL, NULL FROM activity_log WHERE team_id = $1 "
                + "UNION ALL SELECT 3, a.scope, NULL, a.detail::text FROM (SELECT q.id, sum(q.detail_bytes) OVER "
                + "(ORDER BY q.created_at DESC, q.id DESC) AS running FROM (SELECT id, created_at, detail_bytes "
                + "FROM activity_log WHERE team_id = $1 ORDER BY created_at DESC, id DESC LIMIT " + DISCOVERY_ENTRIES
                + ") AS q) AS r JOIN activity_log a ON a.team_id = $1 AND a.id = r.id "
                + "WHERE r.running <= " + DISCOVERY_BYTES;
        return bounded(teamId, conn -> conn.preparedQuery(sql).execute(Tuple.of(teamId))).map(rows -> {
            List<Author> users = new ArrayList<>();
            List<String> scopes = new ArrayList<>();
            List<String> activities = new ArrayList<>();
            List<Sample> samples = new ArrayList<>();
            for (Row row : rows) {
                switch (row.getInteger(0)) {
                    case 0 -> users.add(new Author(row.getString(1), row.getString(2)));
                    case 1 -> scopes.add(row.getString(1));
                    case 2 -> activities.add(row.getString(1));
                    default -> samples.add(new Sample(row.getString(1), row.getString(3)));
                }
            }
            scopes.sort(null);
            activities.sort(null);
            users.sort(java.util.Comparator.comparing(Author::label, java.util.Comparator.nullsLast(
                    java.util.Comparator.naturalOrder())));
            return new Values(users, scopes, activities, samples);
        });
    }

    private static Tuple tuple(long teamId, ActivityLogSql.Statement statement) {
        Tuple tuple = Tuple.of(teamId);
        statement.parameters().forEach(tuple::addValue);
        return tuple;
    }

    private <T> Uni<T> bounded(long teamId, Function<io.vertx.mutiny.sqlclient.SqlConnection, Uni<T>> read) {
        return reads.run(teamId, read);
    }
}
