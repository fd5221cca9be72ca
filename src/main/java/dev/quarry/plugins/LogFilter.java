package dev.quarry.plugins;

import dev.quarry.web.ValidationException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The listing's filters, validated: every bound is strict, {@code types} empty means any type. */
public record LogFilter(OffsetDateTime after, OffsetDateTime before, String search, List<String> types) {
    static final Set<String> TYPES = Set.of("DEBUG", "LOG", "INFO", "WARN", "ERROR");

    /** A "+01:00" offset sent unencoded in a query string arrives as " 01:00". */
    private static final Pattern UNENCODED_PLUS = Pattern.compile("^(.*\\d\\d:\\d\\d(?::\\d\\d(?:\\.\\d+)?)?) (\\d\\d:?\\d\\d)$");

    public static LogFilter parse(String after, String before, String search, List<String> typeFilter) {
        List<String> types = typeFilter == null ? List.of() : typeFilter.stream().distinct().toList();
        for (String type : types) {
            if (!TYPES.contains(type)) {
                throw new ValidationException("\"" + type + "\" is not a valid choice for type_filter; "
                        + "expected one of DEBUG, LOG, INFO, WARN, ERROR.", "type_filter");
            }
        }
        if (search != null && search.indexOf('\0') >= 0) {
            throw new ValidationException("Null characters are not allowed.", "search");
        }
        return new LogFilter(bound(after, "after"), bound(before, "before"),
                search == null || search.isEmpty() ? null : search, types);
    }

    private static OffsetDateTime bound(String value, String name) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        return Timestamps.parse(UNENCODED_PLUS.matcher(value).replaceFirst("$1+$2")).orElseThrow(() -> new ValidationException(
                "Query param " + name + " must be an ISO-8601 timestamp.", name));
    }

    /** The text of an ILIKE pattern matching {@code search} anywhere, with its wildcards taken literally. */
    static String containsPattern(String search) {
        return dev.quarry.hogql.LikePatterns.contains(search);
    }
}
