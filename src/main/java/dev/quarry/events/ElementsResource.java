package dev.quarry.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * PostHog's elements API as far as its stats go: {@code GET elements/stats/} ({@link ElementStats}; scope
 * {@code element:read}, as PostHog's ElementViewSet). {@code limit} (1–49,999, default 50,000 as PostHog's) and
 * {@code offset} (≥ 0) are PostHog's 400s when they are not integers in range; {@code next} repeats the request with
 * the next {@code offset}, {@code previous} with {@code offset - limit} when that is not negative.
 */
@Path(ApiPaths.PROJECT + "/elements")
@Produces(MediaType.APPLICATION_JSON)
public class ElementsResource {
    private final RequestAuth auth;
    private final ElementStats stats;
    private final ObjectMapper mapper;

    public ElementsResource(RequestAuth auth, ElementStats stats, ObjectMapper mapper) {
        this.auth = auth;
        this.stats = stats;
        this.mapper = mapper;
    }

    @GET
    @Path("stats")
    @RequiresScopes("element:read")
    public Uni<Response> stats(@QueryParam("date_from") String dateFrom, @QueryParam("date_to") String dateTo,
                               @QueryParam("limit") String limit, @QueryParam("offset") String offset,
                               @QueryParam("include") List<String> include,
                               @QueryParam("properties") String properties,
                               @QueryParam("filter_test_accounts") String filterTestAccounts,
                               @Context HttpServerRequest request) {
        int pageSize = integer(limit, ElementStats.DEFAULT_LIMIT, "limit");
        if (pageSize < 1 || pageSize > ElementStats.MAX_LIMIT) {
            throw new ValidationException("limit must be between 1 and " + ElementStats.MAX_LIMIT, "limit");
        }
        int skip = integer(offset, 0, "offset");
        if (skip < 0) {
            throw new ValidationException("offset must be zero or greater", "offset");
        }
        ElementStats.Request asked = new ElementStats.Request(emptyToNull(dateFrom), emptyToNull(dateTo), pageSize, skip,
                ElementStats.include(include, mapper), PropertyFilter.parseLegacyParameter(properties, mapper),
                "true".equals(filterTestAccounts));
        String url = request.absoluteURI();
        return stats.page(auth.team(), asked).map(page -> {
            ObjectNode body = mapper.createObjectNode();
            body.set("results", page.results());
            if (page.nextOffset() < 0) {
                body.putNull("next");
            } else {
                body.put("next", EventLinks.next(url, "offset", String.valueOf(page.nextOffset())));
            }
            if (skip - pageSize >= 0) {
                body.put("previous", EventLinks.next(url, "offset", String.valueOf(skip - pageSize)));
            } else {
                body.putNull("previous");
            }
            return Response.ok(body).build();
        });
    }

    private static int integer(String text, int absent, String name) {
        if (text == null || text.isEmpty()) {
            return absent;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new ValidationException(name + " must be an integer", name);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
