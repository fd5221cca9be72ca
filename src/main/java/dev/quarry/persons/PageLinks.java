package dev.quarry.persons;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The persons endpoints' {@code next}/{@code initial} links: the request URL with offset and limit set. */
final class PageLinks {
    private PageLinks() {
    }

    static String with(URI url, String offsetParam, int offset, String limitParam, int limit) {
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
}
