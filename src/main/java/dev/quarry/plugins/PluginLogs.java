package dev.quarry.plugins;

import dev.quarry.query.QueryExecutor;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** Reads and appends a plugin config's log entries; every statement is bound to the team. */
@ApplicationScoped
public class PluginLogs {
    private final Pool pool;
    private final QueryExecutor executor;

    public PluginLogs(Pool pool, QueryExecutor executor) {
        this.pool = pool;
        this.executor = executor;
    }

    /**
     * The matching entries' total and one page of them, newest first. As PostHog's plugin log view does, a
     * requested {@code limit} first cuts the matching entries to the newest {@code limit} (its SQL LIMIT), and the
     * page is then taken from those: {@code count} is at most {@code limit}, and an offset past it finds nothing.
     *
     * <p>Both statements run on one connection in one of the instance's statement slots
     * ({@link QueryExecutor#inStatementSlot}): a {@code search} reads every matching message, which for entries of
     * megabytes each takes as long as a query, so many such reads wait their turn instead of taking the connections
     * kept for capture and the rest of the API.
     *
     * @param requestedLimit the {@code limit} the request gave, or null for none
     */
    public Uni<Counted<PluginLogEntry>> list(long teamId, long pluginConfigId, LogFilter filter, LimitOffset page,
                                             Integer requestedLimit) {
        return executor.inStatementSlot(teamId, () -> pool.withConnection(conn ->
                list(conn, teamId, pluginConfigId, filter, page, requestedLimit)));
    }

    private Uni<Counted<PluginLogEntry>> list(SqlConnection conn, long teamId, long pluginConfigId, LogFilter filter,
                                              LimitOffset page, Integer requestedLimit) {
        Where where = where(teamId, pluginConfigId, filter);
        Uni<Long> count = conn.preparedQuery("SELECT count(*) FROM plugin_log_entries WHERE " + where.sql)
                .execute(Tuple.tuple(where.params))
                .map(rows -> {
                    long total = rows.iterator().next().getLong(0);
                    return requestedLimit == null ? total : Math.min(total, requestedLimit);
                });
        long rowsWanted = requestedLimit == null ? page.limit()
                : Math.max(0, Math.min((long) page.limit(), (long) requestedLimit - page.offset()));
        List<Object> pageParams = new ArrayList<>(where.params);
        pageParams.add(rowsWanted);
        pageParams.add(page.offset());
        pageParams.add(ResponseLimit.MAX_ENCODED_BYTES);
        // The page's rows are chosen and their messages' sizes summed first (octet_length reads a stored value's
        // size from its header, without reading the value); the messages are read only when they can fit in an
        // answer. 15 entries of 7.5 MB each were read whole, per request, before the answer was refused as too
        // large, and eight such reads held the shared pool long enough to fail another project's capture.
        Uni<List<PluginLogEntry>> results = conn.preparedQuery("WITH page AS (SELECT id, timestamp, "
                        + "octet_length(message) AS bytes FROM plugin_log_entries WHERE " + where.sql
                        + " ORDER BY timestamp DESC, id DESC LIMIT $" + (pageParams.size() - 2)
                        + " OFFSET $" + (pageParams.size() - 1) + "), "
                        + "size AS (SELECT coalesce(sum(bytes), 0) AS bytes FROM page) "
                        + "SELECT " + PluginLogEntry.COLUMNS.replaceAll("(^|, )", "$1e.") + ", size.bytes AS page_bytes"
                        + " FROM size LEFT JOIN (page JOIN plugin_log_entries e ON e.team_id = $1 AND e.id = page.id) "
                        + "ON size.bytes <= $" + pageParams.size()
                        + " ORDER BY page.timestamp DESC, page.id DESC")
                .execute(Tuple.tuple(pageParams))
                .map(rows -> {
                    List<PluginLogEntry> entries = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        long bytes = row.getLong("page_bytes");
                        if (bytes > ResponseLimit.MAX_ENCODED_BYTES) {
                            throw new ResponseTooLargeException(bytes, ResponseLimit.MAX_ENCODED_BYTES);
                        }
                        if (row.getValue("id") != null) {
                            entries.add(PluginLogEntry.from(row));
                        }
                    }
                    return entries;
                });
        return Uni.combine().all().unis(count, results).asTuple()
                .map(both -> new Counted<>(both.getItem1(), both.getItem2()));
    }

    /** Stores the whole batch in one statement, or nothing: 404 when the team has no such config. */
    public Uni<Integer> append(long teamId, long pluginConfigId, LogEntryBatch batch) {
        return pool.preparedQuery("INSERT INTO plugin_log_entries "
                        + "(team_id, plugin_config_id, id, plugin_id, timestamp, source, type, message, instance_id) "
                        + "SELECT c.team_id, c.id, e.id, c.plugin_id, e.ts, e.source, e.type, e.message, e.instance_id "
                        + "FROM plugin_configs c CROSS JOIN unnest($3::uuid[], $4::timestamptz[], $5::text[], "
                        + "$6::text[], $7::text[], $8::uuid[]) AS e(id, ts, source, type, message, instance_id) "
                        + "WHERE c.team_id = $1 AND c.id = $2")
                .execute(Tuple.tuple(List.of(teamId, pluginConfigId, batch.ids(), batch.timestamps(), batch.sources(),
                        batch.types(), batch.messages(), batch.instanceIds())))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new NotFoundException();
                    }
                    return rows.rowCount();
                });
    }

    private record Where(String sql, List<Object> params) {
    }

    private static Where where(long teamId, long pluginConfigId, LogFilter filter) {
        List<Object> params = new ArrayList<>(List.of(teamId, pluginConfigId));
        StringBuilder sql = new StringBuilder("team_id = $1 AND plugin_config_id = $2");
        if (filter.after() != null) {
            params.add(filter.after());
            sql.append(" AND timestamp > $").append(params.size());
        }
        if (filter.before() != null) {
            params.add(filter.before());
            sql.append(" AND timestamp < $").append(params.size());
        }
        if (filter.search() != null) {
            params.add(LogFilter.containsPattern(filter.search()));
            sql.append(" AND message ILIKE $").append(params.size());
        }
        if (!filter.types().isEmpty()) {
            params.add(filter.types().toArray(String[]::new));
            sql.append(" AND type = ANY($").append(params.size()).append("::text[])");
        }
        return new Where(sql.toString(), params);
    }
}
