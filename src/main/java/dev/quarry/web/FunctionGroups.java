package dev.quarry.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Lambda function serves which URL: the one place that knows. {@link FunctionGroupFilter} uses it to answer
 * 404 for another group's paths, and the deployment test checks that {@code template.yaml} routes exactly these
 * API Gateway routes to each group's function, and that every JAX-RS route lands on its group.
 *
 * <p>Routes are written in API Gateway HTTP API syntax: {@code {name}} is one path segment, {@code {name+}} (greedy)
 * one or more; paths never end in a slash (API Gateway routes {@code /batch/} to the {@code /batch} route and
 * refuses a route path with a trailing slash). A route under {@link #PROJECT} exists twice, under
 * {@code /api/projects/{project_id}} and {@code /api/environments/{project_id}}.
 */
public final class FunctionGroups {
    /** Placeholder for the two project prefixes. */
    public static final String PROJECT = "{project}";
    public static final List<String> PROJECT_PREFIXES =
            List.of("/api/projects/{project_id}", "/api/environments/{project_id}");

    /** One API Gateway route: method (or ANY) and path. */
    public record Route(String method, String path) {
        public Route {
            if (path.length() > 1 && path.endsWith("/")) {
                throw new IllegalArgumentException("API Gateway route paths do not end in '/': " + path);
            }
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** An endpoint group: its name (the value of {@code quarry.function-group}) and the routes it owns. */
    public enum Group {
        CAPTURE("capture",
                post("/batch"), post("/capture"), post("/e"), post("/i/v0/e"), post("/track"),
                post("/flags"), post("/decide"), get("/flags/definitions"),
                get("/array/{token}/config"), get("/array/{token}/config.js"), get("/static/{proxy+}")),
        BOOTSTRAP("bootstrap",
                get("/api/personal_api_keys/{key}"), any("/api/users/{user}"), any("/api/user_home_settings/{user}"),
                any(PROJECT),
                get(PROJECT + "/usage"), any("/admin/{proxy+}"),
                get("/api/organizations"), any("/api/organizations/{proxy+}"), get("/api/schema"),
                get("/api/projects"), get("/api/environments"),
                get("/api/feature_flag/local_evaluation"),
                any(PROJECT + "/insights"), any(PROJECT + "/insights/{proxy+}"),
                any(PROJECT + "/actions"), any(PROJECT + "/actions/{proxy+}"),
                any(PROJECT + "/event_definitions"), any(PROJECT + "/event_definitions/{proxy+}"),
                any(PROJECT + "/property_definitions"), any(PROJECT + "/property_definitions/{proxy+}"),
                get(PROJECT + "/activity_log"), get(PROJECT + "/advanced_activity_logs"),
                get(PROJECT + "/advanced_activity_logs/{proxy+}"),
                any(PROJECT + "/sessions/{proxy+}")),
        QUERY("query",
                any(PROJECT + "/query"), any(PROJECT + "/query/{proxy+}"), post(PROJECT + "/mcp_tools/{proxy+}"),
                any(PROJECT + "/events"), any(PROJECT + "/events/{proxy+}"),
                any(PROJECT + "/elements/{proxy+}")),
        PLUGINS("plugins",
                any(PROJECT + "/plugin_configs"), any(PROJECT + "/plugin_configs/{proxy+}")),
        PERSONS("persons",
                any(PROJECT + "/persons"), any(PROJECT + "/persons/{proxy+}"),
                any(PROJECT + "/cohorts"), any(PROJECT + "/cohorts/{proxy+}"),
                any(PROJECT + "/groups"), any(PROJECT + "/groups_types"), any(PROJECT + "/ingestion_warnings"),
                post("/internal/cohorts/recalculate"), post("/internal/rollups/fold")),
        /** Reads the async-query queue; serves no HTTP route. */
        QUERY_WORKER("query-worker"),
        /** The deploy-time Flyway step; serves no HTTP route. */
        MIGRATION("migration");

        private final String id;
        private final List<Route> expanded;

        Group(String id, Route... routes) {
            this.id = id;
            this.expanded = expand(routes);
        }

        public String id() {
            return id;
        }

        /** The API Gateway routes this group's function owns, both project prefixes expanded (unmodifiable). */
        public List<Route> routes() {
            return expanded;
        }

        private static List<Route> expand(Route[] declared) {
            List<Route> routes = new ArrayList<>();
            for (Route route : declared) {
                if (route.path().startsWith(PROJECT)) {
                    for (String prefix : PROJECT_PREFIXES) {
                        routes.add(new Route(route.method(), prefix + route.path().substring(PROJECT.length())));
                    }
                } else {
                    routes.add(route);
                }
            }
            return List.copyOf(routes);
        }

        public static Optional<Group> byId(String id) {
            return Arrays.stream(values()).filter(g -> g.id.equals(id)).findFirst();
        }
    }

    private FunctionGroups() {
    }

    /** Every group's routes, built once: every metered request asks for its group (twice). */
    private static final class Table {
        static final List<Owned<Group>> ROUTES = build();

        private static List<Owned<Group>> build() {
            List<Owned<Group>> candidates = new ArrayList<>();
            for (Group group : Group.values()) {
                for (Route route : group.routes()) {
                    candidates.add(new Owned<>(route, group));
                }
            }
            return List.copyOf(candidates);
        }
    }

    /** The group whose route API Gateway would pick for this request, if any. */
    public static Optional<Group> groupOf(String method, String path) {
        return select(Table.ROUTES, method, path);
    }

    /** A route with whatever owns it (a group here, a function in the template test). */
    public record Owned<T>(Route route, T owner) {
    }

    /**
     * API Gateway's choice among routes (HTTP API): only routes whose path matches and whose method is the
     * request's or ANY; then the most specific — fewer greedy variables, more literal segments, an explicit
     * method before ANY. {@code method} may be null to ignore methods (the filter asks by path only).
     */
    public static <T> Optional<T> select(List<Owned<T>> routes, String method, String path) {
        String[] request = segments(path);
        Owned<T> best = null;
        for (Owned<T> o : routes) {
            if ((method == null || o.route().method().equals("ANY") || o.route().method().equalsIgnoreCase(method))
                    && matches(routeSegments(o.route().path()), request)
                    && (best == null || SPECIFICITY.compare(o, best) > 0)) {
                best = o;
            }
        }
        return Optional.ofNullable(best).map(Owned::owner);
    }

    /** More specific is greater: fewer greedy variables, more literal segments, an explicit method before ANY. */
    private static final Comparator<Owned<?>> SPECIFICITY =
            Comparator.<Owned<?>>comparingInt(o -> greedy(o.route().path()) ? 0 : 1)
                    .thenComparingInt(o -> literalSegments(o.route().path()))
                    .thenComparingInt(o -> o.route().method().equals("ANY") ? 0 : 1);

    /** Whether an API Gateway route path matches a request path (trailing slash ignored, as API Gateway does). */
    public static boolean matches(String routePath, String requestPath) {
        return matches(segments(routePath), segments(requestPath));
    }

    private static boolean matches(String[] route, String[] request) {
        for (int i = 0; i < route.length; i++) {
            String part = route[i];
            if (part.startsWith("{") && part.endsWith("+}")) {
                return i == route.length - 1 && request.length > i;
            }
            if (i >= request.length) {
                return false;
            }
            boolean variable = part.startsWith("{") && part.endsWith("}");
            if (!variable && !part.equals(request[i])) {
                return false;
            }
        }
        return route.length == request.length;
    }

    private static boolean greedy(String routePath) {
        return routePath.endsWith("+}");
    }

    private static int literalSegments(String routePath) {
        int n = 0;
        for (String part : routeSegments(routePath)) {
            if (!part.startsWith("{")) {
                n++;
            }
        }
        return n;
    }

    /** Route paths are a fixed set (the groups' and the template's): each is split once. */
    private static final Map<String, String[]> ROUTE_SEGMENTS = new ConcurrentHashMap<>();

    private static String[] routeSegments(String routePath) {
        return ROUTE_SEGMENTS.computeIfAbsent(routePath, FunctionGroups::segments);
    }

    private static String[] segments(String path) {
        String trimmed = path;
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }

    private static Route get(String path) {
        return new Route("GET", path);
    }

    private static Route post(String path) {
        return new Route("POST", path);
    }

    private static Route any(String path) {
        return new Route("ANY", path);
    }
}
