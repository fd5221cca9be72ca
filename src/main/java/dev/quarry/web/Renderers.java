package dev.quarry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * DRF's content negotiation by {@code ?format=}, per PostHog viewset. Every view renders JSON (PostHog's
 * {@code DEFAULT_RENDERER_CLASSES} is {@code SafeJSONRenderer} alone); a few viewsets add a CSV renderer of
 * djangorestframework-csv in their {@code renderer_classes}: {@code PaginatedCSVRenderer} on persons
 * ({@code PersonViewSet}), events ({@code EventViewSet}) and actions ({@code ActionViewSet}), {@code CSVRenderer} on
 * insights ({@code InsightViewSet}); an action of a viewset renders as its viewset does. {@code APIView.initial} runs
 * the negotiation before authentication, and a format no renderer of the view has is {@code Http404} ("Not found.").
 * Here, before routing: a {@code format} other than {@code json} (or empty) that the route's viewset does not render
 * is 404 whatever the key. After the resource: where PostHog's renderer writes CSV and the resource answered JSON
 * (insights, actions), the answer is written as that renderer writes it ({@link Csv#postHog}): {@code CSVRenderer}
 * the whole answer (one row for an object), {@code PaginatedCSVRenderer} the answer's {@code results} (none for an
 * object without them). Persons, events and Quarry's own usage endpoint write their CSV themselves. Error answers
 * stay JSON. The {@code Accept} header then picks among the renderers left, as DRF's negotiation does
 * ({@link AcceptHeader}), on the routes a key is asked for (capture's are not DRF views): none of them matching is
 * DRF's 406 {@code not_acceptable}, before authentication; without {@code ?format=}, {@code Accept: text/csv} (or
 * {@code text/*}) on a view with a CSV renderer answers CSV, the request then carrying {@code format=csv}. Routes
 * outside {@code /api/} answer whatever Accept says, as PostHog's capture does.
 */
public class Renderers {
    /** What a route renders besides JSON. */
    public enum Kind {
        /** JSON only: {@code format=csv} is a 404. */
        JSON,
        /** The resource writes CSV itself. */
        OWN_CSV,
        /** djangorestframework-csv's {@code CSVRenderer}: the whole answer. */
        CSV,
        /** djangorestframework-csv's {@code PaginatedCSVRenderer}: the answer's {@code results}. */
        PAGINATED_CSV
    }

    private static final String PROJECT = "/api/projects/{project_id}/";

    private final RouteTable routes;
    private final ObjectMapper mapper;

    public Renderers(RouteTable routes, ObjectMapper mapper) {
        this.routes = routes;
        this.mapper = mapper;
    }

    /** The renderers of the PostHog viewset serving a route template, by the segment after the project. */
    public static Kind of(String template) {
        if (!template.startsWith(PROJECT)) {
            return Kind.JSON;
        }
        String rest = template.substring(PROJECT.length());
        String viewset = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
        if (rest.equals("cohorts/{id}/persons")) {
            return Kind.OWN_CSV; // the cohort's persons action renders CSV as the persons list does
        }
        return switch (viewset) {
            case "persons", "events", "usage" -> Kind.OWN_CSV;
            case "actions" -> Kind.PAGINATED_CSV;
            case "insights" -> Kind.CSV;
            default -> Kind.JSON;
        };
    }

    /** After the path rewrite and the body labelling, before the wrong-method check and authentication. */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 150)
    public void negotiate(ContainerRequestContext request) {
        String format = request.getUriInfo().getQueryParameters().getFirst("format");
        String path = request.getUriInfo().getPath();
        Optional<RouteTable.Route> route = path.startsWith("/api/") ? routes.routeOf(path) : Optional.empty();
        if (route.isEmpty()) {
            if (!path.startsWith("/api/")) {
                anyType(request);
            }
            return;
        }
        Kind kind = of(route.get().template());
        boolean byAccept = format == null || format.isEmpty();
        if (!byAccept && !format.equals("json") && !(format.equals("csv") && kind != Kind.JSON)) {
            throw new NotFoundException();
        }
        if (!route.get().keyed()) {
            return;
        }
        List<String> renderers = byAccept ? (kind == Kind.JSON ? JSON_ONLY : JSON_THEN_CSV)
                : format.equals("json") ? JSON_ONLY : CSV_ONLY;
        Optional<String> chosen = AcceptHeader.select(request.getHeaders().get(HttpHeaders.ACCEPT), renderers);
        if (chosen.isEmpty()) {
            throw new NotAcceptableException();
        }
        if (byAccept && chosen.get().equals(CSV_TYPE)) {
            request.setRequestUri(UriBuilder.fromUri(request.getUriInfo().getRequestUri())
                    .replaceQueryParam("format", "csv").build());
        }
        // decided here, as DRF decides it: the resource then writes what it produces, JSON or CSV
        anyType(request);
    }

    /**
     * RESTEasy's own negotiation left out: DRF views are negotiated above, and PostHog's endpoints outside
     * {@code /api/} (capture, flags) answer whatever the Accept header says. Other {@code /api/} routes (the schema,
     * which picks JSON or YAML by Accept) keep the header.
     */
    private static void anyType(ContainerRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.WILDCARD);
    }

    private static final String CSV_TYPE = "text/csv";
    private static final List<String> JSON_ONLY = List.of(MediaType.APPLICATION_JSON);
    private static final List<String> CSV_ONLY = List.of(CSV_TYPE);
    /** A view's renderers with CSV: DRF's JSON renderer first, then djangorestframework-csv's. */
    private static final List<String> JSON_THEN_CSV = List.of(MediaType.APPLICATION_JSON, CSV_TYPE);

    @ServerResponseFilter
    public void render(ContainerRequestContext request, ContainerResponseContext response) {
        int status = response.getStatus();
        if (status < 200 || status >= 300 || !response.hasEntity()
                || !"csv".equals(request.getUriInfo().getQueryParameters().getFirst("format"))) {
            return;
        }
        MediaType type = response.getMediaType();
        if (type != null && type.isCompatible(MediaType.valueOf("text/csv"))) {
            return;
        }
        Kind kind = routes.routeOf(request.getUriInfo().getPath()).map(route -> of(route.template())).orElse(Kind.JSON);
        if (kind != Kind.CSV && kind != Kind.PAGINATED_CSV) {
            return;
        }
        JsonNode answer = tree(response.getEntity());
        List<JsonNode> rows = new ArrayList<>();
        JsonNode data = kind == Kind.PAGINATED_CSV && !answer.isArray() ? answer.path("results") : answer;
        if (data.isArray()) {
            data.forEach(rows::add);
        } else if (kind == Kind.CSV) {
            rows.add(data);
        }
        response.setEntity(Csv.postHog(rows), null, MediaType.valueOf(Csv.MEDIA_TYPE));
        // written as Django writes it ("text/csv; charset=utf-8"), as the persons' CSV is; the MediaType drops the space
        response.getHeaders().putSingle(jakarta.ws.rs.core.HttpHeaders.CONTENT_TYPE, Csv.MEDIA_TYPE);
    }

    private JsonNode tree(Object entity) {
        try {
            if (entity instanceof String text) {
                return mapper.readTree(text);
            }
            if (entity instanceof byte[] bytes) {
                return mapper.readTree(new String(bytes, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("the answer is not JSON", e);
        }
        return mapper.valueToTree(entity);
    }
}
