package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.dates.RelativeDates;
import dev.quarry.web.ValidationException;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The filters of PostHog's insights list ({@code InsightViewSet._filter_request} and {@code order_queryset}), read
 * from the query string once, at the edge. Every field is optional (null or empty: no filter):
 * <ul>
 *   <li>{@code shortId}: {@code short_id}, exact;</li>
 *   <li>{@code search}: {@code search}, NUL-free and trimmed, at most {@value #MAX_SEARCH_LENGTH} characters (400
 *       {@code attr: search} past that, PostHog's wording); matched by {@link InsightListSql};</li>
 *   <li>{@code saved}: {@code saved} read by PostHog's {@code str_to_bool} ({@code y, yes, t, true, on, 1} true,
 *       anything else false);</li>
 *   <li>{@code favoritedOnly}: {@code favorited} present with any value (PostHog filters favorited ones whatever the
 *       value, as its CLI documents);</li>
 *   <li>{@code createdBy}: {@code created_by} a JSON array of user ids, or {@code user} present (the key's user);</li>
 *   <li>{@code tags}: {@code tags} a JSON array of tag names, any of them;</li>
 *   <li>{@code dashboards}: {@code dashboards} a JSON array of dashboard ids, all of them (Quarry keeps no
 *       dashboards, so a non-empty list matches no insight);</li>
 *   <li>{@code kind}: {@code insight} ({@code TRENDS}, {@code FUNNELS}, {@code RETENTION}, {@code PATHS},
 *       {@code STICKINESS}, {@code LIFECYCLE}, {@code JSON}, {@code SQL}; any other value is PostHog's legacy
 *       {@code filters.insight} match, which no Quarry insight has);</li>
 *   <li>the six date bounds, each exclusive, read as PostHog's {@code relative_date_parse} in the project's
 *       timezone (absolute dates, date-times, {@code -7d}-style offsets exact to the second): {@code date_from}/
 *       {@code date_to} on {@code last_modified_at}, {@code created_date_from}/{@code created_date_to} on
 *       {@code created_at}, {@code last_viewed_date_from}/{@code last_viewed_date_to} on the latest view by anyone
 *       (never viewed: no match);</li>
 *   <li>{@code order}: one of {@link #ORDER_FIELDS}, {@code -} for descending (anything else is a 400
 *       {@code attr: order}; PostHog answers a 500 there);</li>
 *   <li>{@code basic}: PostHog's {@code InsightBasicSerializer} (by {@code str_to_bool}): fewer fields, no results.</li>
 * </ul>
 * Malformed JSON arrays are a 400 naming the parameter.
 */
public record InsightListFilter(String shortId, String search, Boolean saved, boolean favoritedOnly,
                                List<Long> createdBy, List<String> tags, List<Long> dashboards, String kind,
                                OffsetDateTime modifiedAfter, OffsetDateTime modifiedBefore,
                                OffsetDateTime createdAfter, OffsetDateTime createdBefore,
                                OffsetDateTime viewedAfter, OffsetDateTime viewedBefore, String order, boolean basic) {

    /** PostHog's {@code MAX_SEARCH_LENGTH} for saved-list searches. */
    public static final int MAX_SEARCH_LENGTH = 200;

    /** The insight fields a list may be ordered by (PostHog orders by any model field; these are Quarry's). */
    public static final Set<String> ORDER_FIELDS = Set.of("id", "short_id", "name", "derived_name", "description",
            "created_at", "last_modified_at", "updated_at", "last_viewed_at", "favorited", "saved", "created_by",
            "last_modified_by", "order");

    private static final Set<String> TRUE_TEXT = Set.of("y", "yes", "t", "true", "on", "1");

    /**
     * Reads the filters from the request's query parameters (first value of each).
     *
     * @param parameters the query string's parameters by name
     * @param now the current time in the project's timezone (relative dates count from it)
     * @param userId the key's user, for {@code user}
     */
    public static InsightListFilter parse(Map<String, String> parameters, ZonedDateTime now, Long userId,
                                          ObjectMapper mapper) {
        String search = parameters.get("search");
        if (search != null) {
            if (search.length() > MAX_SEARCH_LENGTH) {
                throw new ValidationException("Search query must be " + MAX_SEARCH_LENGTH + " characters or fewer.",
                        "search");
            }
            search = search.replace("\u0000", "").strip();
            if (search.isEmpty()) {
                search = null;
            }
        }
        List<Long> createdBy = longs(mapper, parameters.get("created_by"), "created_by");
        if (parameters.containsKey("user")) {
            // PostHog applies both filters when both are sent: the key's user, if in the list
            List<Long> mine = new ArrayList<>();
            if (createdBy == null || userId != null && createdBy.contains(userId)) {
                if (userId != null) {
                    mine.add(userId);
                }
            }
            createdBy = mine;
        }
        String order = blankToNull(parameters.get("order"));
        if (order != null && !ORDER_FIELDS.contains(order.startsWith("-") ? order.substring(1) : order)) {
            throw new ValidationException("Cannot order insights by \"" + order + "\".", "order");
        }
        String saved = parameters.get("saved");
        return new InsightListFilter(blankToNull(parameters.get("short_id")), search,
                saved == null ? null : isTrue(saved), parameters.containsKey("favorited"), createdBy,
                strings(mapper, parameters.get("tags"), "tags"), longs(mapper, parameters.get("dashboards"), "dashboards"),
                blankToNull(parameters.get("insight")),
                date(parameters, "date_from", now), date(parameters, "date_to", now),
                date(parameters, "created_date_from", now), date(parameters, "created_date_to", now),
                date(parameters, "last_viewed_date_from", now), date(parameters, "last_viewed_date_to", now),
                order, parameters.get("basic") != null && isTrue(parameters.get("basic")));
    }

    /** PostHog's {@code str_to_bool}. */
    static boolean isTrue(String value) {
        return TRUE_TEXT.contains(value.strip().toLowerCase(Locale.ROOT));
    }

    private static OffsetDateTime date(Map<String, String> parameters, String name, ZonedDateTime now) {
        String value = parameters.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        ZonedDateTime at = RelativeDates.parse(value, now, false, name, false);
        return at == null ? null : at.toOffsetDateTime();
    }

    private static JsonNode array(ObjectMapper mapper, String value, String name) {
        if (value == null || value.isBlank()) {
            return null;
        }
        JsonNode parsed;
        try {
            parsed = mapper.readTree(value);
        } catch (IOException e) {
            throw new ValidationException(name + " must be a JSON array.", name);
        }
        if (parsed == null || !parsed.isArray()) {
            throw new ValidationException(name + " must be a JSON array.", name);
        }
        if (parsed.size() > 1000) {
            throw new ValidationException(name + " may hold at most 1000 values.", name);
        }
        return parsed.isEmpty() ? null : parsed;
    }

    private static List<Long> longs(ObjectMapper mapper, String value, String name) {
        JsonNode parsed = array(mapper, value, name);
        if (parsed == null) {
            return null;
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode item : parsed) {
            if (item.canConvertToExactIntegral() && item.canConvertToLong()) {
                out.add(item.asLong());
            } else if (item.isTextual() && item.asText().strip().matches("-?[0-9]{1,18}")) {
                out.add(Long.parseLong(item.asText().strip()));
            } else {
                throw new ValidationException(name + " must be a JSON array of integer ids.", name);
            }
        }
        return out;
    }

    private static List<String> strings(ObjectMapper mapper, String value, String name) {
        JsonNode parsed = array(mapper, value, name);
        if (parsed == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : parsed) {
            if (!item.isValueNode() || item.isNull()) {
                throw new ValidationException(name + " must be a JSON array of names.", name);
            }
            out.add(item.asText());
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
