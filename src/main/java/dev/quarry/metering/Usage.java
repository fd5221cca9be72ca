package dev.quarry.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A project's metered calls per endpoint group and interval (UTC), read from the hourly rollup. */
@ApplicationScoped
public class Usage {
    private static final String SERIES_SQL = "SELECT to_char(date_trunc($2, hour AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), "
            + "endpoint_group, sum(calls)::bigint, sum(billable_calls)::bigint, sum(units)::bigint FROM api_usage "
            + "WHERE team_id = $1 AND hour >= $3 AND hour <= $4 GROUP BY 1, 2 ORDER BY 1, 2";
    private static final String MONTH_SQL = "SELECT endpoint_group, sum(billable_calls)::bigint FROM api_usage "
            + "WHERE team_id = $1 AND hour >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' GROUP BY 1";

    /** Calls of one group in one interval. */
    public record Entry(String date, EndpointGroup group, long calls, long billableCalls, long units) {
        ObjectNode toJson(ObjectMapper mapper) {
            ObjectNode node = mapper.createObjectNode();
            node.put("date", date);
            node.put("endpoint_group", group.id());
            node.put("calls", calls);
            node.put("billable_calls", billableCalls);
            node.put("failed_calls", calls - billableCalls);
            node.put("billable_units", units);
            return node;
        }
    }

    private final Pool pool;

    public Usage(Pool pool) {
        this.pool = pool;
    }

    /** @param interval {@code day} or {@code month}; rows only for intervals and groups with calls */
    public Uni<List<Entry>> series(long teamId, String interval, OffsetDateTime from, OffsetDateTime to) {
        return pool.preparedQuery(SERIES_SQL).execute(Tuple.of(teamId, interval, from, to)).map(rows -> {
            List<Entry> result = new ArrayList<>();
            for (Row row : rows) {
                result.add(new Entry(row.getString(0), EndpointGroup.fromId(row.getString(1)), row.getLong(2),
                        row.getLong(3), row.getLong(4)));
            }
            return result;
        });
    }

    /** Billable calls per group since the start of this month (UTC): what the quotas are checked against. */
    public Uni<Map<EndpointGroup, Long>> monthToDate(long teamId) {
        return pool.preparedQuery(MONTH_SQL).execute(Tuple.of(teamId)).map(rows -> {
            Map<EndpointGroup, Long> used = new EnumMap<>(EndpointGroup.class);
            for (EndpointGroup group : EndpointGroup.values()) {
                used.put(group, 0L);
            }
            for (Row row : rows) {
                used.put(EndpointGroup.fromId(row.getString(0)), row.getLong(1));
            }
            return used;
        });
    }
}
