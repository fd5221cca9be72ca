package dev.quarry.plugins;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.vertx.mutiny.sqlclient.Row;
import java.util.UUID;

/** One log line of a plugin config, as PostHog's plugin_configs/:id/logs returns it. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PluginLogEntry(UUID id, long teamId, int pluginId, long pluginConfigId, String timestamp, String source,
                             String type, String message, UUID instanceId) {

    static final String COLUMNS = "id, team_id, plugin_id, plugin_config_id, timestamp, source, type, message, instance_id";

    static PluginLogEntry from(Row row) {
        return new PluginLogEntry(row.getUUID(0), row.getLong(1), row.getInteger(2), row.getLong(3),
                Timestamps.format(row.getOffsetDateTime(4)), row.getString(5), row.getString(6), row.getString(7),
                row.getUUID(8));
    }
}
