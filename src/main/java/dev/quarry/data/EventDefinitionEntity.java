package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A row of {@code event_definitions} (PostHog's EventDefinition): one per event name a team has seen or declared.
 * Capture keeps {@code lastSeenAt} with one set-based upsert per batch (definitions.DefinitionsRecorder).
 */
@Entity
@Table(name = "event_definitions")
public class EventDefinitionEntity extends PanacheEntityBase {
    /** Unique on its own (random); the table's key is (team_id, id). */
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "description")
    public String description;

    @Column(name = "tags", nullable = false)
    public String[] tags = new String[0];

    @Column(name = "verified", nullable = false)
    public boolean verified;

    @Column(name = "verified_at")
    public OffsetDateTime verifiedAt;

    @Column(name = "hidden", nullable = false)
    public boolean hidden;

    /** Set by whoever inserts (the definitions API: now; capture: the database's default). */
    @Column(name = "created_at", updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;

    @Column(name = "last_seen_at")
    public OffsetDateTime lastSeenAt;
}
