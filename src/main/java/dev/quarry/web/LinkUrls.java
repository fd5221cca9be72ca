package dev.quarry.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The request URL a response's links ({@code next}, {@code previous}, {@code initial}) are built from, without the
 * credentials a client may have put in the query string: a {@code personal_api_key} query parameter (one of the
 * three places PostHog reads a personal API key from) is dropped, so a key never travels in a link that clients log,
 * cache or share. (DRF's paginators would repeat it; Quarry does not.) Every other parameter is kept as sent.
 */
public final class LinkUrls {
    /** The query parameter holding a personal API key. */
    public static final String KEY_PARAMETER = "personal_api_key";

    private LinkUrls() {
    }

    /** {@code url} with every {@code personal_api_key} query parameter removed (the URL itself when it has none). */
    public static URI withoutKey(URI url) {
        String raw = url.getRawQuery();
        if (raw == null || !raw.contains(KEY_PARAMETER) && !raw.contains("%")) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        boolean dropped = false;
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (name.equals(KEY_PARAMETER)) {
                dropped = true;
            } else {
                kept.add(pair);
            }
        }
        if (!dropped) {
            return url;
        }
        String query = String.join("&", kept.stream().filter(p -> !p.isEmpty()).toList());
        try {
            return new URI(url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath()
                    + (query.isEmpty() ? "" : "?" + query) + (url.getRawFragment() == null ? "" : "#" + url.getRawFragment()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException("A URL without its key parameter is still a URL: " + e.getMessage(), e);
        }
    }

    /** The same for a URL held as text (Vert.x's {@code absoluteURI()}). */
    public static URI withoutKey(String url) {
        return withoutKey(URI.create(url));
    }

    /**
     * The request's absolute URL (its key parameter left out) with these query parameters set (sorted, as DRF's
     * links are; an empty value removes one): a page link such as PostHog's {@code format_query_params_absolute_url}
     * builds.
     */
    public static String withParameters(String requestUrl, java.util.Map<String, String> parameters) {
        return LimitOffset.withQuery(withoutKey(requestUrl), parameters);
    }
}
