package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * DRF's LimitOffsetPagination: {@code limit}/{@code offset} query parameters and the {@code next}/{@code previous}
 * links, built from the request URL with those two parameters replaced (other parameters kept, sorted by name).
 */
public record LimitOffset(int limit, int offset) {
    public static final String LIMIT = "limit";
    public static final String OFFSET = "offset";

    /**
     * A missing or zero limit means the default page size; a larger one than {@code maxLimit} is cut to it; a limit
     * that is not a non-negative integer is a 400 naming {@code limit} (PostHog's own parsing, as plugin logs do). An
     * offset is read as DRF reads it ({@link #offset}).
     */
    public static LimitOffset parse(String limit, String offset, int defaultLimit, int maxLimit) {
        int parsedLimit = defaultLimit;
        if (limit != null && !limit.isEmpty()) {
            parsedLimit = integer(limit, LIMIT, "Query param limit must be omitted or an integer!");
            if (parsedLimit < 0) {
                throw new ValidationException("Query param limit must not be negative.", LIMIT);
            }
            if (parsedLimit == 0) {
                parsedLimit = defaultLimit;
            }
        }
        return new LimitOffset(Math.min(parsedLimit, maxLimit), offset(offset));
    }

    /**
     * DRF's {@code get_offset}: an offset that is not a non-negative integer is 0, never an error; one past what an
     * int holds is read as the largest (an empty page, as Python's unbounded {@code int} would give, not the first).
     */
    static int offset(String offset) {
        if (offset == null || offset.isEmpty()) {
            return 0;
        }
        java.math.BigInteger value = pythonInt(offset);
        return value == null || value.signum() < 0 ? 0 : clamp(value);
    }

    /** Python's {@code int(text)}: surrounding whitespace, a sign, digits with single underscores between them. */
    private static final java.util.regex.Pattern PYTHON_INT =
            java.util.regex.Pattern.compile("\\s*([+-]?)(\\d(?:_?\\d)*)\\s*");

    /** {@code text} as Python's {@code int()} reads it, or null where it raises ValueError. */
    static java.math.BigInteger pythonInt(String text) {
        java.util.regex.Matcher m = PYTHON_INT.matcher(text);
        if (!m.matches() || m.group(2).length() > 4_300) { // Python's default limit on integer string digits
            return null;
        }
        java.math.BigInteger value = new java.math.BigInteger(m.group(2).replace("_", ""));
        return m.group(1).equals("-") ? value.negate() : value;
    }

    private static int clamp(java.math.BigInteger value) {
        return value.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE)) > 0 ? Integer.MAX_VALUE
                : value.compareTo(java.math.BigInteger.valueOf(Integer.MIN_VALUE)) < 0 ? Integer.MIN_VALUE
                : value.intValue();
    }

    /**
     * The {@code limit} a request gave, as {@link #parse} read it (Python's {@code int()}, beyond an int the largest),
     * before any cut to a page size: null when absent or 0 (a falsy limit is no limit in PostHog's views). Call after
     * {@link #parse}, which refuses what is not an integer.
     */
    public static Integer requestedLimit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return null;
        }
        int value = integer(limit, LIMIT, "Query param limit must be omitted or an integer!");
        return value == 0 ? null : value;
    }

    /** {@code value} read by Python's {@code int()} (beyond an int: the nearest int), else the 400. */
    private static int integer(String value, String attr, String detail) {
        java.math.BigInteger parsed = pythonInt(value);
        if (parsed == null) {
            throw new ValidationException(detail, attr);
        }
        return clamp(parsed);
    }

    /** The page with its links, built from {@code requestUrl} without a query-string key ({@link LinkUrls}). */
    public <T> Page<T> page(URI requestUrl, long count, List<T> results) {
        URI url = LinkUrls.withoutKey(requestUrl);
        return new Page<>(count, next(url, count), previous(url), results);
    }

    /**
     * A page that may hold fewer rows than its limit before the end (it stopped before the response limit): its
     * {@code next} continues at the first row left out, {@code offset + results.size()}, keeping the limit.
     */
    public <T> Page<T> pageStoppedEarly(URI requestUrl, long count, List<T> results) {
        URI url = LinkUrls.withoutKey(requestUrl);
        long nextOffset = (long) offset + results.size();
        String next = nextOffset >= count || results.isEmpty() ? null
                : withQuery(url, Map.of(LIMIT, Integer.toString(limit), OFFSET, Long.toString(nextOffset)));
        return new Page<>(count, next, previous(url), results);
    }

    /**
     * The page of these rows, stopped before the first row that would take the answer past the response limit
     * ({@link ResponseLimit}): its {@code next} then continues at that row ({@link #pageStoppedEarly}). Items of legal
     * size (descriptions, tags) must not make a project's default page a 400 for everyone. The first row is always
     * kept.
     */
    public Page<com.fasterxml.jackson.databind.node.ObjectNode> pageWithinLimit(
            URI requestUrl, long count, List<com.fasterxml.jackson.databind.node.ObjectNode> rows, ObjectMapper mapper) {
        List<com.fasterxml.jackson.databind.node.ObjectNode> kept = new ArrayList<>();
        long bytes = 0;
        for (com.fasterxml.jackson.databind.node.ObjectNode row : rows) {
            long size = ResponseLimit.rowSize(mapper, row);
            if (!kept.isEmpty() && bytes + size > ResponseLimit.MAX_ENCODED_BYTES - ResponseLimit.PAGE_ENVELOPE_BYTES) {
                return pageStoppedEarly(requestUrl, count, kept);
            }
            kept.add(row);
            bytes += size;
        }
        // the rows may already have been cut before they were read (a list that reads only what an answer can carry):
        // next continues after the last one answered either way
        return pageStoppedEarly(requestUrl, count, kept);
    }

    /**
     * The page as DRF answers it ({@code {count, next, previous, results}}), each row rendered by {@code render},
     * the links built from {@code requestUrl} (the request's absolute URI).
     */
    public <T> ObjectNode json(ObjectMapper mapper, String requestUrl, long count, List<T> rows,
                               Function<? super T, ? extends JsonNode> render) {
        List<JsonNode> results = new ArrayList<>(rows.size());
        rows.forEach(row -> results.add(render.apply(row)));
        return mapper.valueToTree(page(URI.create(requestUrl), count, results));
    }

    String next(URI url, long count) {
        if ((long) offset + limit >= count) {
            return null;
        }
        return withQuery(url, Map.of(LIMIT, Integer.toString(limit), OFFSET, Integer.toString(offset + limit)));
    }

    String previous(URI url) {
        if (offset <= 0) {
            return null;
        }
        int previousOffset = offset - limit;
        if (previousOffset <= 0) {
            return withQuery(url, Map.of(LIMIT, Integer.toString(limit), OFFSET, ""));
        }
        return withQuery(url, Map.of(LIMIT, Integer.toString(limit), OFFSET, Integer.toString(previousOffset)));
    }

    /** Sets each given parameter to its value, or removes it when the value is empty. */
    static String withQuery(URI url, Map<String, String> replacements) {
        List<String[]> params = new ArrayList<>();
        String raw = url.getRawQuery();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (!replacements.containsKey(name)) {
                    params.add(new String[] {name, value});
                }
            }
        }
        replacements.forEach((name, value) -> {
            if (!value.isEmpty()) {
                params.add(new String[] {name, value});
            }
        });
        params.sort(Comparator.comparing(p -> p[0]));
        StringBuilder query = new StringBuilder();
        for (String[] param : params) {
            query.append(query.length() == 0 ? "" : "&").append(encode(param[0])).append('=').append(encode(param[1]));
        }
        String base = url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath();
        return query.length() == 0 ? base : base + "?" + query;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The paginated response body. */
    public record Page<T>(long count, String next, String previous, List<T> results) {
    }
}
