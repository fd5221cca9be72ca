package dev.quarry.hogql;

import java.time.Instant;
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
 * @param cohorts the team's cohorts that are not deleted (id → name) that IN COHORT may name, from
 *     {@link HogQLCompiler#cohortReferences}; an id or name not among them is a 400, as in PostHog. Null when the
 *     caller did not look them up: the statement then looks each cohort up itself and fails with SQLSTATE QC404
 *     (PostHog's 400) when the team has no such cohort.
 * @param now the instant HogQL's {@code now()}, {@code today()} and {@code yesterday()} read (and so every date the
 *     query computes from them), bound as a parameter: the caller's injected {@link java.time.Clock}
 *     ({@code dates.SystemClock}), so a fixed clock fixes HogQL too. Null when the caller has no clock at hand: the
 *     statement then reads PostgreSQL's transaction time ({@code now()}).
 * @param propertyTypes the team's property definitions' types for the properties the query reads (from
 *     {@link PropertyTypes#names}): {@code properties.x} is read by its definition, as PostHog's PropertySwapper
 *     reads it; {@link PropertyTypes#NONE} (every property as text) when not looked up
 * @param boundedCollections whether the aggregates that keep every value of a group (groupArray, groupUniqArray,
 *     argMax, argMin; string_agg and json_agg through groupArray) count the bytes of variable-width values into the
 *     statement's collection budget ({@code quarry_collected}, V116_1): PostgreSQL bounds neither an aggregate's
 *     state nor a backend's memory, so a user's HogQL could otherwise collect gigabytes in one statement (ClickHouse
 *     stops such a query at its memory limit). Set for users' HogQL; Quarry's own runners' statements are budgeted by
 *     what they are written to collect.
 */
public record CompileSettings(long teamId, String timezone, Map<String, Object> values, Expr filters,
        int defaultLimit, int maxLimit, boolean extraRow, Map<Long, String> cohorts, Instant now,
        PropertyTypes propertyTypes, boolean boundedCollections) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 50_000;

    public CompileSettings {
        timezone = timezone == null ? "UTC" : timezone;
        values = values == null ? Map.of() : values;
        propertyTypes = propertyTypes == null ? PropertyTypes.NONE : propertyTypes;
    }

    /** The settings without property definitions (every property read as text). */
    public CompileSettings(long teamId, String timezone, Map<String, Object> values, Expr filters, int defaultLimit,
            int maxLimit, boolean extraRow, Map<Long, String> cohorts, Instant now) {
        this(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, now, null, false);
    }

    /** The settings without a clock instant ({@code now()} is then the statement's time). */
    public CompileSettings(long teamId, String timezone, Map<String, Object> values, Expr filters, int defaultLimit,
            int maxLimit, boolean extraRow, Map<Long, String> cohorts) {
        this(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, null);
    }

    /** The settings before cohorts were part of them. */
    public CompileSettings(long teamId, String timezone, Map<String, Object> values, Expr filters, int defaultLimit,
            int maxLimit, boolean extraRow) {
        this(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, null, null);
    }

    public static CompileSettings of(long teamId) {
        return new CompileSettings(teamId, "UTC", Map.of(), null, DEFAULT_LIMIT, MAX_LIMIT, false, null, null);
    }

    public CompileSettings withCohorts(Map<Long, String> c) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, c, now, propertyTypes,
                boundedCollections);
    }

    public CompileSettings withTimezone(String tz) {
        return new CompileSettings(teamId, tz, values, filters, defaultLimit, maxLimit, extraRow, cohorts, now, propertyTypes,
                boundedCollections);
    }

    public CompileSettings withValues(Map<String, Object> v) {
        return new CompileSettings(teamId, timezone, v, filters, defaultLimit, maxLimit, extraRow, cohorts, now, propertyTypes,
                boundedCollections);
    }

    public CompileSettings withFilters(Expr f) {
        return new CompileSettings(teamId, timezone, values, f, defaultLimit, maxLimit, extraRow, cohorts, now, propertyTypes,
                boundedCollections);
    }

    public CompileSettings withLimits(int defaultLimit, int maxLimit) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, now, propertyTypes,
                boundedCollections);
    }

    public CompileSettings withExtraRow(boolean extra) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extra, cohorts, now, propertyTypes,
                boundedCollections);
    }

    /** The instant {@code now()} reads: the caller's injected clock's (see {@link #now()}). */
    public CompileSettings withNow(Instant instant) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, instant, propertyTypes,
                boundedCollections);
    }

    /** The team's property definitions' types the query's properties are read by ({@link PropertyTypes}). */
    public CompileSettings withPropertyTypes(PropertyTypes types) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, now,
                types, boundedCollections);
    }

    /** The settings with the collection budget on or off ({@link #boundedCollections()}). */
    public CompileSettings withBoundedCollections(boolean bounded) {
        return new CompileSettings(teamId, timezone, values, filters, defaultLimit, maxLimit, extraRow, cohorts, now,
                propertyTypes, bounded);
    }
}
