package dev.quarry.hogql;

import java.util.Map;

/**
 * Settings of one compilation.
 *
 * @param teamId the team every table is filtered to (bound as $1)
 * @param timezone the team's time zone (IANA name) for date functions, bound as a parameter
 * @param values placeholder values for {@code {name}}; strings, numbers, booleans, UUIDs, java.time values, lists
 * @param filters the boolean expression {@code {filters}} expands to (TRUE when null)
 * @param defaultLimit LIMIT added to a top-level SELECT without one
 * @param maxLimit cap for an explicit top-level LIMIT
 * @param extraRow print LIMIT n+1 so the caller can tell {@code hasMore}; the reported limit stays n
 */
public record CompileSettings(long teamId, String timezone, Map<String, Object> values, Expr filters,
        int defaultLimit, int maxLimit, boolean extraRow) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 50_000;

    public CompileSettings {
        timezone = timezone == null ? "UTC" : timezone;
        values = values == null ? Map.of() : values;
    }

    public static CompileSettings of(long teamId) {
        return new CompileSettings(teamId, "UTC", Map.of(), null, DEFAULT_LIMIT, MAX_LIMIT, false);
    }

    public CompileSettings withTimezone(String tz) {
        return new CompileSettings(teamId, tz, values, filters, defaultLimit, maxLimit, extraRow);
    }

    public CompileSettings withValues(Map<String, Object> v) {
        return new CompileSettings(teamId, timezone, v, filters, defaultLimit, maxLimit, extraRow);
    }

    public CompileSettings withFilters(Expr f) {
        return new CompileSettings(teamId, timezone, values, f, defaultLimit, maxLimit, extraRow);
    }

    public CompileSettings withLimits(int defaultLimit, int maxLimit) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow);
    }

    public CompileSettings withExtraRow(boolean extra) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extra);
    }
}
