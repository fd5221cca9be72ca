package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.InsightActorsQuery;
import dev.quarry.insights.InsightQuery;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.cohorts.Cohort;
import dev.quarry.cohorts.Cohorts;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.Csv;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import io.vertx.core.http.HttpServerRequest;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The persons endpoints that read and delete persons. */
@Path(ApiPaths.PROJECT + "/persons")
@Produces({MediaType.APPLICATION_JSON, "text/csv"})
public class PersonsResource {
    private final RequestAuth auth;
    private final Persons persons;
    private final PersonValues values;
    private final Cohorts cohorts;
    private final PersonActors actors;
    private final ObjectMapper mapper;
    private final PersonEdits edits;

    public PersonsResource(RequestAuth auth, Persons persons, PersonValues values, Cohorts cohorts, PersonActors actors,
                           ObjectMapper mapper, PersonEdits edits) {
        this.edits = edits;
        this.auth = auth;
        this.persons = persons;
        this.values = values;
        this.cohorts = cohorts;
        this.actors = actors;
        this.mapper = mapper;
    }

    /** The persons whose lifecycle status in the interval starting at target_date is lifecycle_type. */
    @GET
    @Path("lifecycle")
    @RequiresScopes("person:read")
    public Uni<Response> lifecycle(@Context UriInfo uri, @Context HttpServerRequest request) {
        LegacyFilter filter = LegacyFilter.of(uri.getQueryParameters(), null);
        boolean csv = Csv.requested(filter.format());
        if (isBlank(filter.targetDate())) {
            return missingParameter("Must include specified date");
        }
        if (isBlank(filter.lifecycleType())) {
            return missingParameter("Must include lifecycle type");
        }
        ArrayNode series = filter.series();
        if (series.isEmpty()) {
            throw new ValidationException("Must include an event in events", "events");
        }
        ArrayNode one = mapper.createArrayNode().add(series.get(0));
        InsightActorsQuery source = new InsightActorsQuery("InsightActorsQuery",
                InsightQuery.parse(filter.withGroupAggregation(filter.insight("LifecycleQuery", one))),
                TextNode.valueOf(filter.targetDate()), null, null, null, filter.lifecycleType(), null,
                null, null, null, null, null, null);
        if (!LIFECYCLE_TYPES.contains(filter.lifecycleType())) {
            // PostHog only compares the status column with it: an unknown type matches nobody
            int limit = LegacyFilter.limit(filter.limit(), "limit");
            return Uni.createFrom().item(render(actors.envelope(new PersonActors.Page(List.of(), false, 0),
                    URI.create(request.absoluteURI()), limit, LegacyFilter.offset(filter.offset(), "offset")), csv));
        }
        return targetDateNamed(() -> actorList(filter, source, request, csv));
    }

    /**
     * The lifecycle list's target date is its source's {@code day}: a 400 about it names {@code target_date}, the
     * parameter the caller sent.
     */
    private static Uni<Response> targetDateNamed(java.util.function.Supplier<Uni<Response>> call) {
        try {
            return call.get().onFailure(ValidationException.class)
                    .transform(e -> targetDateNamed((ValidationException) e));
        } catch (ValidationException e) {
            throw targetDateNamed(e);
        }
    }

    private static ValidationException targetDateNamed(ValidationException e) {
        return "day".equals(e.attr()) ? new ValidationException(e.code(), e.getMessage(), "target_date") : e;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isEmpty();
    }

    private static final java.util.Set<String> LIFECYCLE_TYPES = java.util.Set.of("new", "returning", "resurrecting",
            "dormant");

    /** PostHog's own body for a missing lifecycle parameter ({@code message} and {@code detail}), as a 400. */
    private static Uni<Response> missingParameter(String detail) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", "validation_error");
        body.put("code", "invalid_input");
        body.put("message", "Missing parameter");
        body.put("detail", detail);
        body.put("attr", null);
        return Uni.createFrom().item(Response.status(400).entity(body).type(MediaType.APPLICATION_JSON).build());
    }

    /** JSON, or for {@code ?format=csv} PostHog's CSV of the envelope's results (one flattened row). */
    private static Response render(ObjectNode envelope, boolean csv) {
        return csv ? Csv.postHogResponse(PersonActors.csvRows(envelope))
                : Response.ok(envelope).type(MediaType.APPLICATION_JSON).build();
    }

    /**
     * The persons active in exactly stickiness_days intervals of the range, for the target entity: {@code entityId}
     * (of {@code type} events); without it PostHog's {@code get_target_entity} 400 unless {@code type=events}.
     */
    @GET
    @Path("stickiness")
    @RequiresScopes("person:read")
    public Uni<Response> stickiness(@Context UriInfo uri, @Context HttpServerRequest request) {
        LegacyFilter filter = LegacyFilter.of(uri.getQueryParameters(), null);
        boolean csv = Csv.requested(filter.format());
        ObjectNode entity;
        if (!isBlank(filter.entityId())) {
            if (!isBlank(filter.type()) && !filter.type().equals("events") && !filter.type().equals("actions")) {
                throw new ValidationException("The target entity's type must be events or actions", "type");
            }
            String math = isBlank(filter.entityMath()) ? null : filter.entityMath();
            entity = "actions".equals(filter.type())
                    ? filter.actionsNode(LegacyFilter.Entity.of(LegacyFilter.actionId(filter.entityId()), math))
                    : filter.eventsNode(LegacyFilter.Entity.of(filter.entityId(), math));
        } else {
            // PostHog's get_target_entity: without entityId only type=events names a target
            if (!"events".equals(filter.type())) {
                throw new ValidationException(
                        "An entity id and the entity type must be provided to determine an entity", null);
            }
            ArrayNode series = filter.series();
            if (series.isEmpty()) {
                throw new ValidationException("Must include a target entity (entityId and type)", "entityId");
            }
            entity = (ObjectNode) series.get(0);
        }
        if (filter.stickinessDays() == null) {
            throw new ValidationException("Must include stickiness_days", "stickiness_days");
        }
        int days = filter.stickinessDays();
        if (days < 1) {
            throw new ValidationException("stickiness_days must be a positive integer", "stickiness_days");
        }
        InsightActorsQuery source = new InsightActorsQuery("InsightActorsQuery",
                InsightQuery.parse(filter.withGroupAggregation(
                        filter.insight("StickinessQuery", mapper.createArrayNode().add(entity)))),
                IntNode.valueOf(days), null,
                null, null, null, null, null, null, null, null, null, null);
        return actorList(filter, source, request, csv);
    }

    /**
     * PostHog's legacy persons/trends (still served, GET only): the persons who did the target entity
     * ({@link LegacyFilter#targetEntity}) in the filter's date range ({@code date_from} default -7d; the frontend sends
     * the clicked interval as both ends), with the filter's properties and, when {@code breakdown} is given, the
     * {@code breakdown_value}. The answer is PostHog's cached-results envelope: {@code results: [{people, count}]},
     * {@code next}, {@code initial}, {@code missing_persons}, {@code is_cached}, {@code last_refresh}.
     */
    @GET
    @Path("trends")
    @RequiresScopes("person:read")
    public Uni<Response> trends(@Context UriInfo uri, @Context HttpServerRequest request) {
        LegacyFilter filter = LegacyFilter.of(uri.getQueryParameters(), null);
        boolean csv = Csv.requested(filter.format());
        InsightActorsQuery source = new InsightActorsQuery("InsightActorsQuery",
                InsightQuery.parse(filter.trendsQuery()), null, 0,
                filter.hasBreakdown() ? filter.breakdownValue() : null,
                null, null, null, null, null, null, null, null, null);
        int limit = LegacyFilter.limit(filter.limit(), "limit");
        int offset = LegacyFilter.offset(filter.offset(), "offset");
        return cached("trends", filter, request, null, () -> actors.people(auth.team(), source, limit, offset,
                filter.search()).map(page -> actors.funnelEnvelope(page, URI.create(request.absoluteURI()), limit,
                offset))).map(envelope -> render(envelope, csv));
    }

    /** {@link PersonActors#cachedByFilter} for this request: its {@code refresh} and {@code cache_invalidation_key}. */
    private Uni<ObjectNode> cached(String list, LegacyFilter filter, HttpServerRequest request, JsonNode body,
                                   java.util.function.Supplier<Uni<ObjectNode>> compute) {
        String invalidation = request.getParam("cache_invalidation_key");
        if ((invalidation == null || invalidation.isEmpty()) && body != null && body.hasNonNull("cache_invalidation_key")) {
            invalidation = body.get("cache_invalidation_key").asText();
        }
        return actors.cachedByFilter(auth.team(), list, filter, invalidation,
                PersonActors.refreshRequested(request.getParam("refresh"), body), URI.create(request.absoluteURI()),
                compute);
    }

    @GET
    @Path("funnel")
    @RequiresScopes("person:read")
    public Uni<Response> funnel(@Context UriInfo uri, @Context HttpServerRequest request) {
        return funnelPeople(LegacyFilter.of(uri.getQueryParameters(), null), request, null);
    }

    @POST
    @Path("funnel")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:read")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> funnelPost(@Context UriInfo uri, @Context HttpServerRequest request, JsonNode body) {
        return funnelPeople(LegacyFilter.of(uri.getQueryParameters(), body), request, body);
    }

    @GET
    @Path("funnel/correlation")
    @RequiresScopes("person:read")
    public Uni<Response> correlation(@Context UriInfo uri, @Context HttpServerRequest request) {
        return correlationPeople(LegacyFilter.of(uri.getQueryParameters(), null), request, null);
    }

    @POST
    @Path("funnel/correlation")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:read")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> correlationPost(@Context UriInfo uri, @Context HttpServerRequest request, JsonNode body) {
        return correlationPeople(LegacyFilter.of(uri.getQueryParameters(), body), request, body);
    }

    /** persons/funnel: the actors of a step; with funnel_correlation_person_entity, those of a correlation. */
    private Uni<Response> funnelPeople(LegacyFilter filter, HttpServerRequest request, JsonNode body) {
        if (filter.funnelCorrelationPersonEntity() != null) {
            return correlationPeople(filter, request, body);
        }
        boolean csv = Csv.requested(filter.format());
        int limit = LegacyFilter.limit(filter.limit(), "limit");
        int offset = LegacyFilter.offset(filter.offset(), "offset");
        ActorsQuery.Source source = filter.funnelsActorsSource();
        return cached("funnel", filter, request, body, () -> actors.funnelPeople(auth.team(), source, limit, offset,
                filter.search()).map(page -> actors.funnelEnvelope(page, URI.create(request.absoluteURI()), limit,
                offset))).map(envelope -> render(envelope, csv));
    }

    private Uni<Response> correlationPeople(LegacyFilter filter, HttpServerRequest request, JsonNode body) {
        boolean csv = Csv.requested(filter.format());
        int limit = LegacyFilter.limit(filter.funnelCorrelationPersonLimit(),
                "funnel_correlation_person_limit");
        int offset = LegacyFilter.offset(filter.funnelCorrelationPersonOffset(),
                "funnel_correlation_person_offset");
        ActorsQuery.Source source = filter.correlationActorsSource();
        return cached("funnel/correlation", filter, request, body, () -> actors.funnelPeople(auth.team(), source, limit,
                offset, filter.search()).map(page -> actors.correlationEnvelope(page, URI.create(request.absoluteURI()),
                limit, offset))).map(envelope -> render(envelope, csv));
    }

    private Uni<Response> actorList(LegacyFilter filter, ActorsQuery.Source source, HttpServerRequest request,
                                    boolean csv) {
        int limit = LegacyFilter.limit(filter.limit(), "limit");
        int offset = LegacyFilter.offset(filter.offset(), "offset");
        return actors.people(auth.team(), source, limit, offset, filter.search())
                .map(page -> render(actors.envelope(page, URI.create(request.absoluteURI()), limit, offset), csv));
    }

    /** The live cohorts (dynamic and static) the person belongs to; person_id is a uuid or the numeric id. */
    @GET
    @Path("cohorts")
    @RequiresScopes({"person:read", "cohort:read"})
    public Uni<Response> cohorts(@QueryParam("person_id") String personId, @QueryParam("format") String format) {
        boolean csv = Csv.requested(format);
        if (personId == null || personId.isBlank()) {
            throw new ValidationException("This field is required.", "person_id");
        }
        long teamId = auth.teamId();
        return persons.findUuid(teamId, personId)
                .onItem().ifNull().failWith(() -> new NotFoundException("Person not found."))
                .flatMap(uuid -> cohorts.ofPerson(teamId, uuid))
                .flatMap(found -> dev.quarry.cohorts.CohortTypes.of(found, mapper, ids -> cohorts.findAll(teamId, ids))
                        .map(types -> java.util.Map.entry(found, types)))
                .map(typed -> {
                    List<Cohort> found = typed.getKey();
                    List<JsonNode> rows = new ArrayList<>();
                    for (Cohort cohort : found) {
                        rows.add(cohort.toJson(mapper).put("cohort_type", typed.getValue().get(cohort.id())));
                    }
                    if (csv) {
                        return Csv.postHogResponse(rows);
                    }
                    ObjectNode body = mapper.createObjectNode();
                    body.putArray("results").addAll(rows);
                    return Response.ok(body).type(MediaType.APPLICATION_JSON).build();
                });
    }

    @GET
    @Path("values")
    @RequiresScopes("person:read")
    public Uni<Response> values(@QueryParam("key") String key, @QueryParam("value") String value,
                                @QueryParam("format") String format) {
        boolean csv = Csv.requested(format);
        return values.values(auth.team(), key, value).map(found -> {
            if (csv) {
                List<JsonNode> rows = new ArrayList<>();
                found.forEach(rows::add);
                return Csv.postHogResponse(rows);
            }
            return Response.ok(found).type(MediaType.APPLICATION_JSON).build();
        });
    }

    /**
     * Frees the distinct id of a deleted person so that it can belong to a new person: 202 with no body, also for the
     * id of a live person (kept) and an id the project never saw (nothing written), as PostHog answers.
     */
    @POST
    @Path("reset_person_distinct_id")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> resetDistinctId(JsonNode body, @QueryParam("format") String format) {
        Csv.requested(format);
        JsonNode distinctId = dev.quarry.web.LenientJson.read(body, PersonBodies.ResetDistinctId.class).distinctId();
        if (distinctId == null || !distinctId.isTextual() || distinctId.asText().isEmpty()) {
            // PostHog raises a plain ValidationError here: no attr
            throw new ValidationException("distinct_id is required", null);
        }
        // 202 whatever the outcome: PostHog's 404 branch never fires (ClickHouse's max() over no rows is one row of
        // 0), so an id the project never saw is accepted with nothing written, as a live person's id is
        return persons.resetDistinctId(auth.teamId(), distinctId.asText()).map(outcome -> Response.accepted().build());
    }

    @DELETE
    @Path("{uuid}")
    @RequiresScopes("person:write")
    public Uni<Response> delete(@PathParam("uuid") String uuid, @QueryParam("delete_events") String deleteEvents) {
        java.util.UUID person = Persons.parseUuid(uuid);
        if (person == null) {
            throw new NotFoundException("Person not found.");
        }
        // PostHog: ?delete_events=true also deletes the person's events (queued there, done here before the person
        // goes, so that events stored for persons merged into it are found through its overrides)
        Uni<Integer> events = "true".equalsIgnoreCase(deleteEvents)
                ? edits.bulkDelete(auth.teamId(), java.util.List.of(person), java.util.List.of(), true, true,
                        auth.key().userId())
                : Uni.createFrom().item(0);
        return events.flatMap(x -> persons.delete(auth.teamId(), person, auth.key().userId())).map(deleted -> {
            if (!deleted) {
                throw new NotFoundException("Person not found.");
            }
            // PostHog's destroy answers 202 (the deletion is queued there; done here before the answer)
            return Response.accepted().build();
        });
    }
}
