package dev.quarry.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** PostHog's plugin config shape; Quarry keeps no plugin catalogue, so name, description and error are null. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PluginConfig(long id, int plugin, boolean enabled, int order, JsonNode config, Object error,
                           long teamId, String name, String description, boolean deleted, String createdAt,
                           String updatedAt) {
}
