package dev.quarry.persons;

import dev.quarry.web.LinkUrls;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The persons endpoints' {@code next} and {@code initial} links, built as PostHog builds them, except that a
 * {@code personal_api_key} query parameter is never repeated in them ({@link LinkUrls}).
 */
final class PageLinks {
    private PageLinks() {
    }

    static String with(URI requestUrl, String offsetParam, int offset, String limitParam, int limit) {
        URI url = LinkUrls.withoutKey(requestUrl);
        List<String> params = new ArrayList<>();
        String raw = url.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                if (!pair.isEmpty() && !name.equals(offsetParam) && !name.equals(limitParam)) {
                    params.add(pair);
                }
            }
        }
        params.add(limitParam + "=" + limit);
        params.add(offsetParam + "=" + offset);
        return url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath() + "?" + String.join("&", params);
    }

    /** The request's own URL as a link ({@code initial}), without a query-string key. */
    static String initial(URI requestUrl) {
        return LinkUrls.withoutKey(requestUrl).toString();
    }

    /**
     * PostHog's {@code format_paginated_url(request, offset, limit)}: when the request's path and query mention
     * {@code offset}, the relative path (without its leading slash) with {@code offset=<offset>} replaced by the
     * next offset; otherwise the absolute URL with {@code offset=<offset + limit>} appended.
     */
    static String paginated(URI requestUrl, int offset, int limit) {
        URI url = LinkUrls.withoutKey(requestUrl);
        String fullPath = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        int next = offset + limit;
        if (fullPath.contains("offset")) {
            return fullPath.substring(1).replace("offset=" + offset, "offset=" + next);
        }
        return url.getScheme() + "://" + url.getRawAuthority() + fullPath + (fullPath.contains("?") ? "&" : "?")
                + "offset=" + next;
    }
}
