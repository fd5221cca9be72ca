package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code activity_log} (PostHog's ActivityLog): one change to an item of a scope (e.g. an Insight, its id as
 * text), who made it ({@link #user}, read with a join; written through {@link #userId}) and PostHog's
 * {@code detail} object (JSON text). Written in the same transaction as the change it records.
 */
@Entity
@Table(name = "activity_log")
public class ActivityLogEntity extends PanacheEntityBase {
    /** Unique on its own (random); the table's key is (team_id, id). */
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    @Column(name = "scope", nullable = false, updatable = false)
    public String scope;

    @Column(name = "item_id", nullable = false, updatable = false)
    public String itemId;

    /** created, updated, deleted… */
    @Column(name = "activity", nullable = false, updatable = false)
    public String activity;

    @Column(name = "user_id", updatable = false)
    public Long userId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "user_id", insertable = false, updatable = false)
    public UserEntity user;

    @Column(name = "detail", nullable = false, updatable = false)
    @ColumnTransformer(read = "detail::text", write = "?::text::jsonb")
    public String detail;

    /** Set by the database on insert: the transaction's time, as for the change it records. */
    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;
}
