package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.LinkedHashSet;
import java.util.regex.Pattern;

/**
 * The API's routes and their methods, read once from the OpenAPI document the build generates from the resources
 * ({@code META-INF/quarkus-generated-openapi-doc.JSON}, what {@code GET /api/schema/} serves; in a Lambda function its
 * committed copy {@code META-INF/quarry/openapi.json}), so that a request whose path is a route but whose method is
 * not one of its methods is answered DRF's 405 (after the key and project checks, {@code auth.AuthFilter.wrongMethod})
 * rather than routed by RESTEasy, which would answer 404 or give the path to a templated route's method
 * ({@code DELETE persons/funnel/} to {@code persons/{id}}); and so that {@code ?format=} is negotiated by the route's
 * viewset ({@link Renderers}). Routes outside the public document (operator routes) are not listed and keep their 404.
 */
@ApplicationScoped
public class RouteTable {
    static final String DOCUMENT = "META-INF/quarkus-generated-openapi-doc.JSON";
    /** The Lambda functions' copy of the same document (they are built without the OpenAPI extension). */
    static final String FUNCTION_DOCUMENT = "META-INF/quarry/openapi.json";
    /** Django's {@code http_method_names} order, which DRF's {@code Allow} header follows. */
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete", "head", "options");

    /**
     * One route: its template as a pattern, how many literal segments it has (more wins), its methods, whether a
     * personal API key is asked for it (its operations name {@code x-required-scopes}, capture's do not), the scopes
     * every one of its operations asks ({@code x-required-scopes}, and {@code x-required-scopes-any-of} when all ask the
     * same alternatives), and which segment of a path is its {@code {project_id}} (-1: none).
     */
    public record Route(String template, Pattern pattern, int literals, Set<String> methods, boolean keyed,
                        List<String> commonScopes, List<String> commonAnyOf, int projectSegment) {
        /** The {@code {project_id}} segment of a path this route matches, as written; null when it has none. */
        public String projectParam(String path) {
            if (projectSegment < 0) {
                return null;
            }
            String[] segments = normalize(path).substring(1).split("/");
            return projectSegment < segments.length ? segments[projectSegment] : null;
        }
    }

    private final ObjectMapper mapper;
    private volatile List<Route> routes;

    public RouteTable(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * The methods (upper case, in DRF's {@code Allow} order, with HEAD beside GET and OPTIONS) of the most specific route {@code path} matches — the one with the most literal
     * segments, as RESTEasy prefers a literal over a template — or an empty set when it matches none. A trailing slash
     * and PostHog's {@code /api/environments/} spelling are read as the document's {@code /api/projects/}.
     */
    public Set<String> methodsOf(String path) {
        return routeOf(path).map(Route::methods).orElse(Set.of());
    }

    /**
     * The most specific route {@code path} matches — the one with the most literal segments, as PostHog's router
     * lists a viewset's list-level actions ({@code persons/funnel/}) before its detail route ({@code persons/:id/}) —
     * or empty when it matches none.
     */
    public java.util.Optional<Route> routeOf(String path) {
        String normalized = normalize(path);
        for (Route route : routes()) {
            if (route.pattern().matcher(normalized).matches()) {
                return java.util.Optional.of(route);
            }
        }
        return java.util.Optional.empty();
    }

    /** Without a trailing slash, and PostHog's {@code /api/environments/} read as {@code /api/projects/}. */
    static String normalize(String path) {
        String normalized = path == null ? "" : path;
        if (normalized.length() > 1 && normalized.endsWith("/")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        if (normalized.startsWith("/api/environments/")) {
            normalized = "/api/projects/" + normalized.substring("/api/environments/".length());
        }
        return normalized;
    }

    private List<Route> routes() {
        List<Route> known = routes;
        if (known == null) {
            known = load();
            routes = known;
        }
        return known;
    }

    private List<Route> load() {
        for (String name : List.of(DOCUMENT, FUNCTION_DOCUMENT)) {
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
                if (in != null) {
                    return parse(mapper.readTree(in));
                }
            } catch (IOException e) {
                return List.of();
            }
        }
        return List.of();
    }

    /** The routes of an OpenAPI document's {@code paths}, most literal segments first. */
    static List<Route> parse(JsonNode document) {
        List<Route> out = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(entry -> {
            Set<String> methods = new LinkedHashSet<>();
            for (String name : METHODS) {
                if (entry.getValue().has(name) || (name.equals("head") && entry.getValue().has("get"))
                        || name.equals("options")) {
                    methods.add(name.toUpperCase(Locale.ROOT)); // DRF adds HEAD with GET, and OPTIONS everywhere
                }
            }
            StringBuilder regex = new StringBuilder();
            int literals = 0;
            int index = 0;
            int projectSegment = -1;
            for (String segment : entry.getKey().split("/")) {
                if (segment.isEmpty()) {
                    continue;
                }
                regex.append('/');
                if (segment.startsWith("{") && segment.endsWith("}")) {
                    regex.append("[^/]+");
                    if (segment.equals("{project_id}")) {
                        projectSegment = index;
                    }
                } else {
                    regex.append(Pattern.quote(segment));
                    literals++;
                }
                index++;
            }
            boolean keyed = false;
            List<String> common = null;
            List<String> commonAnyOf = null;
            for (String name : METHODS) {
                JsonNode operation = entry.getValue().get(name);
                if (operation == null || !operation.has("x-required-scopes")) {
                    continue;
                }
                keyed = true;
                List<String> scopes = texts(operation.get("x-required-scopes"));
                List<String> anyOf = texts(operation.get("x-required-scopes-any-of"));
                if (common == null) {
                    common = new ArrayList<>(scopes);
                    commonAnyOf = anyOf;
                } else {
                    common.retainAll(scopes);
                    if (!commonAnyOf.equals(anyOf)) {
                        commonAnyOf = List.of();
                    }
                }
            }
            out.add(new Route(entry.getKey(), Pattern.compile(regex.toString()), literals,
                    java.util.Collections.unmodifiableSet(methods), keyed,
                    common == null ? List.of() : List.copyOf(common),
                    commonAnyOf == null ? List.of() : List.copyOf(commonAnyOf), projectSegment));
        });
        out.sort(Comparator.comparingInt(Route::literals).reversed());
        return List.copyOf(out);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(item -> out.add(item.asText()));
        }
        return out;
    }
}
