package dev.quarry.events;

import dev.quarry.web.LinkUrls;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The events list's {@code next} link, as PostHog's {@code _build_next_url} writes it: the request's absolute path
 * with its parameters as Django's {@code request.GET.dict()} holds them (each name once, at its first place, with its
 * last value; blank values kept) and the cursor parameter set to the last event's time, encoded by Python's
 * {@code urlencode} ({@code quote_plus}: a space is {@code +}, only letters, digits and {@code _.-~} stay as they
 * are). A {@code personal_api_key} parameter is never repeated ({@link LinkUrls}).
 */
final class EventLinks {
    private EventLinks() {
    }

    /**
     * @param requestUrl the request's absolute URL as received
     * @param cursor {@code before} (newest first) or {@code after}
     * @param value the last event's time, as the list renders it
     */
    static String next(String requestUrl, String cursor, String value) {
        URI url = LinkUrls.withoutKey(requestUrl);
        Map<String, String> params = new LinkedHashMap<>();
        String raw = url.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String text = eq < 0 ? "" : decode(pair.substring(eq + 1));
                params.put(name, text);
            }
        }
        params.put(cursor, value);
        StringBuilder query = new StringBuilder();
        params.forEach((name, text) -> {
            if (!query.isEmpty()) {
                query.append('&');
            }
            query.append(quotePlus(name)).append('=').append(quotePlus(text));
        });
        return url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath() + "?" + query;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    /** Python's {@code urllib.parse.quote_plus} of UTF-8 text. */
    static String quotePlus(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("*", "%2A").replace("%7E", "~");
    }
}
