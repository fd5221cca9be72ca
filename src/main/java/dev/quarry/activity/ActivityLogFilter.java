package dev.quarry.activity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Which activity log entries of a project a list answers, read once from the query string at the edge. A null list
 * is no filter; an empty list matches no entry. Two readings:
 * <ul>
 *   <li>{@link #advanced} — PostHog's {@code AdvancedActivityLogFiltersSerializer}: {@code users} (user uuids),
 *       {@code scopes}, {@code activities}, {@code item_ids}, {@code clients}, {@code ip_addresses} and
 *       {@code team_ids} as repeated parameters or one JSON array ({@code JSONTolerantListField}, as PostHog's CLI
 *       and MCP tools send them); {@code start_date}/{@code end_date} inclusive ISO-8601 bounds on {@code created_at}
 *       (without an offset: UTC); {@code search_text} a case-insensitive substring of the {@code detail} JSON;
 *       {@code detail_filters} a JSON object of {@code detail} paths to {@code {operation, value}}
 *       ({@link DetailFilter}); {@code is_system}, {@code was_impersonated} (DRF booleans); {@code ordering}
 *       ({@code -created_at}, the default, or {@code created_at}). {@code team_ids} and {@code hogql_filter} are
 *       read and ignored on a project's list, as PostHog does. Quarry records neither the API client nor the IP
 *       address of a change, so a non-empty {@code clients} or {@code ip_addresses} matches nothing (the addresses
 *       are still checked as PostHog checks them).</li>
 *   <li>{@link #classic} — PostHog's {@code ActivityLogViewSet}: {@code user} (one uuid), {@code scope},
 *       {@code scopes} (comma-separated), {@code item_id}.</li>
 * </ul>
 * Malformed values are a 400 naming the parameter, in DRF's words.
 */
public record ActivityLogFilter(List<UUID> users, List<String> scopes, List<String> activities,
                                List<String> itemIds, boolean clientsGiven, boolean ipAddressesGiven,
                                OffsetDateTime startDate, OffsetDateTime endDate, String searchText,
                                List<DetailFilter> detailFilters, Boolean isSystem, Boolean wasImpersonated,
                                boolean ascending) {

    /** PostHog's {@code _MAX_DETAIL_FILTERS}. */
    static final int MAX_DETAIL_FILTERS = 100;
    /** PostHog's {@code _MAX_FIELD_PATH_LENGTH}. */
    static final int MAX_FIELD_PATH_LENGTH = 500;
    /** Arrays a detail path may step through ({@code []}); PostHog allows 5^n ≤ 125 index expansions, so three. */
    static final int MAX_PATH_ARRAYS = 3;
    /** Values of one list parameter, and of one {@code in} filter. */
    static final int MAX_LIST_VALUES = 1000;
    /** The longest {@code search_text}, and the longest value text of a detail filter. */
    static final int MAX_TEXT_LENGTH = 1000;

    private static final Set<String> TRUE_TEXT = Set.of("true", "True", "TRUE", "1", "yes", "Yes", "YES", "on", "On",
            "ON", "y", "Y", "t", "T");
    private static final Set<String> FALSE_TEXT = Set.of("false", "False", "FALSE", "0", "no", "No", "NO", "off",
            "Off", "OFF", "n", "N", "f", "F");
    private static final Pattern IP_CHARACTERS = Pattern.compile("^[0-9a-fA-F:.*]+$");
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

    /**
     * One {@code detail_filters} entry: a path into {@code detail} ({@code name}, {@code changes[].field}: dots
     * between keys, {@code []} stepping into every element of an array), its operation and its value.
     *
     * @param steps     the path cut at each {@code []}: the keys before the first array, then the keys inside each
     *                  array element ({@code changes[].field}: {@code [[changes], [field]]})
     * @param operation {@code exact} (the value, or any type variant of it: {@code "5"} matches 5, {@code "true"}
     *                  and {@code "1"} match true), {@code contains} (a case-insensitive substring of the value's
     *                  text; on an array path, of the whole array's JSON, as PostHog), {@code in} (any of a list)
     * @param values    the value (one) or the list of an {@code in}
     */
    public record DetailFilter(List<List<String>> steps, String operation, List<JsonNode> values) {
    }

    /** Reads PostHog's advanced activity log filters from the query string ({@code parameters}: every value sent). */
    public static ActivityLogFilter advanced(Map<String, List<String>> parameters, ObjectMapper mapper) {
        List<UUID> users = uuids(list(parameters, "users", mapper), "users");
        List<String> scopes = list(parameters, "scopes", mapper);
        List<String> activities = list(parameters, "activities", mapper);
        List<String> itemIds = list(parameters, "item_ids", mapper);
        List<String> clients = list(parameters, "clients", mapper);
        List<String> ips = list(parameters, "ip_addresses", mapper);
        if (ips != null) {
            ips.forEach(ActivityLogFilter::checkIp);
        }
        List<String> teamIds = list(parameters, "team_ids", mapper);
        if (teamIds != null) {
            for (String id : teamIds) {
                integer(id, "team_ids");
            }
        }
        String search = single(parameters, "search_text");
        if (search != null) {
            if (search.length() > MAX_TEXT_LENGTH) {
                throw new ValidationException("Ensure this field has no more than " + MAX_TEXT_LENGTH
                        + " characters.", "search_text");
            }
            search = search.isBlank() ? null : search;
        }
        String details = single(parameters, "detail_filters");
        List<DetailFilter> detailFilters = details == null ? null : detailFilters(details, mapper);
        return new ActivityLogFilter(users, scopes, activities, itemIds, clients != null && !clients.isEmpty(),
                ips != null && !ips.stream().allMatch(String::isEmpty),
                date(parameters, "start_date"), date(parameters, "end_date"), search, detailFilters,
                bool(parameters, "is_system"), bool(parameters, "was_impersonated"), ascending(parameters));
    }

    /** Reads PostHog's activity log list filters ({@code ActivityLogViewSet}) from the query string. */
    public static ActivityLogFilter classic(Map<String, List<String>> parameters) {
        String user = single(parameters, "user");
        List<UUID> users = user == null || user.isEmpty() ? null : uuids(List.of(user), "user");
        List<String> scopes = null;
        String scope = single(parameters, "scope");
        if (scope != null && !scope.isEmpty()) {
            scopes = List.of(scope);
        }
        String several = single(parameters, "scopes");
        if (several != null && !several.isEmpty()) {
            List<String> listed = List.of(several.split(",", -1));
            // both given: PostHog applies both filters, so an entry must pass each
            scopes = scopes == null ? listed : listed.contains(scopes.get(0)) ? scopes : List.of();
        }
        String item = single(parameters, "item_id");
        List<String> itemIds = item == null || item.isEmpty() ? null : List.of(item);
        return new ActivityLogFilter(users, scopes, null, itemIds, false, false, null, null, null, null, null, null,
                ascending(parameters));
    }

    /** Whether the filter can match no entry at all, whatever is stored. */
    boolean matchesNothing() {
        return isEmpty(users) || isEmpty(scopes) || isEmpty(activities) || isEmpty(itemIds) || clientsGiven
                || ipAddressesGiven || Boolean.TRUE.equals(wasImpersonated);
    }

    private static boolean isEmpty(List<?> values) {
        return values != null && values.isEmpty();
    }

    private static boolean ascending(Map<String, List<String>> parameters) {
        String ordering = single(parameters, "ordering");
        if (ordering == null || ordering.equals("-created_at")) {
            return false;
        }
        if (ordering.equals("created_at")) {
            return true;
        }
        throw new ValidationException("\"" + ordering + "\" is not a valid choice.", "ordering");
    }

    /** The last value sent for {@code name} (as Django's {@code QueryDict.get}), or null. */
    static String single(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /**
     * A list parameter as PostHog's {@code JSONTolerantListField} reads it: every repeated value, or the elements of
     * one value that is a JSON array; null when absent.
     */
    static List<String> list(Map<String, List<String>> parameters, String name, ObjectMapper mapper) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        List<String> out = values;
        if (values.size() == 1) {
            String candidate = values.get(0).strip();
            if (candidate.startsWith("[") && candidate.endsWith("]")) {
                try {
                    JsonNode parsed = mapper.readTree(candidate);
                    if (parsed != null && parsed.isArray()) {
                        out = new ArrayList<>();
                        for (JsonNode element : parsed) {
                            if (element.isContainerNode()) {
                                throw new ValidationException("Not a valid string.", name);
                            }
                            out.add(element.isNull() ? "" : element.asText());
                        }
                    }
                } catch (JsonProcessingException e) {
                    // not JSON after all: the text itself is the one value, as PostHog reads it
                }
            }
        }
        if (out.size() > MAX_LIST_VALUES) {
            throw new ValidationException("Ensure this field has no more than " + MAX_LIST_VALUES + " elements.", name);
        }
        for (String value : out) {
            if (value.length() > MAX_TEXT_LENGTH) {
                throw new ValidationException("Ensure this field has no more than " + MAX_TEXT_LENGTH
                        + " characters.", name);
            }
        }
        return List.copyOf(out);
    }

    private static List<UUID> uuids(List<String> values, String name) {
        if (values == null) {
            return null;
        }
        List<UUID> out = new ArrayList<>(values.size());
        for (String value : values) {
            UUID uuid = dev.quarry.web.PythonUuid.parse(value);
            if (uuid == null) {
                throw new ValidationException("Must be a valid UUID.", name);
            }
            out.add(uuid);
        }
        return out;
    }

    /** DRF's IntegerField on text: optional whitespace and sign, digits. */
    static int integer(String value, String name) {
        String text = value.strip();
        if (!text.matches("[+-]?\\d{1,18}")) {
            throw new ValidationException("A valid integer is required.", name);
        }
        long parsed = Long.parseLong(text);
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parsed));
    }

    /** DRF's OptionalBooleanField: null when absent. */
    private static Boolean bool(Map<String, List<String>> parameters, String name) {
        String value = single(parameters, name);
        if (value == null) {
            return null;
        }
        if (TRUE_TEXT.contains(value)) {
            return true;
        }
        if (FALSE_TEXT.contains(value)) {
            return false;
        }
        if (value.isEmpty() || value.equals("null")) {
            return null;
        }
        throw new ValidationException("Must be a valid boolean.", name);
    }

    /**
     * DRF's DateTimeField on ISO-8601: a date-time with or without an offset (UTC then), or a date (its midnight);
     * years 1 to 9999 (Python's datetime), else the 400.
     */
    private static OffsetDateTime date(Map<String, List<String>> parameters, String name) {
        String value = single(parameters, name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        OffsetDateTime date = anyDate(value.strip(), name);
        if (date.getYear() < 1 || date.getYear() > 9999) {
            throw new ValidationException("Datetime has wrong format. Use one of these formats instead: "
                    + "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].", name);
        }
        return date;
    }

    private static OffsetDateTime anyDate(String text, String name) {
        try {
            return OffsetDateTime.parse(text.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            // no offset, or a date alone
        }
        try {
            return LocalDateTime.parse(text.replace(' ', 'T')).atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // a date alone
        }
        try {
            return LocalDate.parse(text).atStartOfDay().atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new ValidationException("Datetime has wrong format. Use one of these formats instead: "
                    + "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].", name);
        }
    }

    /** PostHog's {@code _validate_ip_or_wildcard}. */
    private static void checkIp(String value) {
        String v = value.strip();
        String wrong = "Invalid IP address format. Use a valid IPv4/IPv6 address or a wildcard like `203.0.113.*`.";
        if (v.isEmpty()) {
            return; // PostHog drops empty entries before filtering
        }
        if (!IP_CHARACTERS.matcher(v).matches()) {
            throw new ValidationException(wrong, "ip_addresses");
        }
        if (v.contains("*")) {
            return;
        }
        if (IPV4.matcher(v).matches()) {
            for (String octet : v.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw new ValidationException(wrong, "ip_addresses");
                }
            }
            return;
        }
        if (!v.contains(":")) {
            throw new ValidationException(wrong, "ip_addresses");
        }
    }

    /** PostHog's {@code validate_detail_filters}, read into {@link DetailFilter}s; entries with a null value are skipped. */
    static List<DetailFilter> detailFilters(String text, ObjectMapper mapper) {
        JsonNode parsed;
        try {
            parsed = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ValidationException("Value must be valid JSON.", "detail_filters");
        }
        if (parsed == null || !parsed.isObject()) {
            throw new ValidationException("detail_filters must be an object.", "detail_filters");
        }
        if (parsed.size() > MAX_DETAIL_FILTERS) {
            throw new ValidationException("detail_filters accepts at most " + MAX_DETAIL_FILTERS + " entries.",
                    "detail_filters");
        }
        List<DetailFilter> filters = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = parsed.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String path = entry.getKey();
            JsonNode config = entry.getValue();
            if (path.isEmpty()) {
                throw new ValidationException("Detail filter field paths must be non-empty strings.", "detail_filters");
            }
            if (path.length() > MAX_FIELD_PATH_LENGTH) {
                throw new ValidationException("Detail filter field paths must be at most " + MAX_FIELD_PATH_LENGTH
                        + " characters.", "detail_filters");
            }
            if (!config.isObject()) {
                throw new ValidationException("Detail filter '" + path + "' must be an object.", "detail_filters");
            }
            JsonNode op = config.get("operation");
            String operation = op == null ? "exact" : op.isTextual() ? op.asText() : op.toString();
            if (!Set.of("exact", "contains", "in").contains(operation)) {
                throw new ValidationException("Unsupported detail filter operation '" + operation
                        + "'. Allowed operations: contains, exact, in.", "detail_filters");
            }
            if (path.contains("__")) {
                throw new ValidationException("Detail filter field path '" + path + "' contains '__'.",
                        "detail_filters");
            }
            List<List<String>> steps = steps(path);
            if (steps.size() - 1 > MAX_PATH_ARRAYS) {
                throw new ValidationException("Detail filter field path '" + path + "' nests too many arrays.",
                        "detail_filters");
            }
            JsonNode value = config.get("value");
            if (value == null || value.isNull()) {
                continue;
            }
            List<JsonNode> values = new ArrayList<>();
            if (value.isArray()) {
                value.forEach(values::add);
            } else {
                values.add(value);
            }
            if (values.size() > MAX_LIST_VALUES) {
                throw new ValidationException("Detail filter '" + path + "' has more than " + MAX_LIST_VALUES
                        + " values.", "detail_filters");
            }
            if (value.toString().length() > MAX_TEXT_LENGTH * 10) {
                throw new ValidationException("Detail filter '" + path + "' has a value longer than "
                        + MAX_TEXT_LENGTH * 10 + " characters.", "detail_filters");
            }
            // exact and contains compare the value as sent (a list value is then one JSON value, as Django's)
            filters.add(new DetailFilter(steps, operation, operation.equals("in") ? values : List.of(value)));
        }
        return filters;
    }

    /** {@code a.b[].c} as {@code [[a, b], [c]]}; every key non-empty (PostHog's empty-segment 400). */
    private static List<List<String>> steps(String path) {
        List<List<String>> steps = new ArrayList<>();
        String[] parts = path.split("\\[\\]", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i > 0 && part.startsWith(".")) {
                part = part.substring(1);
            }
            List<String> keys = new ArrayList<>();
            if (!part.isEmpty()) {
                for (String key : part.split("\\.", -1)) {
                    if (key.isEmpty()) {
                        throw new ValidationException("Detail filter field path '" + path
                                + "' has an empty segment.", "detail_filters");
                    }
                    keys.add(key);
                }
            } else if (i == 0 || i < parts.length - 1) {
                // "[]" first, or "a[][]": an array step without a key before it
                if (i == 0) {
                    throw new ValidationException("Detail filter field path '" + path + "' has an empty segment.",
                            "detail_filters");
                }
            }
            steps.add(List.copyOf(keys));
        }
        return List.copyOf(steps);
    }
}
