package dev.quarry.actions;

import dev.quarry.data.UserEntity;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code actions} (PostHog's Action): its name, description, steps and tags (both jsonb, kept as their JSON
 * text), Slack settings, pin and soft-delete flag. Edited only through {@link Actions}.
 */
@Entity
@Table(name = "actions")
public class ActionEntity extends PanacheEntityBase {
    /** Unique on its own (an identity); the table's key is (team_id, id). */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    /** Null is allowed, as PostHog's model allows it. */
    @Column(name = "name")
    public String name;

    @Column(name = "description", nullable = false)
    public String description = "";

    /** PostHog's {@code steps} (a list of ActionStepJSON), JSON text. */
    @Column(name = "steps", nullable = false)
    @ColumnTransformer(read = "steps::text", write = "?::text::jsonb")
    public String steps = "[]";

    /** A list of tag strings, JSON text. */
    @Column(name = "tags", nullable = false)
    @ColumnTransformer(read = "tags::text", write = "?::text::jsonb")
    public String tags = "[]";

    @Column(name = "post_to_slack", nullable = false)
    public boolean postToSlack;

    @Column(name = "slack_message_format", nullable = false)
    public String slackMessageFormat = "";

    @Column(name = "pinned_at")
    public OffsetDateTime pinnedAt;

    @Column(name = "deleted", nullable = false)
    public boolean deleted;

    @Column(name = "created_by_id", updatable = false)
    public Long createdById;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "created_by_id", insertable = false, updatable = false)
    public UserEntity createdBy;

    @Column(name = "created_at", nullable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
