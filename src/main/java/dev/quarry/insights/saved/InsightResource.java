package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.activity.ActivityPages;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.LenientJson;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * PostHog's saved insights: list (live ones, PostHog's filters: {@link InsightListFilter}), create (201), retrieve by numeric id or short_id (records a view), PATCH (soft delete is
 * {@code {"deleted": true}}; DELETE is refused with 405 as in PostHog), {@code trending/} (most viewers in the last
 * {@code days}, default 7) and the activity log of one insight or of all ({@code activity/}). Scopes
 * {@code insight:read|write}; activity {@code activity_log:read}. The saved {@code query} runs through POST query,
 * which unwraps InsightVizNode and data table nodes as PostHog does; retrieve and list fill each insight's
 * {@code result} by the {@code refresh} parameter ({@link InsightResults}).
 */
@Path(ApiPaths.PROJECT + "/insights")
@Produces(MediaType.APPLICATION_JSON)
public class InsightResource {
    private final RequestAuth auth;
    private final Insights insights;
    private final ObjectMapper mapper;
    private final InsightQueries queries;
    private final InsightResults results;
    private final dev.quarry.metering.Limits limits;
    private final boolean metering;

    private final ActivityPages activityPages;

    public InsightResource(RequestAuth auth, Insights insights, ObjectMapper mapper, InsightQueries queries,
                           InsightResults results, dev.quarry.metering.Limits limits,
                           @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarry.metering.enabled",
                                   defaultValue = "true") boolean metering, ActivityPages activityPages) {
        this.activityPages = activityPages;
        this.limits = limits;
        this.metering = metering;
        this.auth = auth;
        this.insights = insights;
        this.mapper = mapper;
        this.queries = queries;
        this.results = results;
    }

    /**
     * An insight answered fresh ({@code refresh} asks for a calculation) counts against the key's query rate limits as
     * a POST query of its kind does (PostHog's InsightViewSet throttles as its query endpoint): each one, so a list
     * refreshing a page of insights spends one per insight, and past a limit the request is PostHog's 429.
     */
    private Uni<Void> admitCalculation(long teamId, String keyId, Insight insight, String refresh) {
        if (!metering || keyId == null || InsightResults.mode(refresh) == null || insight.query() == null) {
            return Uni.createFrom().voidItem();
        }
        JsonNode query = Insight.parse(mapper, insight.query());
        JsonNode source = query.path("source").isObject() ? query.get("source") : query;
        boolean hogql = "HogQLQuery".equals(source.path("kind").asText());
        return limits.admit(teamId, keyId, dev.quarry.metering.EndpointGroup.QUERY, hogql, false);
    }

    /**
     * PostHog's insights list: {@code {count, next, previous, results}}, filtered as {@link InsightListFilter} reads
     * the query string ({@code short_id}, {@code search}, {@code saved}, {@code favorited}, {@code user},
     * {@code created_by}, {@code tags}, {@code dashboards}, {@code insight}, the {@code date_*},
     * {@code created_date_*} and {@code last_viewed_date_*} bounds, {@code order}, {@code basic}); each result carries
     * {@code search_match_type} ({@code exact}, {@code similar}, or null without a search). {@code basic} answers
     * PostHog's basic serializer's fields and computes nothing; otherwise each insight's result is filled by
     * {@code refresh} ({@link InsightResults}).
     */
    @GET
    @RequiresScopes("insight:read")
    public Uni<Response> list(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                                  @QueryParam("refresh") String refresh,
                                                  @QueryParam("short_id") String shortId, @QueryParam("search") String search,
                                                  @QueryParam("saved") String saved, @QueryParam("favorited") String favorited,
                                                  @QueryParam("user") String user, @QueryParam("created_by") String createdBy,
                                                  @QueryParam("tags") String tags, @QueryParam("dashboards") String dashboards,
                                                  @QueryParam("insight") String insight, @QueryParam("date_from") String dateFrom,
                                                  @QueryParam("date_to") String dateTo,
                                                  @QueryParam("created_date_from") String createdDateFrom,
                                                  @QueryParam("created_date_to") String createdDateTo,
                                                  @QueryParam("last_viewed_date_from") String lastViewedDateFrom,
                                                  @QueryParam("last_viewed_date_to") String lastViewedDateTo,
                                                  @QueryParam("order") String order, @QueryParam("basic") String basic,
                                                  @Context HttpServerRequest request) {
        LimitOffset page = LimitOffset.parse(limit, offset, 100, 1000);
        dev.quarry.data.Team team = auth.team();
        String keyId = auth.key().id();
        java.util.Map<String, String> parameters = new java.util.HashMap<>();
        String[][] given = {{"short_id", shortId}, {"search", search}, {"saved", saved}, {"favorited", favorited},
                {"user", user}, {"created_by", createdBy}, {"tags", tags}, {"dashboards", dashboards},
                {"insight", insight}, {"date_from", dateFrom}, {"date_to", dateTo},
                {"created_date_from", createdDateFrom}, {"created_date_to", createdDateTo},
                {"last_viewed_date_from", lastViewedDateFrom}, {"last_viewed_date_to", lastViewedDateTo},
                {"order", order}, {"basic", basic}};
        for (String[] parameter : given) {
            if (parameter[1] != null) {
                parameters.put(parameter[0], parameter[1]);
            } else if (request.params().contains(parameter[0])) {
                parameters.put(parameter[0], ""); // present without a value: `?favorited` filters as PostHog's
            }
        }
        InsightListFilter filter = InsightListFilter.parse(parameters,
                java.time.ZonedDateTime.now(java.time.ZoneId.of(team.timezone())), auth.key().userId(), mapper);
        ListCalculationBudget budget = ListCalculationBudget.startingNow();
        java.util.concurrent.atomic.AtomicInteger rendering = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Function<Insights.Listed, Uni<ObjectNode>> render = listed -> {
            Insight i = listed.insight();
            if (filter.basic()) {
                ObjectNode json = i.toBasicJson(mapper);
                json.put("search_match_type", listed.searchMatchType());
                return Uni.createFrom().item(json);
            }
            // once the page has spent its calculation budget, the rest of it is answered from the cache
            String mode = budget.refreshFor(rendering.getAndIncrement(), refresh);
            return admitCalculation(team.id(), keyId, i, mode)
                    .flatMap(x -> results.fill(team, i, i.toJson(mapper, team.timezone()), mode))
                    .invoke(json -> json.put("search_match_type", listed.searchMatchType()));
        };
        // the page's stored queries are parsed and rendered on a worker, not on the event loop (breaker F3)
        return insights.list(auth.teamId(), filter, page.limit(), page.offset())
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .flatMap(found -> rendered(found.results(), 0, 0, new java.util.ArrayList<>(), render)
                        .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                        .map(rows -> dev.quarry.web.JsonAnswer.of(mapper,
                                page.pageStoppedEarly(URI.create(request.absoluteURI()), found.count(), rows))));
    }

    /**
     * The page's insights rendered one after another (each one's result as PostHog's list serializer fills it, cached
     * only unless refresh asks, so that a page never holds more than one of the project's lane slots), stopping
     * before the one that would take the answer past the response limit (the page's {@code next} then continues
     * there): insights of up to 2 MiB each are legal, and a page of them must not make the list a 400 for everyone
     * (a breaker's finding). The first insight is always answered.
     */
    private Uni<List<ObjectNode>> rendered(List<Insights.Listed> found, int index, long bytes, List<ObjectNode> out,
                                           java.util.function.Function<Insights.Listed, Uni<ObjectNode>> render) {
        if (index >= found.size()) {
            return Uni.createFrom().item(out);
        }
        return render.apply(found.get(index)).flatMap(json -> {
            long size = dev.quarry.web.ResponseLimit.rowSize(mapper, json);
            if (!out.isEmpty() && bytes + size > dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES
                    - dev.quarry.web.ResponseLimit.PAGE_ENVELOPE_BYTES) {
                return Uni.createFrom().item(out);
            }
            out.add(json);
            return rendered(found, index + 1, bytes + size, out, render);
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("insight:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> create(JsonNode body) {
        Insights.Changes changes = changes(body);
        if (changes.deleted() != null && changes.deleted()) {
            throw new ValidationException("An insight cannot be created deleted.", "deleted");
        }
        return queries.check(changes.query(), auth.team())
                .flatMap(x -> insights.create(auth.teamId(), auth.key().userId(), changes))
                .map(i -> Response.status(201).entity(i.toJson(mapper, auth.team().timezone())).type(MediaType.APPLICATION_JSON).build());
    }

    @GET
    @Path("trending")
    @RequiresScopes("insight:read")
    public Uni<ObjectNode> trending(@QueryParam("days") String days, @QueryParam("limit") String limit) {
        int d = positive(days, 7, 365, "days");
        int l = positive(limit, 10, 100, "limit");
        return insights.trending(auth.teamId(), d, l).map(found -> {
            ObjectNode body = mapper.createObjectNode();
            ArrayNode results = body.putArray("results");
            for (Insights.Trending t : found) {
                ObjectNode json = t.insight().toJson(mapper, auth.team().timezone());
                json.put("view_count", t.viewCount());
                ArrayNode viewers = json.putArray("viewers");
                t.viewers().forEach(v -> viewers.add(Insight.user(mapper, v)));
                results.add(json);
            }
            return body;
        });
    }

    /** PostHog's {@code insights/activity}: every insight's activity log entries, in {@link ActivityPages}'s pages. */
    @GET
    @Path("activity")
    @RequiresScopes("activity_log:read")
    public Uni<Response> allActivity(@QueryParam("limit") String limit, @QueryParam("page") String page,
                                     @Context HttpServerRequest request) {
        return activityPages.page(auth.team(), "Insight", null, limit, page, request.absoluteURI());
    }

    /**
     * The insight with its result as PostHog's retrieve fills it for {@code refresh} (absent: the cached result only;
     * {@code true}/{@code 1}/{@code force_blocking}: calculated now; {@code blocking}: cached while fresh; see
     * {@link InsightResults}); records the caller's view. {@code filters_override} / {@code variables_override}
     * (JSON, as PostHog's retrieve and the CLI's {@code insight-get} / {@code insight-query} send them) are merged
     * into the answered and shown query.
     */
    @GET
    @Path("{id}")
    @RequiresScopes("insight:read")
    public Uni<ObjectNode> get(@PathParam("id") String id, @QueryParam("refresh") String refresh,
                               @QueryParam("filters_override") String filtersOverride,
                               @QueryParam("variables_override") String variablesOverride) {
        ObjectNode filters = overrideParameter(filtersOverride, "filters_override");
        ObjectNode variables = overrideParameter(variablesOverride, "variables_override");
        String keyId = auth.key().id();
        return existing(id)
                .call(i -> admitCalculation(auth.teamId(), keyId, i, refresh))
                .call(i -> insights.viewed(auth.teamId(), i.id(), auth.key().userId()))
                .flatMap(i -> results.fill(auth.team(), i, i.toJson(mapper, auth.team().timezone()), refresh, filters,
                        variables));
    }

    /**
     * A retrieve override parameter as PostHog's {@code filters_override_requested_by_client} reads it: JSON text,
     * an object; null when absent.
     *
     * @throws ValidationException text that is not a JSON object ("Invalid JSON passed in … parameter")
     */
    private ObjectNode overrideParameter(String text, String name) {
        if (text == null) {
            return null;
        }
        try {
            if (mapper.readTree(text) instanceof ObjectNode node) {
                return node;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // the 400 below
        }
        throw new ValidationException("Invalid JSON passed in " + name + " parameter", name);
    }

    /**
     * PUT: PostHog's InsightViewSet is a ModelViewSet, whose full update takes the same fields as PATCH (none of the
     * insight serializer's fields is required), so it is the same edit.
     */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("insight:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> replace(@PathParam("id") String id, JsonNode body) {
        return update(id, body);
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("insight:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(@PathParam("id") String id, JsonNode body) {
        Insights.Changes changes = changes(body);
        // PostHog's update reaches a deleted insight only to bring it back (safely_get_queryset includes deleted
        // ones for a partial update whose body says "deleted": false); any other edit of one is a 404
        return existing(id, Boolean.FALSE.equals(changes.deleted())).call(found -> queries.check(changes.query(), auth.team()))
                .flatMap(found -> insights.update(auth.teamId(), found.id(), auth.key().userId(), changes))
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .map(i -> i.toJson(mapper, auth.team().timezone()));
    }

    /**
     * PostHog forbids hard deletes of insights: its ForbidDestroyModel answers a bare 405 (no body, the id not looked
     * up); PATCH {"deleted": true} soft-deletes.
     */
    @DELETE
    @Path("{id}")
    @RequiresScopes("insight:write")
    public jakarta.ws.rs.core.Response delete(@PathParam("id") String id) {
        return jakarta.ws.rs.core.Response.status(405).build();
    }

    /** PostHog's {@code insights/:id/activity}: one live insight's entries (404 when deleted or not the team's). */
    @GET
    @Path("{id}/activity")
    @RequiresScopes("activity_log:read")
    public Uni<Response> oneActivity(@PathParam("id") String id, @QueryParam("limit") String limit,
                                     @QueryParam("page") String page, @Context HttpServerRequest request) {
        String url = request.absoluteURI();
        return existing(id).flatMap(i -> activityPages.page(auth.team(), "Insight", Long.toString(i.id()), limit, page,
                url));
    }

    /**
     * The body read once into its record (400 naming a malformed field); a body that is not an object is a 400.
     * The query's own fields are checked by {@link InsightQueries#check}, off the event loop, before anything is
     * stored.
     */
    private Insights.Changes changes(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be a JSON object.", null);
        }
        return LenientJson.read(body, InsightBody.class).changes();
    }

    private static int positive(String value, int fallback, int max, String attr) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1) {
                throw new ValidationException(attr + " must be a positive integer", attr);
            }
            return Math.min(n, max);
        } catch (NumberFormatException e) {
            throw new ValidationException(attr + " must be a positive integer", attr);
        }
    }

    /**
     * The live insight by numeric id or, as PostHog also accepts in the URL, by its short_id; 404 when neither, or when
     * it is deleted (PostHog's {@code safely_get_queryset} leaves deleted insights out of every action but updates).
     */
    private Uni<Insight> existing(String id) {
        return existing(id, false);
    }

    /** {@link #existing(String)}, deleted insights found too when {@code includeDeleted} (PATCH and PUT). */
    private Uni<Insight> existing(String id, boolean includeDeleted) {
        Uni<Insight> found;
        if (id.matches("[0-9]{1,18}")) {
            found = insights.find(auth.teamId(), Long.parseLong(id));
        } else if (id.matches("[A-Za-z0-9]{1,32}")) {
            found = insights.findByShortId(auth.teamId(), id);
        } else {
            found = Uni.createFrom().nullItem();
        }
        return found.map(i -> i == null || i.deleted() && !includeDeleted ? null : i)
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."));
    }
}
