package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code CompareFilter}: {@code compare} adds the previous period; {@code compare_to} (e.g. {@code -1w})
 * shifts it by that much instead of by the range's own length.
 */
@RegisterForReflection
public record CompareFilter(Boolean compare, @JsonProperty("compare_to") String compareTo) {
    public static final CompareFilter NONE = new CompareFilter(false, null);

    public boolean on() {
        return Boolean.TRUE.equals(compare);
    }
}
