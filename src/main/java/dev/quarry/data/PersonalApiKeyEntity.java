package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * A row of {@code personal_api_keys}: PostHog's PersonalAPIKey, stored by its hash ({@code secure_value},
 * sha256$…) and mask only. Empty {@code scopedTeams}/{@code scopedOrganizations} mean no restriction.
 */
@Entity
@Table(name = "personal_api_keys")
public class PersonalApiKeyEntity extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "user_id", nullable = false)
    public long userId;

    @Column(name = "label", nullable = false)
    public String label;

    @Column(name = "secure_value", nullable = false)
    public String secureValue;

    @Column(name = "mask_value", nullable = false)
    public String maskValue;

    @Column(name = "scopes", nullable = false)
    public String[] scopes = new String[0];

    @Column(name = "scoped_teams", nullable = false)
    public Long[] scopedTeams = new Long[0];

    @Column(name = "scoped_organizations", nullable = false)
    public String[] scopedOrganizations = new String[0];

    /** Set by the database on insert. */
    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "last_used_at")
    public OffsetDateTime lastUsedAt;

    /** The value handed to the rest of the application, with its user's columns. */
    public ApiKey toApiKey(UserEntity user) {
        return new ApiKey(id, label, maskValue, Arrays.asList(scopes), Arrays.asList(scopedTeams),
                Arrays.asList(scopedOrganizations), createdAt, lastUsedAt, user.id, user.uuid, user.distinctId,
                user.email, user.firstName, user.organizationId, user.active);
    }
}
