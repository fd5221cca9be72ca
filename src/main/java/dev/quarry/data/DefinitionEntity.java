package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * What an event definition and a property definition share (PostHog's EnterpriseEventDefinition and
 * EnterprisePropertyDefinition have the same editable fields): the row's id, team and name, and the fields an edit
 * sets — description, tags, verified (with when and by whom), hidden — and who made the last edit. Each table's own columns stay in its entity.
 */
@MappedSuperclass
public abstract class DefinitionEntity extends PanacheEntityBase {
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

    /** The user whose key made the last edit (PostHog's updated_by); null for capture's rows. */
    @Column(name = "updated_by_id")
    public Long updatedById;

    /** The user who verified it (PostHog's verified_by); null when not verified. */
    @Column(name = "verified_by_id")
    public Long verifiedById;
}
