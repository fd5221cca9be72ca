package dev.quarry.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code GET event_definitions/} narrows and orders by, read from its query parameters as PostHog's
 * {@code EventDefinitionViewSet.dangerously_get_queryset} reads them (posthog/api/event_definition.py):
 * <ul>
 * <li>{@code event_type}: {@code event} (the default), {@code all} and {@code action_event} (the same rows: PostHog
 * lists no actions here either), {@code event_custom} (names without a {@code $} prefix), {@code event_posthog}
 * (names with one); any other value, the empty one too, a 400 on {@code event_type} "Not a valid event type. Use one
 * of: event, event_custom, event_posthog."</li>
 * <li>{@code ordering}: repeated or comma-joined; {@code name}, {@code last_seen_at}, {@code last_seen_at::date},
 * {@code created_at}, {@code created_at::date}, a {@code -} for descending; unknown fields are dropped, as PostHog drops
 * them (no 400). Ascending puts nulls first, descending last (PostHog's NULLS clause); {@code name} is appended as the
 * tiebreaker unless named. Without an ordering: {@code last_seen_at::date DESC, name ASC}, and with a search
 * {@code length(name) ASC} before that (shorter names first). Dates are UTC dates, as PostHog's database session reads
 * them.</li>
 * <li>{@code names}: exact names, repeated or comma-separated (empty pieces dropped).</li>
 * <li>{@code excluded_properties}: a JSON list of event names left out (PostHog answers a 500 for anything else;
 * Quarry a 400 naming the parameter).</li>
 * <li>{@code tags}: a JSON list of tag names, definitions carrying any of them; anything else (not JSON, not a list)
 * ignored and non-string members dropped, as PostHog does.</li>
 * <li>{@code exclude_hidden}, {@code exclude_stale}: only the text {@code true} (any case) turns them on; stale is last
 * seen more than {@link #STALE_EVENT_DAYS} days ago (never-seen definitions stay).</li>
 * <li>{@code verified}: present and {@code true} (any case): the verified definitions and PostHog's core events
 * ({@link CoreEvents}); present with any other value: the others.</li>
 * </ul>
 */
public record EventListing(String search, String prefix, boolean withPrefix, List<Order> ordering, List<String> names,
                           List<String> excluded, List<String> tags, boolean excludeHidden, boolean excludeStale,
                           Boolean verified) {

    /** PostHog's {@code STALE_EVENT_DAYS}. */
    public static final int STALE_EVENT_DAYS = 30;

    /** One sort key: a column expression from {@link #FIELDS} and its direction. */
    public record Order(String field, boolean descending) {
    }

    /** The fields PostHog's list can order by ({@code EVENT_DEFINITION_ORDERING_FIELDS}) and the SQL for each. */
    static final Map<String, String> FIELDS = Map.of(
            "name", "name",
            "last_seen_at", "last_seen_at",
            "last_seen_at::date", "(last_seen_at AT TIME ZONE 'UTC')::date",
            "created_at", "created_at",
            "created_at::date", "(created_at AT TIME ZONE 'UTC')::date");

    /** The list with no narrowing, PostHog's default order. */
    public static final EventListing ALL = new EventListing(null, null, false, List.of(), List.of(), List.of(),
            List.of(), false, false, null);

    /**
     * The parameters as PostHog reads them; {@code ordering} and {@code names} hold every value of their repeated
     * parameter. @throws ValidationException for an unknown {@code event_type} or an {@code excluded_properties} that
     * is not a JSON list
     */
    public static EventListing parse(ObjectMapper mapper, String search, String eventType, List<String> ordering,
                                     List<String> names, String excludedProperties, String tags, String excludeHidden,
                                     String excludeStale, String verified) {
        String prefix = null;
        boolean withPrefix = false;
        if (eventType != null) {
            switch (eventType) {
                case "event", "all", "action_event" -> {
                }
                case "event_custom" -> prefix = "$";
                case "event_posthog" -> {
                    prefix = "$";
                    withPrefix = true;
                }
                default -> throw new ValidationException("invalid", // DRF's code for a bare ValidationError
                        "Not a valid event type. Use one of: event, event_custom, event_posthog.", "event_type");
            }
        }
        return new EventListing(search, prefix, withPrefix, ordering(ordering), names(names),
                excluded(mapper, excludedProperties), tags(mapper, tags), on(excludeHidden), on(excludeStale),
                verified == null ? null : verified.equalsIgnoreCase("true"));
    }

    /** Quarry's largest page (PostHog's serializer has none; its count is capped instead). */
    static final int MAX_LIMIT = 1000;

    /**
     * {@code limit} and {@code offset} as PostHog's {@code EventDefinitionQuerySerializer} reads them (DRF's
     * IntegerField: surrounding spaces and a trailing {@code .0} allowed, Python's {@code int()} digits; limit at
     * least 1, default 100; offset at least 0): "A valid integer is required.", "Ensure this value is greater than or
     * equal to 1." (or 0) naming the parameter. A present but empty value is a value (DRF refuses it); null: absent.
     */
    static dev.quarry.web.LimitOffset page(String limit, String offset) {
        Long l = drfInteger(limit, "limit", 1);
        Long o = drfInteger(offset, "offset", 0);
        return new dev.quarry.web.LimitOffset(l == null ? 100 : (int) Math.min(l, MAX_LIMIT),
                o == null ? 0 : (int) Math.min(o, Integer.MAX_VALUE));
    }

    private static Long drfInteger(String raw, String field, int min) {
        if (raw == null) {
            return null;
        }
        String text = raw.strip();
        if (text.length() > 1000) {
            throw new ValidationException("max_string_length", "String value too large.", field);
        }
        text = text.replaceFirst("\\.0*\\s*$", "");
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER) {
                digits.append((char) ('0' + Character.digit(c, 10)));
            } else {
                digits.appendCodePoint(c);
            }
        }
        if (!digits.toString().matches("[+-]?\\d+(_\\d+)*")) {
            throw new ValidationException("invalid", "A valid integer is required.", field);
        }
        java.math.BigInteger value = new java.math.BigInteger(digits.toString().replace("_", ""));
        if (value.compareTo(java.math.BigInteger.valueOf(min)) < 0) {
            throw new ValidationException("min_value", "Ensure this value is greater than or equal to " + min + ".",
                    field);
        }
        return value.bitLength() < 63 ? value.longValue() : Long.MAX_VALUE;
    }

    private static boolean on(String flag) {
        return flag != null && flag.equalsIgnoreCase("true");
    }

    /** PostHog's {@code _requested_ordering}: known fields in request order, a {@code -} anywhere for descending. */
    static List<Order> ordering(List<String> values) {
        List<Order> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (String raw : values) {
            for (String value : raw.split(",", -1)) {
                String field = value.replace("-", "");
                if (!value.isEmpty() && FIELDS.containsKey(field)) {
                    out.add(new Order(field, value.contains("-")));
                }
            }
        }
        return out;
    }

    private static List<String> names(List<String> values) {
        Set<String> out = new LinkedHashSet<>();
        if (values != null) {
            for (String raw : values) {
                for (String name : raw.split(",", -1)) {
                    if (!name.isEmpty()) {
                        out.add(name);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<String> excluded(ObjectMapper mapper, String json) {
        if (json == null || json.isEmpty()) {
            return List.of();
        }
        JsonNode node = null;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            // the 400 below
        }
        if (node == null || !node.isArray()) {
            throw new ValidationException("excluded_properties must be a JSON list of event names",
                    "excluded_properties");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode member : node) {
            if (!member.isTextual()) {
                throw new ValidationException("excluded_properties must be a JSON list of event names",
                        "excluded_properties");
            }
            out.add(member.textValue());
        }
        return List.copyOf(out);
    }

    /** PostHog's {@code _tags_filter_from_request}: a JSON list's string members; anything else, no filter. */
    private static List<String> tags(ObjectMapper mapper, String json) {
        if (json == null || json.isEmpty()) {
            return List.of();
        }
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            return List.of();
        }
        if (node == null || !node.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        node.forEach(member -> {
            if (member.isTextual()) {
                out.add(member.textValue());
            }
        });
        return out;
    }

    /**
     * The ORDER BY keys, PostHog's {@code _stable_ordering} with its default and the search's {@code length(name)}
     * first: fixed SQL fragments only (from {@link #FIELDS}), never the request's text.
     */
    String orderBy() {
        List<String> keys = new ArrayList<>();
        List<Order> order = ordering;
        if (search != null && !search.isBlank() && ordering.isEmpty()) {
            keys.add("length(name) ASC");
        }
        if (order.isEmpty()) {
            order = List.of(new Order("last_seen_at::date", true), new Order("name", false));
        }
        boolean byName = false;
        for (Order o : order) {
            String direction = o.descending() ? "DESC" : "ASC";
            if (o.field().equals("name")) {
                byName = true;
                keys.add("name " + direction);
            } else {
                keys.add(FIELDS.get(o.field()) + " " + direction + (o.descending() ? " NULLS LAST" : " NULLS FIRST"));
            }
        }
        if (!byName) {
            keys.add("name ASC");
        }
        return String.join(", ", keys);
    }
}
