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
 * committed copy {@code META-INF/quarry/openapi.json}), so that a request whose
 * path is a route but whose method is not one of its methods can be answered DRF's 405 rather than a 404: RESTEasy
 * answers 404 when a shorter resource path (a project's own resource) is tried after the route's resource refused the
 * method. Routes outside the public document (operator routes) are not listed and keep their 404.
 */
@ApplicationScoped
public class RouteTable {
    static final String DOCUMENT = "META-INF/quarkus-generated-openapi-doc.JSON";
    /** The Lambda functions' copy of the same document (they are built without the OpenAPI extension). */
    static final String FUNCTION_DOCUMENT = "META-INF/quarry/openapi.json";
    /** Django's {@code http_method_names} order, which DRF's {@code Allow} header follows. */
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete", "head", "options");

    /** One route: its template as a pattern, how many literal segments it has (more wins), its methods. */
    public record Route(String template, Pattern pattern, int literals, Set<String> methods) {
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
        String normalized = path == null ? "" : path;
        if (normalized.length() > 1 && normalized.endsWith("/")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        if (normalized.startsWith("/api/environments/")) {
            normalized = "/api/projects/" + normalized.substring("/api/environments/".length());
        }
        for (Route route : routes()) {
            if (route.pattern().matcher(normalized).matches()) {
                return route.methods();
            }
        }
        return Set.of();
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
            for (String segment : entry.getKey().split("/")) {
                if (segment.isEmpty()) {
                    continue;
                }
                regex.append('/');
                if (segment.startsWith("{") && segment.endsWith("}")) {
                    regex.append("[^/]+");
                } else {
                    regex.append(Pattern.quote(segment));
                    literals++;
                }
            }
            out.add(new Route(entry.getKey(), Pattern.compile(regex.toString()), literals,
                    java.util.Collections.unmodifiableSet(methods)));
        });
        out.sort(Comparator.comparingInt(Route::literals).reversed());
        return List.copyOf(out);
    }
}
