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

    /** DRF's {@code get_offset}: an offset that is not a non-negative integer is 0, never an error. */
    static int offset(String offset) {
        if (offset == null || offset.isEmpty()) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(offset.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int integer(String value, String attr, String detail) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(detail, attr);
        }
    }

    /** The page with its links, built from {@code requestUrl} without a query-string key ({@link LinkUrls}). */
    public <T> Page<T> page(URI requestUrl, long count, List<T> results) {
        URI url = LinkUrls.withoutKey(requestUrl);
        return new Page<>(count, next(url, count), previous(url), results);
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
    private static String withQuery(URI url, Map<String, String> replacements) {
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
