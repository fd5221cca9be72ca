package dev.quarry.metering;

import dev.quarry.web.FunctionGroups;

/**
 * The endpoint groups calls are metered, billed and limited by: the function groups of the deployment.
 */
public enum EndpointGroup {
    CAPTURE, QUERY, PERSONS, PLUGINS, BOOTSTRAP;

    /**
     * The group of a request path, as {@link FunctionGroups} routes it (the one path→group map), or null when the
     * path is not metered (neither /api/ nor capture). Other /api/ paths count as bootstrap.
     */
    public static EndpointGroup of(String path) {
        String p = path == null ? "" : path;
        if (p.startsWith("/admin") || p.startsWith("/internal")) {
            return null; // the operator's and the scheduler's calls are not the customer's
        }
        return FunctionGroups.groupOf(null, p)
                .filter(group -> group != FunctionGroups.Group.QUERY_WORKER && group != FunctionGroups.Group.MIGRATION)
                .map(group -> fromId(group.id()))
                .orElse(p.equals("/api") || p.startsWith("/api/") ? BOOTSTRAP : null);
    }

    /** The name used in the database, the API and CSV. */
    public String id() {
        return name().toLowerCase();
    }

    public static EndpointGroup fromId(String id) {
        return valueOf(id.toUpperCase());
    }
}
