package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A row of {@code property_definitions} (PostHog's PropertyDefinition): {@code type} 1 = event, 2 = person;
 * {@code propertyType} String, Numeric, Boolean or DateTime (null until known).
 */
@Entity
@Table(name = "property_definitions")
public class PropertyDefinitionEntity extends PanacheEntityBase {
    /** Unique on its own (random); the table's key is (team_id, id). */
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "type", nullable = false)
    public short type;

    @Column(name = "property_type")
    public String propertyType;

    @Column(name = "is_numerical", nullable = false)
    public boolean numerical;

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

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", insertable = false)
    public OffsetDateTime updatedAt;
}
