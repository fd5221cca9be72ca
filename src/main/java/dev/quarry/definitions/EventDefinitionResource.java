package dev.quarry.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.capture.DefinitionsRecorder;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * PostHog's event definitions: {@code GET event_definitions/} (search, PostHog's filters and orderings, limit, offset;
 * by default the days last seen, most recent first, then by name: {@link EventListing}),
 * {@code POST} (name, description, tags, verified, hidden → 201), {@code GET by_name/?name=}, {@code GET|PATCH|DELETE :id/}.
 * Definitions are filled by capture; {@code volume_30_day} is the events of the last 30 days. Scopes
 * {@code event_definition:read|write}.
 */
@Path(ApiPaths.PROJECT + "/event_definitions")
@Produces(MediaType.APPLICATION_JSON)
public class EventDefinitionResource {
    private final RequestAuth auth;
    private final Definitions definitions;
    private final DefinitionsRecorder recorder;
    private final Volumes volumes;
    private final ObjectMapper mapper;
    private final Clock clock;

    public EventDefinitionResource(RequestAuth auth, Definitions definitions, Volumes volumes, ObjectMapper mapper,
                                   DefinitionsRecorder recorder, Clock clock) {
        this.clock = clock;
        this.recorder = recorder;
        this.auth = auth;
        this.definitions = definitions;
        this.volumes = volumes;
        this.mapper = mapper;
    }

    /**
     * The list: {@code search} (every word a case-insensitive substring of the name), the filters and orderings of
     * {@link EventListing} ({@code event_type}, {@code ordering}, {@code names}, {@code excluded_properties},
     * {@code tags}, {@code exclude_hidden}, {@code exclude_stale}, {@code verified}), limit (at most 1,000) and offset
     * as PostHog's EventDefinitionQuerySerializer reads them ({@link EventListing#page}).
     */
    @GET
    @RequiresScopes("event_definition:read")
    public Uni<LimitOffset.Page<ObjectNode>> list(@QueryParam("search") String search, @QueryParam("limit") String limit,
                                                  @QueryParam("offset") String offset,
                                                  @QueryParam("event_type") String eventType,
                                                  @QueryParam("ordering") List<String> ordering,
                                                  @QueryParam("names") List<String> names,
                                                  @QueryParam("excluded_properties") String excludedProperties,
                                                  @QueryParam("tags") String tags,
                                                  @QueryParam("exclude_hidden") String excludeHidden,
                                                  @QueryParam("exclude_stale") String excludeStale,
                                                  @QueryParam("verified") String verified,
                                                  @Context HttpServerRequest request) {
        LimitOffset page = EventListing.page(present(request, "limit", limit), present(request, "offset", offset));
        // an empty value is a value in PostHog's reading (event_type= is a 400, verified= lists the unverified)
        EventListing listing = EventListing.parse(mapper, search, present(request, "event_type", eventType), ordering,
                names, excludedProperties, tags, excludeHidden, excludeStale, present(request, "verified", verified));
        OffsetDateTime now = OffsetDateTime.now(clock);
        return definitions.events(auth.teamId(), listing, now, page.limit(), page.offset())
                .flatMap(found -> volumes.last30Days(auth.team(), found.results().stream().map(EventDefinition::name).toList())
                        .map(v -> {
                            List<ObjectNode> rows = new ArrayList<>();
                            found.results().forEach(d -> rows.add(d.toJson(mapper, v.getOrDefault(d.name(), 0L))));
                            return page.pageWithinLimit(URI.create(request.absoluteURI()), found.count(), rows, mapper);
                        }));
    }

    /** The parameter's value, "" when it came empty (which the {@code @QueryParam} reads as absent). */
    private static String present(HttpServerRequest request, String name, String value) {
        return value == null && request.params().contains(name) ? "" : value;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("event_definition:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<Response> create(JsonNode body) {
        Definitions.Edit edit = Edits.parse(body, false);
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new ValidationException("This field is required.", "name");
        }
        if (name.asText().length() > 400) {
            throw new ValidationException("Ensure this field has no more than 400 characters.", "name");
        }
        return definitions.createEvent(auth.teamId(), name.asText(), edit, auth.key().userId())
                .flatMap(this::withVolume)
                .map(json -> Response.status(201).entity(json).type(MediaType.APPLICATION_JSON).build());
    }

    @GET
    @Path("by_name")
    @RequiresScopes("event_definition:read")
    public Uni<ObjectNode> byName(@QueryParam("name") String name) {
        if (name == null || name.isEmpty()) {
            throw new ValidationException("This field is required.", "name");
        }
        return definitions.eventByName(auth.teamId(), name)
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .flatMap(this::withVolume);
    }

    @GET
    @Path("{id}")
    @RequiresScopes("event_definition:read")
    public Uni<ObjectNode> get(@PathParam("id") String id) {
        return definitions.event(auth.teamId(), Edits.existing(id))
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .flatMap(this::withVolume);
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("event_definition:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> update(@PathParam("id") String id, JsonNode body) {
        UUID uuid = Edits.existing(id);
        Definitions.Edit edit = Edits.parse(body, false);
        return definitions.updateEvent(auth.teamId(), uuid, edit, auth.key().userId())
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .flatMap(this::withVolume);
    }

    private Uni<ObjectNode> withVolume(EventDefinition definition) {
        return volumes.last30Days(auth.team(), List.of(definition.name()))
                .map(v -> definition.toJson(mapper, v.getOrDefault(definition.name(), 0L)));
    }

    /**
     * {@code DELETE :id/}: 204 with no body, 404 "Not found." for an id the project does not have. This process forgets
     * the names it knew stored for the project, so its next capture of the name records it again (another instance
     * does within {@link DefinitionsRecorder}'s cache lifetime).
     */
    @DELETE
    @Path("{id}")
    @RequiresScopes("event_definition:write")
    public Uni<Response> delete(@PathParam("id") String id) {
        long teamId = auth.teamId();
        return definitions.deleteEvent(teamId, Edits.existing(id), auth.key().userId())
                .map(deleted -> {
                    if (!deleted) {
                        throw new NotFoundException("Not found.");
                    }
                    recorder.forgetTeam(teamId);
                    return Response.noContent().build();
                });
    }
}
