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
 * those), {@code excluded_properties} (a JSON list), {@code is_feature_flag}, {@code exclude_hidden},
 * {@code exclude_core_properties} (event properties: no {@code $} name nor {@link #CORE_EVENT_PROPERTIES}), limit and
 * offset; {@code is_numerical=true} keeps the numerical ones (never distinct_id or timestamp), any other value filters
 * nothing, as PostHog; verified definitions first (PostHog's {@code verified DESC}), then by name;
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
                                                  @QueryParam("exclude_core_properties") String excludeCoreProperties,
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
        boolean withoutCore = Boolean.TRUE.equals(drfBoolean(excludeCoreProperties, "exclude_core_properties"));
        List<String> events = parseEventNames(eventNames);
        if (events != null && !events.isEmpty() && kind != DefinitionsRecorder.EVENT) {
            throw new ValidationException("`event_names` can only be set for `event` type", null);
        }
        List<String> excluded = new ArrayList<>(parseNames(excludedProperties, "excluded_properties"));
        // PostHog's with_excluded_core_properties: event properties lose ingestion's own names, or with
        // exclude_core_properties every $ name and the taxonomy's other event properties; other types neither
        boolean withoutDollar = kind == DefinitionsRecorder.EVENT && withoutCore;
        if (kind == DefinitionsRecorder.EVENT) {
            excluded.addAll(withoutCore ? CORE_EVENT_PROPERTIES : EVENTS_HIDDEN);
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
                    withoutHidden, withoutDollar);
            return definitions.properties(auth.teamId(), kind, groupIndex, names, search, isNumerical, listing,
                        page.limit(), page.offset())
                .map(found -> {
                    List<ObjectNode> rows = new ArrayList<>();
                    found.results().forEach(d -> rows.add(d.toJson(mapper, seenSet == null ? null : seenSet.contains(d.name()))));
                    return page.pageWithinLimit(url, found.count(), rows, mapper);
                });
        });
    }

    /**
     * The event properties PostHog's list never shows ({@code ALWAYS_EXCLUDED_EVENT_PROPERTIES}): ingestion's own
     * ({@code $set}, {@code $groups}, {@code $group_0} … {@code $group_4}, …), {@code distinct_id}, and the
     * {@code $session_entry_…} copies of session properties its taxonomy lists.
     */
    static final List<String> EVENTS_HIDDEN = List.of("distinct_id", "$set", "$set_once", "$initial_referrer",
            "$initial_referring_domain", "$groups", "$group_type", "$group_key", "$group_set", "$group_0", "$group_1",
            "$group_2", "$group_3", "$group_4", "$session_entry__kx", "$session_entry_dclid", "$session_entry_epik",
            "$session_entry_fbclid", "$session_entry_gad_source", "$session_entry_gbraid", "$session_entry_gclid",
            "$session_entry_gclsrc", "$session_entry_host", "$session_entry_igshid", "$session_entry_irclid",
            "$session_entry_li_fat_id", "$session_entry_mc_cid", "$session_entry_msclkid", "$session_entry_pathname",
            "$session_entry_qclid", "$session_entry_rdt_cid", "$session_entry_referrer",
            "$session_entry_referring_domain", "$session_entry_sccid", "$session_entry_ttclid", "$session_entry_twclid",
            "$session_entry_url", "$session_entry_utm_campaign", "$session_entry_utm_content",
            "$session_entry_utm_medium", "$session_entry_utm_source", "$session_entry_utm_term",
            "$session_entry_wbraid", "$session_entry_ph_keyword", "$session_entry_search_engine");

    /**
     * PostHog's {@code EXCLUDED_EVENT_CORE_PROPERTIES}: the event properties of its taxonomy without a {@code $}
     * (campaign parameters, mobile app fields, revenue, the unprefixed MCP fields, distinct_id), which
     * {@code exclude_core_properties} leaves out with every {@code $} name.
     */
    static final List<String> CORE_EVENT_PROPERTIES = List.of("distinct_id", "token", "utm_source", "utm_medium",
            "utm_campaign", "utm_name", "utm_content", "utm_term", "from_background", "url", "referring_application",
            "version", "previous_version", "build", "previous_build", "gclid", "rdt_cid", "epik", "qclid", "sccid",
            "irclid", "_kx", "gad_source", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid",
            "li_fat_id", "mc_cid", "igshid", "ttclid", "revenue", "currency", "mcp_client_name", "mcp_client_version",
            "mcp_oauth_client_name", "mcp_protocol_version", "mcp_consumer", "mcp_transport", "mcp_session_id",
            "mcp_conversation_id", "mcp_mode", "mcp_version", "tool_name", "resource_name", "duration_ms", "is_error",
            "source", "mcp_runtime", "mcp_vendor_client", "mcp_session_client_name", "mcp_session_client_version",
            "mcp_session_protocol_version", "mcp_session_consumer", "mcp_session_vendor_client");

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
    @io.smallrye.common.annotation.Blocking
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
        return definitions.deleteProperty(teamId, Edits.existing(id), auth.key().userId())
                .map(deleted -> {
                    if (!deleted) {
                        throw new NotFoundException("Not found.");
                    }
                    recorder.forgetTeam(teamId);
                    return Response.noContent().build();
                });
    }
}
