package dev.quarry.persons;

import dev.quarry.query.schema.PropertyFilter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.activity.ActivityPages;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.Csv;
import dev.quarry.web.LenientJson;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * PostHog's person endpoints used by its CLI and MCP tools: the persons list ({@code GET persons/}, newest first,
 * {@code {next, previous, results}}, {@code ?format=csv}), one person ({@code GET persons/:id/}, uuid or numeric
 * id), property edits ({@code POST persons/:id/update_property/ {"key","value"}} and
 * {@code delete_property/ {"$unset": key or [keys]}}, 201 {@code {"success": true}}; {@code PATCH}/{@code PUT persons/:id/ {"properties"}}, 202)
 * and {@code POST persons/bulk_delete/} (202). Reads need
 * {@code person:read}, edits and deletes {@code person:write}.
 */
@Path(ApiPaths.PROJECT + "/persons")
@Produces({MediaType.APPLICATION_JSON, "text/csv"})
public class PersonsApiResource {
    static final int MAX_BULK = 1000;

    private final RequestAuth auth;
    private final PersonDirectory directory;
    private final PersonEdits edits;
    private final Persons persons;
    private final ObjectMapper mapper;
    private final ActivityPages activity;

    public PersonsApiResource(RequestAuth auth, PersonDirectory directory, PersonEdits edits, Persons persons,
                              ObjectMapper mapper, ActivityPages activity) {
        this.auth = auth;
        this.activity = activity;
        this.directory = directory;
        this.edits = edits;
        this.persons = persons;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("person:read")
    public Uni<Response> list(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                              @QueryParam("search") String search, @QueryParam("distinct_id") String distinctId,
                              @QueryParam("email") String email, @QueryParam("properties") String properties,
                              @QueryParam("cohort") String cohort,
                              @QueryParam("format") String format, @Context HttpServerRequest request) {
        boolean csv = Csv.requested(format);
        LimitOffset page = LimitOffset.parse(limit, offset, 100, csv ? 10_000 : 1000);
        PersonDirectory.Filter filter = new PersonDirectory.Filter(search, distinctId, email, PropertyFilter.parseLegacyParameter(properties, mapper),
                cohortId(cohort));
        String url = request.absoluteURI();
        return directory.list(auth.team(), filter, page.limit(), page.offset())
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(found -> answer(mapper, page, found, csv, url));
    }

    /**
     * A page of persons as PostHog's persons list answers it: {@code {next, previous, results}} (no count: the page
     * knows only whether more follow), or with {@code csv} PostHog's CSV of its persons; written to text or bytes
     * here, so call it on a worker (a CSV page holds up to 10,000 persons).
     */
    public static Response answer(ObjectMapper mapper, LimitOffset page, PersonDirectory.Page found, boolean csv,
                                  String requestUrl) {
        if (csv) {
            if (found.stoppedEarly()) {
                // a CSV file has nowhere to say that more follow: the page it cannot hold whole is refused
                throw dev.quarry.web.ResponseTooLargeException.page("limit");
            }
            return Csv.postHogResponse(new ArrayList<JsonNode>(found.people()));
        }
        long knownAtLeast = found.hasMore() ? (long) page.offset() + page.limit() + 1 : page.offset() + found.people().size();
        LimitOffset.Page<ObjectNode> body = found.stoppedEarly()
                ? page.pageStoppedEarly(URI.create(requestUrl), knownAtLeast, found.people())
                : page.page(URI.create(requestUrl), knownAtLeast, found.people());
        ObjectNode json = mapper.createObjectNode();
        json.put("next", body.next());
        json.put("previous", body.previous());
        json.putArray("results").addAll(found.people());
        return dev.quarry.web.JsonAnswer.of(mapper, json);
    }

    /**
     * {@code ?cohort=<id>}: PostHog's PersonFilter "ID of a cohort the user belongs to". Not an integer: 400 naming
     * {@code cohort}; a cohort the project does not have is a 400 too (from the query, as everywhere a cohort is named).
     */
    static Long cohortId(String cohort) {
        if (cohort == null || cohort.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(cohort.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException("invalid_input", "A valid integer is required.", "cohort");
        }
    }

    /**
     * PostHog's {@code persons/activity}: every person's activity log entries ({@code updated}, {@code delete_property},
     * {@code deleted}), newest first, in {@link ActivityPages}'s pages ({@code limit}, {@code page}).
     */
    @GET
    @Path("activity")
    @RequiresScopes("activity_log:read")
    public Uni<Response> allActivity(@QueryParam("limit") String limit, @QueryParam("page") String page,
                                     @Context HttpServerRequest request) {
        return activity.page(auth.team(), PersonActivity.SCOPE, null, limit, page, request.absoluteURI());
    }

    /** PostHog's {@code persons/:id/activity}: one person's entries (by uuid or numeric id; 404 when not the team's). */
    @GET
    @Path("{id}/activity")
    @RequiresScopes("activity_log:read")
    public Uni<Response> activity(@PathParam("id") String id, @QueryParam("limit") String limit,
                                  @QueryParam("page") String page, @Context HttpServerRequest request) {
        String url = request.absoluteURI();
        return persons.findId(auth.teamId(), id).onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .flatMap(numeric -> activity.page(auth.team(), PersonActivity.SCOPE, Long.toString(numeric), limit,
                        page, url));
    }

    @GET
    @Path("{id}")
    @RequiresScopes("person:read")
    public Uni<Response> retrieve(@PathParam("id") String id, @QueryParam("format") String format) {
        boolean csv = Csv.requested(format);
        return person(id).flatMap(uuid -> directory.find(auth.team(), uuid))
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .map(person -> csv ? Csv.postHogResponse(List.of(person))
                        : Response.ok(person).type(MediaType.APPLICATION_JSON).build());
    }

    /**
     * PostHog's person update ({@code PATCH} or {@code PUT persons/:id/}): {@code {"properties": {…}}} set on the
     * person through one {@code $set} event (the same person processing as capture's), 202 with no body; other
     * keys are ignored, as PostHog writes only the properties. A missing or non-object {@code properties} is a 400
     * naming it.
     */
    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> update(@PathParam("id") String id, JsonNode body) {
        JsonNode properties = LenientJson.read(body, PersonBodies.Update.class).properties();
        if (properties == null || properties.isNull()) {
            throw new ValidationException("required", "This field is required.", "properties");
        }
        if (!properties.isObject()) {
            throw new ValidationException("Expected a dictionary of items but got type \"" + (properties.isArray()
                    ? "list" : properties.isTextual() ? "str" : properties.isNumber() ? "int" : "bool") + "\".",
                    "properties");
        }
        return edit(id, (uuid, distinctId) -> edits.setProperties(auth.team(), distinctId, (ObjectNode) properties)
                .call(x -> edits.logActivity(auth.teamId(), uuid, auth.key().userId(), "updated",
                        PersonActivity.updated())));
    }

    /** {@code PUT persons/:id/}: as {@link #update}, which PostHog's viewset serves for both methods. */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> replace(@PathParam("id") String id, JsonNode body) {
        return update(id, body);
    }

    @POST
    @Path("{id}/update_property")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> updateProperty(@PathParam("id") String id, JsonNode body) {
        PersonBodies.UpdateProperty update = LenientJson.read(body, PersonBodies.UpdateProperty.class);
        if (update.key() == null || update.key().isEmpty()) {
            throw new ValidationException("required", "This field is required.", "key");
        }
        // PostHog's request.data.get("value") is None: a null value is as missing as an absent one
        if (update.value() == null || update.value().isNull()) {
            throw new ValidationException("required", "This field is required.", "value");
        }
        return edit(id, (uuid, distinctId) -> edits.setProperty(auth.team(), distinctId, update.key(), update.value())
                .call(x -> edits.logActivity(auth.teamId(), uuid, auth.key().userId(), "updated",
                        PersonActivity.updated())));
    }

    @POST
    @Path("{id}/delete_property")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> deleteProperty(@PathParam("id") String id, JsonNode body) {
        JsonNode unset = LenientJson.read(body, PersonBodies.DeleteProperty.class).unset();
        List<String> keys = new ArrayList<>();
        if (unset != null && unset.isTextual() && !unset.asText().isEmpty()) {
            keys.add(unset.asText());
        } else if (unset != null && unset.isArray()) {
            for (JsonNode k : unset) {
                if (!k.isTextual() || k.asText().isEmpty()) {
                    throw new ValidationException("$unset must be a property name or a list of them", "$unset");
                }
                keys.add(k.asText());
            }
        }
        if (keys.isEmpty()) {
            throw new ValidationException("required", "This field is required.", "$unset");
        }
        // PostHog's delete_property answers 201 {"success": true} (its update_property and update: 202, no body)
        return edit(id, (uuid, distinctId) -> edits.unsetProperties(auth.team(), distinctId, keys)
                .call(x -> edits.logActivity(auth.teamId(), uuid, auth.key().userId(), "delete_property",
                        PersonActivity.propertyDeleted(uuid))))
                .map(accepted -> Response.status(201).entity(mapper.createObjectNode().put("success", true))
                        .type(MediaType.APPLICATION_JSON).build());
    }

    /**
     * {@code {"ids": [uuid…]}} or {@code {"distinct_ids": […]}} (at most 1000), with PostHog's flags
     * {@code delete_events} (also delete their events) and {@code keep_person} (delete only the events).
     */
    @POST
    @Path("bulk_delete")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("person:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> bulkDelete(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be a JSON object.", null);
        }
        PersonBodies.BulkDelete request = LenientJson.read(body, PersonBodies.BulkDelete.class);
        if (request.ids() == null && request.distinctIds() == null) {
            throw new ValidationException("You must provide either ids or distinct_ids", "ids");
        }
        List<UUID> ids = new ArrayList<>();
        for (String item : request.ids() == null ? List.<String>of() : request.ids()) {
            UUID uuid = item == null ? null : Persons.parseUuid(item);
            if (uuid == null) {
                throw new ValidationException("Not a person uuid: " + item, "ids");
            }
            ids.add(uuid);
        }
        List<String> distinctIds = request.distinctIds() == null ? List.of()
                : request.distinctIds().stream().map(String::valueOf).toList();
        if (ids.isEmpty() && distinctIds.isEmpty()) {
            // PostHog: empty lists are as missing as absent ones
            throw new ValidationException("You need to specify either distinct_ids or ids", null);
        }
        if (ids.size() + distinctIds.size() > MAX_BULK) {
            throw new ValidationException("You can only pass " + MAX_BULK + " ids or distinct_ids at once", "ids");
        }
        return edits.bulkDelete(auth.teamId(), ids, distinctIds, Boolean.TRUE.equals(request.deleteEvents()),
                        Boolean.TRUE.equals(request.keepPerson()), auth.key().userId())
                .map(x -> Response.accepted().build());
    }

    private Uni<UUID> person(String id) {
        return persons.findUuid(auth.teamId(), id).onItem().ifNull().failWith(() -> new NotFoundException("Not found."));
    }

    /**
     * Runs {@code edit} for the person {@code id} (uuid or numeric id) and its first distinct id, answering 202 with no
     * body as PostHog does; 404 when the team has no such person or it has no distinct id.
     */
    private Uni<Response> edit(String id, java.util.function.BiFunction<UUID, String, Uni<Void>> edit) {
        return person(id).flatMap(uuid -> edits.firstDistinctId(auth.teamId(), uuid).flatMap(ids -> {
            if (ids.isEmpty()) {
                throw new NotFoundException("Not found.");
            }
            return edit.apply(uuid, ids.get(0));
        })).map(x -> Response.accepted().build());
    }
}
