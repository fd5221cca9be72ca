package dev.quarry.definitions;

import dev.quarry.capture.DefinitionsRecorder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * PostHog's property definitions: {@code GET property_definitions/} with {@code type} (event, the default,
 * person, or group with its {@code group_type_index}: the properties {@code $groupidentify} set on that group type;
 * session answers an empty page here), {@code properties} (comma-separated names), {@code search}, {@code is_numerical}, {@code event_names}
 * (a JSON list: fills {@code is_seen_on_filtered_events} and sorts those first), {@code filter_by_event_names} (only
 * those), {@code excluded_properties} (a JSON list), {@code is_feature_flag}, {@code exclude_hidden}, limit and offset;
 * event properties never list what ingestion sets ({@link #EVENTS_HIDDEN}); {@code GET|PATCH|DELETE :id/} (description,
 * tags, verified, hidden, property_type). Scopes {@code property_definition:read|write}.
 */
@Path(ApiPaths.PROJECT + "/property_definitions")
@Produces(MediaType.APPLICATION_JSON)
public class PropertyDefinitionResource {
    private final RequestAuth auth;
    private final Definitions definitions;
    private final DefinitionsRecorder recorder;
    private final ObjectMapper mapper;

    public PropertyDefinitionResource(RequestAuth auth, Definitions definitions, ObjectMapper mapper, DefinitionsRecorder recorder) {
        this.recorder = recorder;
        this.auth = auth;
        this.definitions = definitions;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("property_definition:read")
    public Uni<LimitOffset.Page<ObjectNode>> list(@QueryParam("type") String type, @QueryParam("properties") String properties,
                                                  @QueryParam("search") String search, @QueryParam("is_numerical") String numerical,
                                                  @QueryParam("event_names") String eventNames,
                                                  @QueryParam("filter_by_event_names") String filterByEventNames,
                                                  @QueryParam("excluded_properties") String excludedProperties,
                                                  @QueryParam("is_feature_flag") String isFeatureFlag,
                                                  @QueryParam("exclude_hidden") String excludeHidden,
                                                  @QueryParam("group_type_index") String groupTypeIndex,
                                                  @QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                                  @Context HttpServerRequest request) {
        int kind = switch (type == null || type.isEmpty() ? "event" : type) {
            case "event" -> DefinitionsRecorder.EVENT;
            case "person" -> DefinitionsRecorder.PERSON;
            case "group" -> DefinitionsRecorder.GROUP;
            case "session" -> -1;
            default -> throw new ValidationException("\"" + type + "\" is not a valid choice.", "type");
        };
        int groupIndex = groupTypeIndex(groupTypeIndex, kind == DefinitionsRecorder.GROUP);
        LimitOffset page = LimitOffset.parse(limit, offset, 100, 1000);
        List<String> names = properties == null || properties.isBlank() ? null
                : Arrays.stream(properties.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        Boolean isNumerical = drfBoolean(numerical, "is_numerical");
        Boolean onlySeen = drfBoolean(filterByEventNames, "filter_by_event_names");
        Boolean featureFlag = drfBoolean(isFeatureFlag, "is_feature_flag");
        boolean withoutHidden = Boolean.TRUE.equals(drfBoolean(excludeHidden, "exclude_hidden"));
        List<String> events = parseEventNames(eventNames);
        if (events != null && !events.isEmpty() && kind != DefinitionsRecorder.EVENT) {
            throw new ValidationException("`event_names` can only be set for `event` type", null);
        }
        List<String> excluded = new ArrayList<>(parseNames(excludedProperties, "excluded_properties"));
        if (kind == DefinitionsRecorder.EVENT) {
            excluded.addAll(EVENTS_HIDDEN);
        }
        URI url = URI.create(request.absoluteURI());
        if (kind < 0) {
            return Uni.createFrom().item(page.page(url, 0, List.of()));
        }
        boolean withEvents = events != null && !events.isEmpty();
        Uni<List<String>> seen = !withEvents ? Uni.createFrom().nullItem()
                : definitions.propertiesOfEvents(auth.teamId(), events);
        return seen.flatMap(seenNames -> {
            Set<String> seenSet = seenNames == null ? null : new HashSet<>(seenNames);
            Definitions.PropertyListing listing = new Definitions.PropertyListing(excluded,
                    Boolean.TRUE.equals(onlySeen) && withEvents ? seenNames : null, seenNames, featureFlag,
                    withoutHidden);
            return definitions.properties(auth.teamId(), kind, groupIndex, names, search, isNumerical, listing,
                        page.limit(), page.offset())
                .map(found -> {
                    List<ObjectNode> rows = new ArrayList<>();
                    found.results().forEach(d -> rows.add(d.toJson(mapper, seenSet == null ? null : seenSet.contains(d.name()))));
                    return page.page(url, found.count(), rows);
                });
        });
    }

    /**
     * The event properties PostHog's list never shows ({@code EVENTS_HIDDEN_PROPERTY_DEFINITIONS}): ingestion's own
     * ({@code $set}, {@code $groups}, {@code $group_0} … {@code $group_4}, …) and {@code distinct_id}.
     */
    static final List<String> EVENTS_HIDDEN = List.of("distinct_id", "$set", "$set_once", "$initial_referrer",
            "$initial_referring_domain", "$groups", "$group_type", "$group_key", "$group_set", "$group_0", "$group_1",
            "$group_2", "$group_3", "$group_4");

    /** A DRF BooleanField query parameter ({@link dev.quarry.web.DrfBoolean}): null when absent, empty or "null". */
    private static Boolean drfBoolean(String value, String name) {
        if (value == null || value.isEmpty() || value.equalsIgnoreCase("null")) {
            return null;
        }
        return dev.quarry.web.DrfBoolean.read(com.fasterxml.jackson.databind.node.TextNode.valueOf(value), name);
    }

    /** {@code excluded_properties}: a JSON list of names (PostHog json.loads it); absent: none. */
    private List<String> parseNames(String json, String name) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            JsonNode node = mapper.readTree(json);
            if (node != null && node.isArray()) {
                List<String> out = new ArrayList<>();
                for (JsonNode n : node) {
                    out.add(n.isTextual() ? n.textValue() : n.toString());
                }
                return out;
            }
        } catch (IOException e) {
            // falls through to the error below
        }
        throw new ValidationException(name + " must be a JSON list of property names", name);
    }

    @GET
    @Path("{id}")
    @RequiresScopes("property_definition:read")
    public Uni<ObjectNode> get(@PathParam("id") String id) {
        return definitions.property(auth.teamId(), Edits.existing(id))
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .map(d -> d.toJson(mapper, null));
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("property_definition:write")
    public Uni<ObjectNode> update(@PathParam("id") String id, JsonNode body) {
        UUID uuid = Edits.existing(id);
        Definitions.Edit edit = Edits.parse(body, true);
        return definitions.updateProperty(auth.teamId(), uuid, edit, auth.key().userId())
                .onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .map(d -> d.toJson(mapper, null));
    }

    /**
     * {@code group_type_index} as PostHog's PropertyDefinitionQuerySerializer checks it: an integer (else DRF's "A
     * valid integer is required."), required for {@code type=group} ("`group_type_index` must be set for `group`
     * type"), refused for the other types ("`group_type_index` can only set for `group` type"), and within 0…4
     * ("Invalid value for `group_type_index`"; PostHog lets 0 through that check by its truthiness, as it is valid).
     *
     * @return the index, -1 for the other types
     */
    static int groupTypeIndex(String value, boolean group) {
        Integer index = null;
        if (value != null && !value.isEmpty()) {
            String digits = value.trim();
            if (!digits.matches("[+-]?[0-9]{1,1000}")) {
                throw new ValidationException("A valid integer is required.", "group_type_index");
            }
            // DRF's IntegerField reads any size of integer (Python's int): one past int's range is out of 0…4
            java.math.BigInteger parsed = new java.math.BigInteger(digits);
            index = parsed.bitLength() < 32 ? parsed.intValue() : -1;
        }
        if (group && index == null) {
            throw new ValidationException("`group_type_index` must be set for `group` type", null);
        }
        if (!group && index != null) {
            throw new ValidationException("`group_type_index` can only set for `group` type", null);
        }
        if (index != null && (index < 0 || index >= 5)) {
            throw new ValidationException("Invalid value for `group_type_index`", null);
        }
        return index == null ? -1 : index;
    }

    private List<String> parseEventNames(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(json);
            if (node.isArray()) {
                List<String> out = new ArrayList<>();
                for (JsonNode n : node) {
                    if (!n.isTextual()) {
                        throw new ValidationException("event_names must be a JSON list of event names", "event_names");
                    }
                    out.add(n.asText());
                }
                return out;
            }
        } catch (IOException e) {
            // falls through to the error below
        }
        throw new ValidationException("event_names must be a JSON list of event names", "event_names");
    }

    /**
     * {@code DELETE :id/}: 204 with no body, 404 "Not found." for an id the project does not have. This process forgets
     * the names it knew stored for the project, so its next capture of the name records it again (another instance
     * does within {@link DefinitionsRecorder}'s cache lifetime).
     */
    @DELETE
    @Path("{id}")
    @RequiresScopes("property_definition:write")
    public Uni<Response> delete(@PathParam("id") String id) {
        long teamId = auth.teamId();
        return definitions.deleteProperty(teamId, Edits.existing(id))
                .map(deleted -> {
                    if (!deleted) {
                        throw new NotFoundException("Not found.");
                    }
                    recorder.forgetTeam(teamId);
                    return Response.noContent().build();
                });
    }
}
