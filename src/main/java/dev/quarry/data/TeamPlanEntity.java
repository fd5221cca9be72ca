package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.List;

/** A row of {@code team_plans}: a project's plan and its own overrides of the plan's limits (null = the plan's). */
@Entity
@Table(name = "team_plans")
public class TeamPlanEntity extends PanacheEntityBase {
    /** The limits a project may override, by column name (PostHog-style snake case, as the operator API names them). */
    public static final List<String> OVERRIDES = List.of("capture_calls_per_month", "query_calls_per_month",
            "persons_calls_per_month", "plugins_calls_per_month", "bootstrap_calls_per_month", "hogql_per_hour",
            "query_per_minute", "query_per_hour", "persons_per_minute", "persons_per_hour");

    @Id
    @Column(name = "team_id")
    public Long teamId;

    @Column(name = "plan_id", nullable = false)
    public String planId;

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

    /**
     * Sets one override by its column name (one of {@link #OVERRIDES}); null clears it. Per-hour and per-minute
     * limits are integers in the schema: the caller checks the range.
     */
    public void setOverride(String column, Long value) {
        Integer small = value == null ? null : Math.toIntExact(value);
        switch (column) {
            case "capture_calls_per_month" -> captureCallsPerMonth = value;
            case "query_calls_per_month" -> queryCallsPerMonth = value;
            case "persons_calls_per_month" -> personsCallsPerMonth = value;
            case "plugins_calls_per_month" -> pluginsCallsPerMonth = value;
            case "bootstrap_calls_per_month" -> bootstrapCallsPerMonth = value;
            case "hogql_per_hour" -> hogqlPerHour = small;
            case "query_per_minute" -> queryPerMinute = small;
            case "query_per_hour" -> queryPerHour = small;
            case "persons_per_minute" -> personsPerMinute = small;
            case "persons_per_hour" -> personsPerHour = small;
            default -> throw new IllegalArgumentException("not a limit: " + column);
        }
    }
}
