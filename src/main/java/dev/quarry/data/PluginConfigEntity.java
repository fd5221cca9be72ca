package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code plugin_configs} (PostHog's PluginConfig): a plugin enabled for a team, its position and settings
 * ({@code config}, a JSON object kept as its text). Its log lines (plugin_log_entries) are analytical rows written
 * in bulk and stay on the reactive client.
 */
@Entity
@Table(name = "plugin_configs")
public class PluginConfigEntity extends PanacheEntityBase {
    /** Unique on its own (an identity); the table's key is (team_id, id). */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    @Column(name = "plugin_id", nullable = false)
    public int pluginId;

    @Column(name = "enabled", nullable = false)
    public boolean enabled;

    /** PostHog's {@code order}: the position among the team's plugins. */
    @Column(name = "\"order\"", nullable = false)
    public int position;

    @Column(name = "config", nullable = false)
    @ColumnTransformer(read = "config::text", write = "?::text::jsonb")
    public String config = "{}";

    @Column(name = "created_at", nullable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
