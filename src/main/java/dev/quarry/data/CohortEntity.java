package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.FetchType;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code cohorts} (PostHog's Cohort): its definition as the API edits it. The three jsonb columns are kept
 * as their JSON text. The calculation's columns (is_calculating, last_calculation, errors_calculating, count after
 * insert, last_error_at) belong to the cohort calculation, which writes them with plain SQL in the same transaction
 * as the members (cohort_people); the entity reads them and never writes them back, so an edit racing a
 * recalculation cannot undo it.
 */
@Entity
@Table(name = "cohorts")
public class CohortEntity extends PanacheEntityBase {
    /** Unique on its own (an identity); the table's key is (team_id, id). */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public long teamId;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "description", nullable = false)
    public String description = "";

    /** PostHog's {@code filters} ({"properties": group}), JSON text; null for static cohorts and legacy groups. */
    @Column(name = "filters")
    @ColumnTransformer(read = "filters::text", write = "?::text::jsonb")
    public String filters;

    /** PostHog's {@code query}; not written through the API. */
    @Column(name = "query", insertable = false, updatable = false)
    @ColumnTransformer(read = "query::text")
    public String query;

    /** PostHog's deprecated {@code groups}, JSON text (an array). */
    @Column(name = "groups", nullable = false)
    @ColumnTransformer(read = "groups::text", write = "?::text::jsonb")
    public String groups = "[]";

    @Column(name = "is_static", nullable = false, updatable = false)
    public boolean isStatic;

    @Column(name = "deleted", nullable = false)
    public boolean deleted;

    @Column(name = "is_calculating", insertable = false, updatable = false)
    public boolean isCalculating;

    @Column(name = "last_calculation", insertable = false, updatable = false)
    public OffsetDateTime lastCalculation;

    @Column(name = "errors_calculating", insertable = false, updatable = false)
    public int errorsCalculating;

    @Column(name = "last_error_at", insertable = false, updatable = false)
    public OffsetDateTime lastErrorAt;

    /** Members counted by the last calculation: 0 for a new static cohort, null for a dynamic one never calculated. */
    @Column(name = "count", updatable = false)
    public Integer count;

    /** Moved on by every edit. */
    @Column(name = "version", nullable = false)
    public int version;

    @Column(name = "created_at", nullable = false, updatable = false)
    public OffsetDateTime createdAt;

    /** The user whose key created the cohort (PostHog's created_by); null for cohorts created before it was kept. */
    @Column(name = "created_by_id", updatable = false)
    public Long createdById;

    /** Read with a join ({@code left join fetch c.createdBy}); written through {@link #createdById}. */
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "created_by_id", insertable = false, updatable = false)
    public UserEntity createdBy;
}
