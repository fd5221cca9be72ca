package dev.quarry.plugins;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.PluginConfigEntity;
import dev.quarry.data.Sessions;
import dev.quarry.web.LimitOffset;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

/** A team's plugin configs, through the data module's {@link PluginConfigEntity}. */
@ApplicationScoped
public class PluginConfigs {
    @jakarta.inject.Inject java.time.Clock clock;
    private final ObjectMapper mapper;

    public PluginConfigs(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Stores a new config for the team; created and updated now (UTC, microseconds as PostgreSQL keeps them). */
    public Uni<PluginConfig> create(long teamId, NewPluginConfig config) {
        PluginConfigEntity entity = new PluginConfigEntity();
        entity.teamId = teamId;
        entity.pluginId = config.plugin();
        entity.enabled = config.enabled();
        entity.position = config.order();
        entity.config = config.config().toString();
        entity.createdAt = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
        entity.updatedAt = entity.createdAt;
        return Sessions.write(() -> entity.<PluginConfigEntity>persist()).map(this::from);
    }

    /** One page of the team's configs by position, then id, with the team's total. */
    public Uni<Counted<PluginConfig>> list(long teamId, LimitOffset page) {
        return Sessions.read(() -> PluginConfigEntity.count("teamId", teamId)
                .flatMap(count -> PluginConfigEntity.<PluginConfigEntity>find("teamId = ?1 order by position, id", teamId)
                        .range(page.offset(), page.offset() + page.limit() - 1).list()
                        .map(configs -> new Counted<>(count, configs.stream().map(this::from).toList()))));
    }

    private PluginConfig from(PluginConfigEntity entity) {
        try {
            return new PluginConfig(entity.id, entity.pluginId, entity.enabled, entity.position,
                    mapper.readTree(entity.config), null, entity.teamId, null, null, false,
                    Timestamps.format(entity.createdAt), Timestamps.format(entity.updatedAt));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
