package dev.quarry.data;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * A row of {@code property_definitions} (PostHog's PropertyDefinition): {@code type} 1 = event, 2 = person, 3 = group
 * (of the group type at {@code groupTypeIndex} 0…4; -1 for the other types);
 * {@code propertyType} String, Numeric, Boolean or DateTime (null until known).
 */
@Entity
@Table(name = "property_definitions")
public class PropertyDefinitionEntity extends DefinitionEntity {
    @Column(name = "type", nullable = false)
    public short type;

    @Column(name = "group_type_index", nullable = false)
    public short groupTypeIndex = -1;

    @Column(name = "property_type")
    public String propertyType;

    @Column(name = "is_numerical", nullable = false)
    public boolean numerical;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", insertable = false)
    public OffsetDateTime updatedAt;
}
