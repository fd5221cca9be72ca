package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A row of {@code users}: the owner of personal API keys, member of one organization (PostHog's User). */
@Entity
@Table(name = "users")
public class UserEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "uuid", nullable = false, updatable = false)
    public UUID uuid;

    @Column(name = "distinct_id", nullable = false)
    public String distinctId;

    @Column(name = "email", nullable = false)
    public String email;

    @Column(name = "first_name", nullable = false)
    public String firstName = "";

    @Column(name = "organization_id", nullable = false)
    public UUID organizationId;

    /** Inactive users' keys are refused (401). Defaults to active in the schema. */
    @Column(name = "is_active", nullable = false)
    public boolean active = true;

    /** When the user was created: their organization membership's {@code joined_at}. */
    @Column(name = "created_at", insertable = false, updatable = false)
    public java.time.OffsetDateTime createdAt;

    /** The value handed to the rest of the application. */
    public Accounts.User toUser() {
        return new Accounts.User(id, uuid, distinctId, email, firstName, organizationId);
    }
}
