package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.data.Team;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.DrfBoolean;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** PostHog's cohorts API: list, create, retrieve, update, soft delete, and filling static cohorts. */
@Path(ApiPaths.PROJECT + "/cohorts")
@Produces(MediaType.APPLICATION_JSON)
public class CohortResource {
    private final RequestAuth auth;
    private final Cohorts cohorts;
    private final CohortCalculator calculator;
    private final ObjectMapper mapper;
    private final dev.quarry.query.TeamLanes lanes;
    private final CohortFromQuery fromQuery;

    public CohortResource(RequestAuth auth, Cohorts cohorts, CohortCalculator calculator, ObjectMapper mapper,
                          dev.quarry.query.TeamLanes lanes, CohortFromQuery fromQuery) {
        this.lanes = lanes;
        this.fromQuery = fromQuery;
        this.auth = auth;
        this.cohorts = cohorts;
        this.calculator = calculator;
        this.mapper = mapper;
    }

    /**
     * The cohort's description (PostHog's 1,000 characters) and stored JSON ({@code filters}, {@code groups},
     * {@code query}) are bounded as a saved insight's query is
     * ({@link dev.quarry.web.StoredJson#bounded}): a static cohort's filters were stored unchecked at 7 MB, and its
     * retrieve and every list page holding it were 400s from then on (a breaker's finding).
     */
    private static void bounded(JsonNode body) {
        // PostHog's Cohort.description is a CharField of at most 1,000 characters
        if (body.hasNonNull("description") && body.get("description").asText().length() > 1000) {
            throw new ValidationException("Ensure this field has no more than 1000 characters.", "description");
        }
        for (String part : List.of("filters", "groups", "query")) {
            if (body.hasNonNull(part)) {
                dev.quarry.web.StoredJson.bounded(body.get(part), part);
            }
        }
    }

    /** PostHog's longest {@code search} (MAX_SEARCH_LENGTH in posthog/helpers/trigram_search.py). */
    static final int MAX_SEARCH_LENGTH = 200;

    /**
     * PostHog's cohort list: live cohorts, newest first. {@code search} keeps the cohorts whose name contains it in
     * any case (PostHog's exact matches, each with {@code search_match_type} "exact"; over 200 characters a 400 naming
     * {@code search}); {@code type} {@code static} or {@code dynamic} keeps those; {@code basic} true (PostHog's
     * {@code str_to_bool}) leaves out {@code filters}, {@code query} and {@code groups}.
     */
    @GET
    @RequiresScopes("cohort:read")
    public Uni<Response> list(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                @QueryParam("search") String search, @QueryParam("type") String type,
                                @QueryParam("basic") String basic, @Context HttpServerRequest request) {
        LimitOffset page = LimitOffset.parse(limit, offset, 100, 1000);
        if (search != null && search.length() > MAX_SEARCH_LENGTH) {
            throw new ValidationException("Search query must be " + MAX_SEARCH_LENGTH + " characters or fewer.",
                    "search");
        }
        String term = search == null || search.strip().isEmpty() ? null : search.strip();
        Boolean isStatic = "static".equals(type) ? Boolean.TRUE : "dynamic".equals(type) ? Boolean.FALSE : null;
        boolean trimmed = basic != null && java.util.Set.of("y", "yes", "t", "true", "on", "1")
                .contains(basic.toLowerCase(java.util.Locale.ROOT));
        long teamId = auth.teamId();
        // the page's filters are parsed and written on a worker, not on the event loop (breaker F3)
        return LISTS.run(teamId, () -> cohorts.list(teamId, page.limit(), page.offset(), term, isStatic).flatMap(found -> types(teamId,
                found.rows()).emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(types -> {
                    List<ObjectNode> rows = new ArrayList<>();
                    for (Cohort cohort : found.rows()) {
                        ObjectNode json = cohort.toJson(mapper);
                        json.put("cohort_type", types.get(cohort.id()));
                        json.put("search_match_type", term == null ? null : "exact");
                        if (trimmed) {
                            json.remove(List.of("filters", "query", "groups"));
                        }
                        rows.add(json);
                    }
                    // cohorts of legal size (2 MiB of filters each) must not make the default page a 400: the page
                    // stops before the response limit, its next continuing at the first cohort left out
                    // written to bytes here, on the worker: the response filter then only measures them
                    return dev.quarry.web.JsonAnswer.of(mapper, page.pageWithinLimit(
                            dev.quarry.web.LinkUrls.withoutKey(request.absoluteURI()), found.count(), rows, mapper));
                })));
    }

    /**
     * A project's cohort lists at once on this instance (more are 429s): a page may carry a whole answer of filters
     * (the breaker's flood of 8 at once held both event loops).
     */
    private static final dev.quarry.web.ProjectGate LISTS = new dev.quarry.web.ProjectGate(2,
            "Too many cohort lists are being read for this project at once. Try again shortly.");

    /** Each cohort's PostHog {@code cohort_type} ({@link CohortTypes}), its named cohorts read from the project. */
    private Uni<java.util.Map<Long, String>> types(long teamId, List<Cohort> list) {
        return CohortTypes.of(list, mapper, ids -> cohorts.findAll(teamId, ids));
    }

    /** The cohort as PostHog's serializer answers it, {@code cohort_type} included. */
    private Uni<ObjectNode> answer(long teamId, Cohort cohort) {
        return types(teamId, List.of(cohort)).map(types -> {
            ObjectNode json = cohort.toJson(mapper);
            json.put("cohort_type", types.get(cohort.id()));
            return json;
        });
    }

    @GET
    @Path("{id}")
    @RequiresScopes("cohort:read")
    public Uni<ObjectNode> retrieve(@PathParam("id") String id) {
        long teamId = auth.teamId();
        return existing(teamId, id).flatMap(cohort -> answer(teamId, cohort));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("cohort:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> create(JsonNode body) {
        // the filters (HogQL ones included) are parsed in the project's lane, off the event loop
        Team team = auth.team();
        Long userId = auth.key().userId(); // read here: the lane runs outside the request context
        String keyId = auth.key().id();
        return lanes.run(team.id(), () -> create(team, userId, keyId, body));
    }

    private Uni<Response> create(Team team, Long userId, String keyId, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be an object", null);
        }
        String name = requiredName(body);
        bounded(body);
        boolean isStatic = body.hasNonNull("is_static") && DrfBoolean.read(body.get("is_static"), "is_static");
        JsonNode filters = body.get("filters");
        JsonNode groups = body.get("groups");
        if (!isStatic && body.has("filters")) {
            CohortFiltersBody.check(filters);
        }
        CohortFiltersBody.query(body, isStatic, true);
        List<UUID> personIds = isStatic ? staticPersonIds(body.get("_create_static_person_ids")) : null;
        JsonNode effective = CohortFilters.effective(filters, groups);
        if (!isStatic) {
            // validate before storing anything; PostHog reads the deprecated groups when filters are absent
            CohortFilters.toExpr(effective);
        }
        String description = body.path("description").asText("");
        String storedFilters = filters == null || filters.isNull() ? null : filters.toString();
        // a static cohort filled from its query: the query runs first, then the cohort and its members are stored
        JsonNode query = isStatic && CohortFiltersBody.truthy(body.get("query")) ? body.get("query") : null;
        Uni<List<UUID>> queried = query == null ? Uni.createFrom().item(List.of()) : fromQuery.members(team, keyId, query);
        return references(team.id(), effective, null).flatMap(ok -> queried).flatMap(fromQueryIds -> {
                    java.util.Set<UUID> members = new java.util.LinkedHashSet<>(personIds == null ? List.of() : personIds);
                    members.addAll(fromQueryIds);
                    if (members.isEmpty() && query == null) {
                        return cohorts.insert(team.id(), userId, name, description, storedFilters,
                                legacyGroups(groups), isStatic);
                    }
                    // the cohort and its first members in one statement: a failure leaves neither
                    return cohorts.insertStatic(team.id(), userId, name, description, storedFilters,
                            legacyGroups(groups), query == null ? null : query.toString(), List.copyOf(members))
                            .flatMap(id -> cohorts.find(team.id(), id));
                })
                .flatMap(cohort -> calculator.recalculate(cohort, team.timezone()).replaceWithVoid()
                        .onFailure(CohortResource::calculationRefused).recoverWithNull()
                        .flatMap(x -> cohorts.find(team.id(), cohort.id())))
                .flatMap(cohort -> answer(team.id(), cohort))
                .map(json -> Response.status(201).entity(json).build());
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("cohort:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(@PathParam("id") String id, JsonNode body) {
        Team team = auth.team();
        String keyId = auth.key().id();
        Long userId = auth.key().userId(); // read here: the lane runs outside the request context
        return lanes.run(team.id(), () -> update(team, userId, keyId, id, body));
    }

    private Uni<ObjectNode> update(Team team, Long userId, String keyId, String id, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be an object", null);
        }
        String name = body.has("name") ? requiredName(body) : null;
        bounded(body);
        JsonNode filters = body.get("filters");
        JsonNode groups = body.get("groups");
        if (body.has("deleted") && !body.get("deleted").isBoolean()) {
            throw new ValidationException("Must be a valid boolean.", "deleted");
        }
        Boolean isStaticSent = body.hasNonNull("is_static") ? DrfBoolean.read(body.get("is_static"), "is_static") : null;
        JsonNode query = CohortFiltersBody.truthy(body.get("query")) ? body.get("query") : null;
        // a static cohort's query adds the persons it lists (PostHog's update runs insert_cohort_from_query), read
        // before anything of the edit is stored
        List<List<UUID>> queried = new ArrayList<>(1);
        return existing(team.id(), id)
                .call(found -> {
                    // PostHog finds the cohort first (404), then validates the body; a static cohort's filters are
                    // not checked. PostHog's update flips is_static as sent; Quarry keeps a cohort's kind (its
                    // members are stored for a static one, calculated for a dynamic one), so a flip is a 400
                    if (isStaticSent != null && isStaticSent != found.isStatic()) {
                        throw new ValidationException("Quarry does not change a cohort between static and dynamic: "
                                + "create a new cohort instead.", "is_static");
                    }
                    boolean isStatic = found.isStatic();
                    if (body.has("filters") && !isStatic) {
                        CohortFiltersBody.check(filters);
                    }
                    CohortFiltersBody.query(body, isStatic, false);
                    if (filters != null && !filters.isNull()) {
                        CohortFilters.toExpr(filters);
                    }
                    CohortFilters.fromLegacyGroups(groups);
                    Uni<Void> fromItsQuery = query == null || !isStatic ? Uni.createFrom().voidItem()
                            : fromQuery.members(team, keyId, query).invoke(queried::add).replaceWithVoid();
                    if (filters == null && groups == null) {
                        return fromItsQuery;
                    }
                    // the criteria as they stand after the edit are checked as a create checks them: an edit that
                    // makes stored legacy groups the criteria (filters emptied) is refused if they are no filter
                    JsonNode effective = afterUpdate(found, filters, groups);
                    if (!found.isStatic()) {
                        CohortFilters.toExpr(effective);
                    }
                    return references(team.id(), effective, found.id()).call(() -> fromItsQuery);
                })
                // the references are checked again where the edit is stored, under the project's lock: two edits
                // that each close half of a loop pass the check above when run at once
                .flatMap(found -> cohorts.update(team.id(), found.id(), userId, name,
                        body.hasNonNull("description") ? body.get("description").asText() : null,
                        filters == null || filters.isNull() ? null : filters.toString(), legacyGroups(groups),
                        body.has("deleted") ? body.get("deleted").asBoolean() : null,
                        filters == null && groups == null ? null
                                : () -> references(team.id(), afterUpdate(found, filters, groups), found.id())))
                .call(updated -> queried.isEmpty() ? Uni.createFrom().voidItem()
                        : cohorts.addStaticMembers(team.id(), updated.id(), queried.get(0), query.toString())
                                .replaceWithVoid())
                .flatMap(updated -> queried.isEmpty() ? Uni.createFrom().item(updated) : cohorts.find(team.id(), updated.id()))
                .flatMap(updated -> updated.deleted() || (filters == null && groups == null) ? Uni.createFrom().item(updated)
                        : calculator.recalculate(updated, team.timezone()).replaceWithVoid()
                                .onFailure(CohortResource::calculationRefused).recoverWithNull()
                                .flatMap(x -> cohorts.find(team.id(), updated.id())))
                .flatMap(cohort -> answer(team.id(), cohort));
    }

    /**
     * PostHog's check of the cohorts the filters name (see {@link CohortReferences}): 400 "Invalid Cohort ID in
     * filter" for one the project does not have (another project's id reveals nothing more than a missing one).
     */
    private Uni<Void> references(long teamId, JsonNode filters, Long self) {
        return CohortReferences.check(filters, self, mapper, ids -> cohorts.findAll(teamId, ids));
    }

    /**
     * The criteria the cohort is read by once this edit is stored (PostHog's {@code _effective_filters_after_update}):
     * the body's {@code filters} / {@code groups} where given (a null {@code filters} keeps the stored ones, as
     * {@link Cohorts#update} does), the stored ones otherwise, picked by {@link CohortFilters#effective}. So an edit
     * that makes stored groups the criteria checks them then.
     */
    private JsonNode afterUpdate(Cohort found, JsonNode filters, JsonNode groups) {
        JsonNode storedFilters = dev.quarry.web.StoredJson.read(mapper, found.filters());
        return CohortFilters.effective(filters == null || filters.isNull() ? storedFilters : filters,
                groups == null || groups.isNull() || !groups.isArray()
                        ? dev.quarry.web.StoredJson.read(mapper, found.groups()) : groups);
    }

    /**
     * PostHog's {@code _create_static_person_ids} (a static cohort's members on create: person uuids, those not of
     * the project skipped): absent or null is none; not a list is DRF's 400 'Expected a list of items but got type
     * "&lt;type&gt;".'; an item that is no uuid as Python reads one ({@link dev.quarry.web.PythonUuid}) is a 400 naming the field (PostHog's uuid filter fails on it). A dynamic
     * cohort's are not read, as PostHog's create pops them unread.
     */
    static List<UUID> staticPersonIds(JsonNode ids) {
        if (ids == null || ids.isNull()) {
            return null;
        }
        if (!ids.isArray()) {
            String type = ids.isObject() ? "dict" : ids.isTextual() ? "str" : ids.isBoolean() ? "bool"
                    : ids.isIntegralNumber() ? "int" : "float";
            throw new ValidationException("Expected a list of items but got type \"" + type + "\".",
                    "_create_static_person_ids");
        }
        List<UUID> uuids = new ArrayList<>();
        for (JsonNode item : ids) {
            // read as Python's uuid.UUID reads it: braces, urn:uuid: and 32 digits without hyphens are uuids
            UUID uuid = item.isValueNode() && !item.isNull() ? dev.quarry.web.PythonUuid.parse(item.asText()) : null;
            if (uuid == null) {
                throw new ValidationException("Not a person uuid: " + item, "_create_static_person_ids");
            }
            uuids.add(uuid);
        }
        return uuids;
    }

    private static String legacyGroups(JsonNode groups) {
        return groups == null || groups.isNull() || !groups.isArray() ? null : groups.toString();
    }

    /**
     * The calculation was refused or stopped by the query gate (project at its statement limit, timeout, a
     * query error): the cohort is stored and answered with {@code errors_calculating} counted, and the schedule
     * tries again later, as PostHog's asynchronous calculation would. Other failures stay failures.
     */
    private static boolean calculationRefused(Throwable failure) {
        return failure instanceof dev.quarry.web.ApiException;
    }

    @PATCH
    @Path("{id}/add_persons_to_static_cohort")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("cohort:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> addPersons(@PathParam("id") String id, JsonNode body) {
        JsonNode ids = body == null ? null : body.get("person_ids");
        if (ids == null || !ids.isArray()) {
            throw new ValidationException("person_ids must be a list of person uuids", "person_ids");
        }
        List<UUID> uuids = new ArrayList<>();
        for (JsonNode item : ids) {
            try {
                uuids.add(UUID.fromString(item.asText()));
            } catch (IllegalArgumentException e) {
                throw new ValidationException("Not a person uuid: " + item.asText(), "person_ids");
            }
        }
        long teamId = auth.teamId();
        return existing(teamId, id).flatMap(cohort -> {
            if (!cohort.isStatic()) {
                throw new ValidationException("Can only add persons to a static cohort", "is_static");
            }
            return cohorts.addStaticMembers(teamId, cohort.id(), uuids);
        }).map(count -> mapper.createObjectNode().put("success", true).put("count", count));
    }

    /**
     * PostHog's remove_person_from_static_cohort: {@code {"person_id": uuid}} → {@code {"success": true}}; 400 without
     * person_id or on a dynamic cohort, 404 for an unknown cohort or a person that is not in it.
     */
    @PATCH
    @Path("{id}/remove_person_from_static_cohort")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("cohort:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> removePerson(@PathParam("id") String id, JsonNode body) {
        JsonNode personId = body == null ? null : body.get("person_id");
        if (personId == null || personId.isNull() || personId.asText().isBlank()) {
            throw new ValidationException("person_id is required", "person_id");
        }
        UUID person;
        try {
            person = UUID.fromString(personId.asText());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("person_id must be a person uuid", "person_id");
        }
        long teamId = auth.teamId();
        return existing(teamId, id).flatMap(cohort -> {
            if (!cohort.isStatic()) {
                throw new ValidationException("Can only remove users from static cohorts", "is_static");
            }
            return cohorts.removeStaticMember(teamId, cohort.id(), person);
        }).map(removed -> {
            if (!removed) {
                throw new NotFoundException("Person not found in this cohort.");
            }
            return mapper.createObjectNode().put("success", true);
        });
    }

    private Uni<Cohort> existing(long teamId, String id) {
        long cohortId;
        try {
            cohortId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new NotFoundException();
        }
        return cohorts.find(teamId, cohortId).onItem().ifNull().failWith(NotFoundException::new);
    }

    private static String requiredName(JsonNode body) {
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new ValidationException("This field is required.", "name");
        }
        if (name.asText().length() > 400) {
            throw new ValidationException("Ensure this field has no more than 400 characters.", "name");
        }
        return name.asText();
    }
}
