package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code DateRange}: {@code date_from} / {@code date_to} as an ISO date or date-time, a relative date
 * ({@code -7d}, {@code -1mStart}, {@code all} for date_from) or absent (the kind's default; now for date_to);
 * {@code explicitDate} reads the bounds as given instead of widening them to whole intervals. Resolved by
 * {@code dates.QueryDateRange}.
 */
@RegisterForReflection
public record DateRange(@JsonProperty("date_from") String dateFrom, @JsonProperty("date_to") String dateTo,
                        Boolean explicitDate) {
    public boolean explicit() {
        return Boolean.TRUE.equals(explicitDate);
    }
}
