package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A row of {@code organizations}: who owns projects and users (PostHog's Organization). */
@Entity
@Table(name = "organizations")
public class OrganizationEntity extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "name", nullable = false)
    public String name;

    /** Set by the database on insert. */
    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    /** The value handed to the rest of the application. */
    public Accounts.Organization toOrganization() {
        return new Accounts.Organization(id, name);
    }
}
