package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code teams}: a project (PostHog's Team; its id is the one in the URL). The two jsonb settings are kept
 * as their JSON text, read and written through a cast, exactly as PostHog's API hands them back.
 */
@Entity
@Table(name = "teams")
public class TeamEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "uuid", nullable = false, updatable = false)
    public UUID uuid;

    @Column(name = "organization_id", nullable = false)
    public UUID organizationId;

    @Column(name = "name", nullable = false)
    public String name;

    /** The project API token (phc_…) that capture requests carry. */
    @Column(name = "api_token", nullable = false)
    public String apiToken;

    @Column(name = "timezone", nullable = false)
    public String timezone = "UTC";

    /** 0 = Sunday, 1 = Monday (PostHog's week_start_day). */
    @Column(name = "week_start_day", nullable = false)
    public short weekStartDay;

    /** JSON array of property filters, as text. */
    @Column(name = "test_account_filters", nullable = false)
    @ColumnTransformer(read = "test_account_filters::text", write = "?::text::jsonb")
    public String testAccountFilters = "[]";

    /** JSON array of property names, as text; null when never set. */
    @Column(name = "person_display_name_properties")
    @ColumnTransformer(read = "person_display_name_properties::text", write = "?::text::jsonb")
    public String personDisplayNameProperties;

    /** Set by the database on insert. */
    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    /** The value handed to the rest of the application. */
    public Team toTeam() {
        return new Team(id, uuid, organizationId, name, apiToken, timezone, weekStartDay, testAccountFilters,
                personDisplayNameProperties);
    }
}
