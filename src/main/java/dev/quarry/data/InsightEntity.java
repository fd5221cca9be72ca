package dev.quarry.data;

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
import org.hibernate.annotations.Formula;

/**
 * A row of {@code insights} (PostHog's saved Insight): its query (JSON text), names, tags and flags, who created
 * and last changed it ({@link #createdBy} and {@link #lastModifiedBy}, read with a join; written through the ids),
 * and when any user last viewed it ({@link #lastViewedAt}, from {@code insight_viewed}, read only).
 */
@Entity
@Table(name = "insights")
public class InsightEntity extends PanacheEntityBase {
    /** Unique on its own (an identity); the table's key is (team_id, id). */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    /** PostHog's 8-character short id, unique within the team. */
    @Column(name = "short_id", nullable = false, updatable = false)
    public String shortId;

    @Column(name = "name")
    public String name;

    @Column(name = "derived_name")
    public String derivedName;

    @Column(name = "description")
    public String description;

    /** The insight's query node (e.g. an InsightVizNode), JSON text; null when it has none. */
    @Column(name = "query")
    @ColumnTransformer(read = "query::text", write = "?::text::jsonb")
    public String query;

    @Column(name = "tags", nullable = false)
    public String[] tags = new String[0];

    @Column(name = "favorited", nullable = false)
    public boolean favorited;

    @Column(name = "saved", nullable = false)
    public boolean saved;

    @Column(name = "deleted", nullable = false)
    public boolean deleted;

    @Column(name = "created_by_id", updatable = false)
    public Long createdById;

    @Column(name = "last_modified_by_id")
    public Long lastModifiedById;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "created_by_id", insertable = false, updatable = false)
    public UserEntity createdBy;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "last_modified_by_id", insertable = false, updatable = false)
    public UserEntity lastModifiedBy;

    @Column(name = "created_at", nullable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "last_modified_at", nullable = false)
    public OffsetDateTime lastModifiedAt;

    /** The latest view by any user (PostHog's last_viewed_at); null when never viewed. */
    @Formula("(SELECT max(v.last_viewed_at) FROM insight_viewed v WHERE v.team_id = team_id AND v.insight_id = id)")
    public OffsetDateTime lastViewedAt;
}
