package dev.quarry.metering;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits a project is under: its plan with the project's overrides applied. Quotas are billable calls per
 * calendar month (UTC) per endpoint group; rate limits are calls per personal API key and window. Null means
 * unlimited.
 */
public record Plan(String id, Map<EndpointGroup, Long> monthlyQuotas, Integer hogqlPerHour, Integer queryPerMinute,
                   Integer queryPerHour, Integer personsPerMinute, Integer personsPerHour) {

    public Long quota(EndpointGroup group) {
        return monthlyQuotas.get(group);
    }

    /** The fixed windows a call of this group (and kind) counts against, with their limits. */
    public Map<String, Integer> rateWindows(EndpointGroup group, boolean hogql) {
        Map<String, Integer> windows = new LinkedHashMap<>();
        if (group == EndpointGroup.QUERY && hogql) {
            put(windows, "hogql:hour", hogqlPerHour);
        } else if (group == EndpointGroup.QUERY) {
            put(windows, "query:minute", queryPerMinute);
            put(windows, "query:hour", queryPerHour);
        } else if (group == EndpointGroup.PERSONS) {
            put(windows, "persons:minute", personsPerMinute);
            put(windows, "persons:hour", personsPerHour);
        }
        return windows;
    }

    private static void put(Map<String, Integer> windows, String bucket, Integer limit) {
        if (limit != null) {
            windows.put(bucket, limit);
        }
    }

    static Plan unlimited() {
        return new Plan("none", new EnumMap<>(EndpointGroup.class), null, null, null, null, null);
    }

    /** Seconds a bucket's window lasts ("…:minute" or "…:hour"). */
    static long windowSeconds(String bucket) {
        return bucket.endsWith(":minute") ? 60 : 3600;
    }

    static String windowUnit(String bucket) {
        return bucket.endsWith(":minute") ? "minute" : "hour";
    }
}
