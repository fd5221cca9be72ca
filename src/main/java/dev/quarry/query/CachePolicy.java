package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/**
 * How long a cached answer stays fresh, and the times the response reports about it, as PostHog's query runners
 * decide ({@code caching/utils.py} staleness tables, {@code QueryRunner._is_stale}, {@code cache_target_age},
 * {@code _refresh_frequency}):
 * <ul>
 *   <li>Insights with a date range (trends, funnels, retention, stickiness, lifecycle, paths) go by their interval,
 *       "day" when none is given; every other kind counts as "minute".</li>
 *   <li>Fresh for: minute 5 min, hour 1 h, day 6 h, week 1 day, month 2 days. {@code lazy_async} accepts
 *       minute 15 min, hour 2 h, day 12 h, week 1 day, month 2 days.</li>
 *   <li>An answer whose resolved {@code date_to} lies more than 10 s before its calculation never goes stale.</li>
 *   <li>{@code cache_target_age} is the calculation time plus the fresh window; HogQL reports the "day" window
 *       (6 h) although it goes stale after the "minute" one, as PostHog's HogQL runner does.</li>
 *   <li>{@code next_allowed_client_refresh}: insights 3 min when hourly or spanning at most 7 days, else 15 min;
 *       everything else 1 min.</li>
 * </ul>
 *
 * @param kind the query kind
 * @param interval the interval the thresholds are read for (minute/hour/day/week/month)
 * @param insight whether the kind is a date-ranged insight
 * @param dateFrom the answer's resolved start, or null when it does not say
 * @param dateTo the answer's resolved end, or null when it does not say
 */
public record CachePolicy(String kind, String interval, boolean insight, Instant dateFrom, Instant dateTo) {
    static final Map<String, Duration> DEFAULT = Map.of(
            "minute", Duration.ofMinutes(5), "hour", Duration.ofHours(1), "day", Duration.ofHours(6),
            "week", Duration.ofDays(1), "month", Duration.ofDays(2));
    static final Map<String, Duration> LAZY = Map.of(
            "minute", Duration.ofMinutes(15), "hour", Duration.ofHours(2), "day", Duration.ofHours(12),
            "week", Duration.ofDays(1), "month", Duration.ofDays(2));
    static final Duration BASE_CLIENT_REFRESH = Duration.ofMinutes(1);
    static final Duration INSIGHT_CLIENT_REFRESH = Duration.ofMinutes(15);
    static final Duration SHORT_INSIGHT_CLIENT_REFRESH = Duration.ofMinutes(3);
    /** Slack between the end of the data asked for and the calculation, as PostHog's {@code is_stale} allows. */
    static final Duration PAST_DATE_TO_SLACK = Duration.ofSeconds(10);

    /**
     * A query record whose answers go stale by an interval: PostHog's insights with a date range (trends, funnels,
     * retention, stickiness, lifecycle, paths). Every other kind counts as "minute".
     */
    public interface Insight {
        /** The interval the thresholds are read for ({@code interval}, retention's {@code period}), or null for day. */
        String cacheInterval();
    }

    /** The {@code resolved_date_range} an insight's answer reports (ISO date-times with offset), as written. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ResolvedDateRange(@JsonProperty("date_from") String dateFrom, @JsonProperty("date_to") String dateTo) {
    }

    private static final ObjectMapper ANSWERS = new ObjectMapper();

    /**
     * The policy for one query and the answer it got (the answer tells the resolved date range, if any).
     *
     * @param kind the query's {@code kind}
     * @param query the query's record ({@link Insight} for a date-ranged insight)
     * @param response the answer (cached or just calculated), or null
     */
    public static CachePolicy of(String kind, Object query, JsonNode response) {
        boolean insight = query instanceof Insight;
        String interval = query instanceof Insight i ? known(i.cacheInterval()) : "minute";
        ResolvedDateRange range = resolved(response);
        return new CachePolicy(kind, interval, insight, range == null ? null : instant(range.dateFrom()),
                range == null ? null : instant(range.dateTo()));
    }

    /**
     * The policy of a date-ranged insight answer whose end is not known (so it goes stale by its interval alone), as
     * PostHog's {@code is_stale_filter} reads a legacy filter's {@code interval} (null or unknown: day).
     */
    public static CachePolicy ofInterval(String kind, String interval) {
        return new CachePolicy(kind, known(interval), true, null, null);
    }

    private static ResolvedDateRange resolved(JsonNode response) {
        JsonNode range = response == null ? null : response.get("resolved_date_range");
        if (range == null || !range.isObject()) {
            return null;
        }
        try {
            return ANSWERS.treeToValue(range, ResolvedDateRange.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null; // not dates this policy can read: no range, as for an answer without one
        }
    }

    private static String known(String interval) {
        String lower = interval == null ? "day" : interval.toLowerCase(Locale.ROOT);
        return DEFAULT.containsKey(lower) ? lower : "day";
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Whether an answer calculated at {@code lastRefresh} is too old at {@code now} ({@code lazy}: by lazy_async's table). */
    public boolean isStale(Instant lastRefresh, Instant now, boolean lazy) {
        if (dateTo != null && dateTo.isBefore(lastRefresh.minus(PAST_DATE_TO_SLACK))) {
            return false;
        }
        return now.isAfter(lastRefresh.plus((lazy ? LAZY : DEFAULT).get(interval)));
    }

    /** The {@code cache_target_age} reported with an answer calculated at {@code lastRefresh}. */
    public Instant targetAge(Instant lastRefresh) {
        return lastRefresh.plus(DEFAULT.get(kind.equals("HogQLQuery") ? "day" : interval));
    }

    /** The {@code next_allowed_client_refresh} reported with an answer calculated at {@code lastRefresh}. */
    public Instant nextAllowedClientRefresh(Instant lastRefresh) {
        if (!insight) {
            return lastRefresh.plus(BASE_CLIENT_REFRESH);
        }
        boolean shortRange = false;
        if (dateFrom != null && dateTo != null) {
            long nanos = Duration.between(dateFrom, dateTo).toNanos();
            long day = Duration.ofDays(1).toNanos();
            long days = (nanos + day - 1) / day;  // rounded up, as PostHog counts the range's days
            shortRange = days <= 7;
        }
        return lastRefresh.plus(interval.equals("hour") || shortRange
                ? SHORT_INSIGHT_CLIENT_REFRESH : INSIGHT_CLIENT_REFRESH);
    }
}
