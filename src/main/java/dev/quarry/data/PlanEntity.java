package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A row of {@code plans}: named quotas (calls per month per endpoint group) and rate limits (calls per minute or
 * hour); null = unlimited. A project without a {@link TeamPlanEntity} is on {@code default}. The request path reads
 * plan, overrides and this month's usage in one statement (metering.Limits); operators write through the entities.
 */
@Entity
@Table(name = "plans")
public class PlanEntity extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "description", nullable = false)
    public String description = "";

    @Column(name = "capture_calls_per_month")
    public Long captureCallsPerMonth;
    @Column(name = "query_calls_per_month")
    public Long queryCallsPerMonth;
    @Column(name = "persons_calls_per_month")
    public Long personsCallsPerMonth;
    @Column(name = "plugins_calls_per_month")
    public Long pluginsCallsPerMonth;
    @Column(name = "bootstrap_calls_per_month")
    public Long bootstrapCallsPerMonth;
    @Column(name = "hogql_per_hour")
    public Integer hogqlPerHour;
    @Column(name = "query_per_minute")
    public Integer queryPerMinute;
    @Column(name = "query_per_hour")
    public Integer queryPerHour;
    @Column(name = "persons_per_minute")
    public Integer personsPerMinute;
    @Column(name = "persons_per_hour")
    public Integer personsPerHour;
}
