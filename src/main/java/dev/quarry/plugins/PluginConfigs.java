package dev.quarry.plugins;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.LimitOffset;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

@ApplicationScoped
public class PluginConfigs {
    private static final String COLUMNS = "id, plugin_id, enabled, \"order\", config::text, team_id, created_at, updated_at";

    private final Pool pool;
    private final ObjectMapper mapper;

    public PluginConfigs(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    public Uni<PluginConfig> create(long teamId, NewPluginConfig config) {
        return pool.preparedQuery("INSERT INTO plugin_configs (team_id, plugin_id, enabled, \"order\", config) "
                        + "VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING " + COLUMNS)
                .execute(Tuple.of(teamId, config.plugin(), config.enabled(), config.order(), config.config().toString()))
                .map(rows -> from(rows.iterator().next()));
    }

    public Uni<Counted<PluginConfig>> list(long teamId, LimitOffset page) {
        Uni<Long> count = pool.preparedQuery("SELECT count(*) FROM plugin_configs WHERE team_id = $1")
                .execute(Tuple.of(teamId))
                .map(rows -> rows.iterator().next().getLong(0));
        Uni<List<PluginConfig>> results = pool.preparedQuery("SELECT " + COLUMNS + " FROM plugin_configs "
                        + "WHERE team_id = $1 ORDER BY \"order\", id LIMIT $2 OFFSET $3")
                .execute(Tuple.of(teamId, page.limit(), page.offset()))
                .map(rows -> {
                    List<PluginConfig> configs = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        configs.add(from(row));
                    }
                    return configs;
                });
        return Uni.combine().all().unis(count, results).asTuple()
                .map(both -> new Counted<>(both.getItem1(), both.getItem2()));
    }

    private PluginConfig from(Row row) {
        try {
            return new PluginConfig(row.getLong(0), row.getInteger(1), row.getBoolean(2), row.getInteger(3),
                    mapper.readTree(row.getString(4)), null, row.getLong(5), null, null, false,
                    Timestamps.format(row.getOffsetDateTime(6)), Timestamps.format(row.getOffsetDateTime(7)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
