package dev.quarry.data;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * A row of {@code event_definitions} (PostHog's EventDefinition): one per event name a team has seen or declared.
 * Capture keeps {@code lastSeenAt} with one set-based upsert per batch (definitions.DefinitionsRecorder).
 */
@Entity
@Table(name = "event_definitions")
public class EventDefinitionEntity extends DefinitionEntity {
    /** Set by whoever inserts (the definitions API: now; capture: the database's default). */
    @Column(name = "created_at", updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;

    @Column(name = "last_seen_at")
    public OffsetDateTime lastSeenAt;
}
