package dev.quarry.metering;

import java.util.Set;

/**
 * The endpoint groups calls are metered, billed and limited by, derived from the request path (after
 * {@code /api/environments/} became {@code /api/projects/}). The one place that knows the mapping.
 */
public enum EndpointGroup {
    CAPTURE, QUERY, PERSONS, PLUGINS, BOOTSTRAP;

    private static final Set<String> CAPTURE_PATHS = Set.of("batch", "capture", "e", "i/v0/e", "track");
    private static final String PROJECTS = "api/projects/";
    private static final String ENVIRONMENTS = "api/environments/";

    /** The group of a request path, or null when the path is not metered (neither /api/ nor capture). */
    public static EndpointGroup of(String path) {
        String p = strip(path);
        if (p.startsWith(ENVIRONMENTS)) {
            p = PROJECTS + p.substring(ENVIRONMENTS.length());
        }
        if (CAPTURE_PATHS.contains(p)) {
            return CAPTURE;
        }
        if (!p.equals("api") && !p.startsWith("api/")) {
            return null;
        }
        if (p.startsWith(PROJECTS)) {
            int slash = p.indexOf('/', PROJECTS.length());
            String rest = slash < 0 ? "" : p.substring(slash + 1);
            String segment = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
            switch (segment) {
                case "query":
                    return QUERY;
                case "persons":
                case "cohorts":
                    return PERSONS;
                case "plugin_configs":
                    return PLUGINS;
                default:
                    return BOOTSTRAP;
            }
        }
        return BOOTSTRAP;
    }

    /** The name used in the database, the API and CSV. */
    public String id() {
        return name().toLowerCase();
    }

    public static EndpointGroup fromId(String id) {
        return valueOf(id.toUpperCase());
    }

    private static String strip(String path) {
        String p = path == null ? "" : path;
        int start = 0;
        int end = p.length();
        while (start < end && p.charAt(start) == '/') {
            start++;
        }
        while (end > start && p.charAt(end - 1) == '/') {
            end--;
        }
        return p.substring(start, end);
    }
}
