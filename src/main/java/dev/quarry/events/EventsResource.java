package dev.quarry.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.Csv;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * PostHog's events API, kept by PostHog for scripts that predate {@code POST query}: {@code GET events/} (a page of
 * events, newest first, {@code {"next", "results"}}, {@code ?format=csv}) and {@code GET events/:id/} (one event by
 * uuid) and {@code GET events/values/} (a property's values, {@link #values}). All need {@code query:read}, as PostHog's viewset asks. The filters and the event shape are
 * {@link EventList}'s. As PostHog Cloud answers: {@code limit} defaults to 100 (1,000 for CSV) and is at most 1,000;
 * an {@code offset} that is not an integer is 0 and one over 50,000 a 400; {@code next} repeats the request's
 * parameters with {@code before} (or, oldest first, {@code after}) set to the last event's time, and is null when no
 * more events follow (always null for CSV); every list answer carries {@code X-PostHog-Warn} pointing at PostHog's
 * events API page. A uuid that does not parse is PostHog's 400 "Invalid UUID", an event the project lacks a 404.
 */
@Path(ApiPaths.PROJECT + "/events")
@Produces({MediaType.APPLICATION_JSON, "text/csv"})
public class EventsResource {
    static final String WARN_HEADER = "X-PostHog-Warn";
    static final String WARN_LINK = "https://posthog.com/docs/api/events";

    private final RequestAuth auth;
    private final EventList events;
    private final ObjectMapper mapper;

    public EventsResource(RequestAuth auth, EventList events, ObjectMapper mapper) {
        this.auth = auth;
        this.events = events;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("query:read")
    public Uni<Response> list(@QueryParam("event") String event, @QueryParam("person_id") String personId,
                              @QueryParam("distinct_id") String distinctId, @QueryParam("before") String before,
                              @QueryParam("after") String after, @QueryParam("properties") String properties,
                              @QueryParam("orderBy") String orderBy, @QueryParam("action_id") String actionId,
                              @QueryParam("limit") String limit, @QueryParam("offset") String offset,
                              @QueryParam("include_person") String includePerson,
                              @QueryParam("format") String format, @Context HttpServerRequest request) {
        boolean csv = Csv.requested(format);
        int pageSize = limit(limit, csv);
        int skip = offset(offset);
        boolean ascending = ascending(orderBy);
        EventList.Filter filter = new EventList.Filter(emptyToNull(event), emptyToNull(personId), distinctId,
                before, after, PropertyFilter.parseLegacyParameter(properties, mapper), actionId, ascending);
        String url = request.absoluteURI();
        // rendered (a CSV of up to 10,000 events, or the JSON page) on a worker, not on the event loop
        return events.list(auth.team(), filter, pageSize, skip, isTrue(includePerson))
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool()).map(page -> {
            if (csv) {
                return Csv.postHogResponse(new ArrayList<JsonNode>(page.events()));
            }
            ObjectNode json = mapper.createObjectNode();
            if (page.hasMore() && page.lastTimestamp() != null) {
                json.put("next", EventLinks.next(url, ascending ? "after" : "before",
                        dev.quarry.web.DrfDateTime.isoformat(page.lastTimestamp())));
            } else {
                json.putNull("next");
            }
            json.putArray("results").addAll(page.events());
            return Response.fromResponse(dev.quarry.web.JsonAnswer.of(mapper, json)).header(WARN_HEADER, WARN_LINK)
                    .build();
        });
    }

    /**
     * PostHog's {@code GET events/values/?key=…&event_name=…} (repeatable {@code event_name}, {@code value} to
     * search, {@code is_column=true} for a column of the events table): {@code {"results": [{"name": …}],
     * "refreshing": false}} with {@code Cache-Control: max-age=10}, values as {@link EventList#values} finds them.
     * As PostHog answers a personal API key: {@code key} and {@code event_name} are required (400s with its
     * messages); {@code key=custom_event} lists the project's own event names ({@link EventList#customEvents}).
     */
    @GET
    @Path("values")
    @RequiresScopes("query:read")
    public Uni<Response> values(@QueryParam("key") String key, @QueryParam("event_name") List<String> eventNames,
                                @QueryParam("value") String value, @QueryParam("is_column") String isColumn) {
        if (key == null || key.isEmpty()) {
            throw new ValidationException("You must provide a key", null);
        }
        List<String> names = eventNames == null ? List.of() : eventNames;
        if (names.isEmpty()) {
            throw new ValidationException("The event_name parameter is required when using a personal API key. "
                    + "For queries without event filters, please use the Query endpoint instead: "
                    + "https://posthog.com/docs/api/query", null);
        }
        Uni<List<String>> found = key.equals("custom_event") ? events.customEvents(auth.team())
                : events.values(auth.team(), key, "true".equalsIgnoreCase(isColumn), names, value);
        return found.map(list -> {
            ObjectNode json = mapper.createObjectNode();
            com.fasterxml.jackson.databind.node.ArrayNode results = json.putArray("results");
            list.forEach(name -> results.addObject().put("name", name));
            json.put("refreshing", false);
            return Response.ok(json).type(MediaType.APPLICATION_JSON).header("Cache-Control", "max-age=10").build();
        });
    }

    @GET
    @Path("{id}")
    @RequiresScopes("query:read")
    public Uni<Response> retrieve(@PathParam("id") String id, @QueryParam("include_person") String includePerson,
                                  @QueryParam("format") String format) {
        boolean csv = Csv.requested(format);
        UUID uuid = dev.quarry.web.PythonUuid.parse(id);
        if (uuid == null) {
            throw new ValidationException("invalid", "Invalid UUID", null);
        }
        return events.find(auth.team(), uuid, isTrue(includePerson))
                .onItem().ifNull().failWith(() -> new NotFoundException("No events exist for event UUID " + id))
                .map(found -> csv ? Csv.postHogResponse(List.of(found))
                        : Response.ok(found).type(MediaType.APPLICATION_JSON).build());
    }

    /** PostHog reads {@code int(limit)} (ours: a 400 where PostHog fails), then caps it at 1,000. */
    static int limit(String text, boolean csv) {
        if (text == null || text.isEmpty()) {
            return csv ? EventList.MAX_LIMIT : EventList.DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException("invalid_input", "A valid integer is required.", "limit");
        }
        if (limit < 1) {
            throw new ValidationException("invalid_input", "Ensure this value is greater than or equal to 1.", "limit");
        }
        return Math.min(limit, EventList.MAX_LIMIT);
    }

    /** PostHog reads an offset that is not an integer as 0 and refuses one over 50,000. */
    static int offset(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        long offset;
        try {
            offset = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
        if (offset > EventList.MAX_OFFSET) {
            throw new ValidationException("Offset is deprecated. Max supported offset value is 50000", null);
        }
        if (offset < 0) {
            throw new ValidationException("invalid_input", "Ensure this value is greater than or equal to 0.", "offset");
        }
        return (int) offset;
    }

    /**
     * PostHog's {@code list(json.loads(orderBy))}: newest first only for exactly {@code ["-timestamp"]}; a JSON text
     * or object is listed (never that one item); anything else that is not a list is a 400 here (PostHog fails).
     */
    private boolean ascending(String orderBy) {
        if (orderBy == null || orderBy.isEmpty()) {
            return false;
        }
        JsonNode node;
        try {
            node = mapper.readTree(orderBy);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !(node.isArray() || node.isTextual() || node.isObject())) {
            throw new ValidationException("orderBy must be a JSON list, e.g. [\"-timestamp\"]", "orderBy");
        }
        return !(node.isArray() && node.size() == 1 && node.get(0).isTextual()
                && node.get(0).asText().equals("-timestamp"));
    }

    private static boolean isTrue(String flag) {
        return flag != null && (flag.equalsIgnoreCase("true") || flag.equals("1"));
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }
}
