package dev.quarry.activity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.data.Team;
import dev.quarry.data.UserBasic;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.DrfDateTime;
import dev.quarry.web.JsonAnswer;
import dev.quarry.web.LinkUrls;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A project's activity log, every scope, as PostHog answers it: {@code activity_log/} ({@code ActivityLogViewSet}:
 * {@code user}, {@code scope}, {@code scopes}, {@code item_id}) and {@code advanced_activity_logs/}
 * ({@code AdvancedActivityLogsViewSet}: the filters of {@link ActivityLogFilter#advanced}) with its
 * {@code available_filters/}. Scope {@code activity_log:read}.
 * <p>
 * Pages: without {@code page}, cursor pages ({@code {next, previous, results}}, {@code page_size} entries, default
 * 100, at most 1,000; {@code next}/{@code previous} absolute URLs with an opaque {@code cursor}; an unreadable cursor
 * is a 404 "Invalid cursor"), newest first or, with {@code ordering=created_at}, oldest first, where
 * {@code follow=true} keeps a {@code next} link after the last entry so that a poller can ask again; with
 * {@code page}, page-number pages ({@code {count, next, previous, results}}; a page past the last is a 404 "Invalid
 * page."). An entry is {@code {id, user, unread, organization_id, team_id, was_impersonated, is_system, activity,
 * item_id, scope, detail, client, ip_address, created_at}} ({@code unread} false: Quarry keeps no notification
 * bookmarks). A cursor page stops before the response limit with {@code next} at the first entry left out; a
 * page-number page that would not fit is a 400 {@code response_too_large} (ask for a smaller {@code page_size}).
 * Answers are written to bytes on a worker ({@link JsonAnswer}), never on the event loop. An entry whose detail alone
 * is larger than an answer (only entries written before changes were bounded, {@code ActivityLogEntries}) is answered
 * with its name and {@code "elided": true, "bytes": n} instead of its changes. Two of a project's activity log
 * requests run at once on this instance (more are 429s), each holding its place until its statements end.
 */
@Path(ApiPaths.PROJECT)
@Produces(MediaType.APPLICATION_JSON)
public class ActivityLogResource {
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    /** Where an oldest-first poll with nothing read yet starts: before every entry. */
    private static final ActivityLogSql.Position ORIGIN = new ActivityLogSql.Position(
            OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), new UUID(0, 0));

    private final RequestAuth auth;
    private final ActivityLogs logs;
    private final ObjectMapper mapper;
    /**
     * A project's activity log requests at once on this instance, reading and rendering included (more are 429s): a
     * page or the filter discovery may carry a whole answer's worth of details.
     */
    static final dev.quarry.web.ProjectGate READS = new dev.quarry.web.ProjectGate(2,
            "Too many activity log reads are running for this project at once. Try again shortly.");

    public ActivityLogResource(RequestAuth auth, ActivityLogs logs, ObjectMapper mapper) {
        this.auth = auth;
        this.logs = logs;
        this.mapper = mapper;
    }

    @GET
    @Path("activity_log")
    @RequiresScopes("activity_log:read")
    public Uni<Response> list(@Context UriInfo uri, @Context HttpServerRequest request) {
        Map<String, List<String>> parameters = uri.getQueryParameters();
        ActivityLogFilter filter = ActivityLogFilter.classic(parameters);
        // ActivityLogViewSet leaves page_size to DRF's paginator: unreadable or below 1 is the default, above the
        // maximum is the maximum
        String size = ActivityLogFilter.single(parameters, "page_size");
        int pageSize = DEFAULT_PAGE_SIZE;
        if (size != null && size.strip().matches("\\d{1,9}") && Integer.parseInt(size.strip()) > 0) {
            pageSize = Math.min(MAX_PAGE_SIZE, Integer.parseInt(size.strip()));
        }
        Integer page = pageNumber(parameters, false);
        int perPage = pageSize;
        return READS.run(auth.teamId(), () -> answer(filter, parameters, page, perPage, false, request.absoluteURI())
                .map(body -> JsonAnswer.of(mapper, body)));
    }

    @GET
    @Path("advanced_activity_logs")
    @RequiresScopes("activity_log:read")
    public Uni<Response> advanced(@Context UriInfo uri, @Context HttpServerRequest request) {
        Map<String, List<String>> parameters = uri.getQueryParameters();
        ActivityLogFilter filter = ActivityLogFilter.advanced(parameters, mapper);
        String size = ActivityLogFilter.single(parameters, "page_size");
        int pageSize = DEFAULT_PAGE_SIZE;
        if (size != null) {
            pageSize = ActivityLogFilter.integer(size, "page_size");
            if (pageSize < 1) {
                throw new ValidationException("Ensure this value is greater than or equal to 1.", "page_size");
            }
            if (pageSize > MAX_PAGE_SIZE) {
                throw new ValidationException("Ensure this value is less than or equal to " + MAX_PAGE_SIZE + ".",
                        "page_size");
            }
        }
        String follow = ActivityLogFilter.single(parameters, "follow");
        boolean following = follow != null && List.of("true", "True", "1").contains(follow);
        Integer page = pageNumber(parameters, true);
        int perPage = pageSize;
        return READS.run(auth.teamId(), () -> answer(filter, parameters, page, perPage, following, request.absoluteURI())
                .map(body -> JsonAnswer.of(mapper, body)));
    }

    @GET
    @Path("advanced_activity_logs/available_filters")
    @RequiresScopes("activity_log:read")
    public Uni<Response> availableFilters() {
        return READS.run(auth.teamId(), () -> logs.values(auth.teamId()).emitOn(Infrastructure.getDefaultWorkerPool()).map(values -> {
            ObjectNode body = mapper.createObjectNode();
            ObjectNode statics = body.putObject("static_filters");
            ArrayNode users = statics.putArray("users");
            values.users().forEach(u -> users.addObject().put("value", u.uuid()).put("label", u.label()));
            ArrayNode scopes = statics.putArray("scopes");
            values.scopes().forEach(s -> scopes.addObject().put("value", s));
            ArrayNode activities = statics.putArray("activities");
            values.activities().forEach(a -> activities.addObject().put("value", a));
            statics.putArray("clients");
            body.set("detail_fields", DetailFields.of(mapper, values.samples()));
            return JsonAnswer.of(mapper, body);
        }));
    }

    /**
     * {@code page} as the advanced serializer reads it (an integer of at least 1, else a 400), or as DRF's
     * paginator reads it for the classic list (anything but a positive integer: 404 "Invalid page."); null without.
     */
    private static Integer pageNumber(Map<String, List<String>> parameters, boolean validated) {
        String page = ActivityLogFilter.single(parameters, "page");
        if (page == null || page.isEmpty()) {
            return null;
        }
        if (validated) {
            int number = ActivityLogFilter.integer(page, "page");
            if (number < 1) {
                throw new ValidationException("Ensure this value is greater than or equal to 1.", "page");
            }
            return number;
        }
        if (!page.strip().matches("\\d{1,9}") || Integer.parseInt(page.strip()) < 1) {
            throw new NotFoundException("Invalid page.");
        }
        return Integer.parseInt(page.strip());
    }

    private Uni<ObjectNode> answer(ActivityLogFilter filter, Map<String, List<String>> parameters, Integer page,
                                   int pageSize, boolean follow, String requestUrl) {
        Team team = auth.team();
        long budget = ResponseLimit.MAX_ENCODED_BYTES - ResponseLimit.PAGE_ENVELOPE_BYTES;
        if (page != null) {
            long offset = (long) (page - 1) * pageSize;
            return logs.count(team.id(), filter).flatMap(count -> {
                if (page > 1 && offset >= count) {
                    throw new NotFoundException("Invalid page.");
                }
                return logs.page(team.id(), filter, filter.ascending(), null, offset, pageSize, budget)
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .map(read -> {
                            EntryJson.Rendered rendered = EntryJson.render(mapper, team, read.entries(), budget);
                            if (rendered.cut()) {
                                throw ResponseTooLargeException.page("page_size");
                            }
                            ObjectNode body = mapper.createObjectNode();
                            body.put("count", count);
                            body.put("next", (long) page * pageSize < count ? LinkUrls.withParameters(requestUrl,
                                    Map.of("page", Integer.toString(page + 1))) : null);
                            body.put("previous", page > 1 ? LinkUrls.withParameters(requestUrl,
                                    Map.of("page", Integer.toString(page - 1))) : null);
                            body.set("results", rendered.rows());
                            return body;
                        });
            });
        }
        Cursor cursor = Cursor.decode(ActivityLogFilter.single(parameters, "cursor"));
        boolean reverse = cursor != null && cursor.reverse();
        boolean ascending = filter.ascending() != reverse;
        return logs.page(team.id(), filter, ascending, cursor == null ? null : cursor.position(), 0, pageSize, budget)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(read -> {
                    EntryJson.Rendered rendered = EntryJson.render(mapper, team, read.entries(), budget);
                    boolean more = read.more() || rendered.cut();
                    List<ActivityLogs.Entry> kept = new ArrayList<>(read.entries().subList(0, rendered.count()));
                    ArrayNode rows = rendered.rows();
                    if (reverse) {
                        Collections.reverse(kept);
                        List<JsonNode> reversed = new ArrayList<>();
                        rows.forEach(reversed::add);
                        Collections.reverse(reversed);
                        rows = mapper.createArrayNode().addAll(reversed);
                    }
                    String next = null;
                    String previous = null;
                    if (!reverse) {
                        if (!kept.isEmpty() && more) {
                            next = link(requestUrl, new Cursor(false, position(kept.get(kept.size() - 1))));
                        } else if (follow && filter.ascending()) {
                            ActivityLogSql.Position from = !kept.isEmpty() ? position(kept.get(kept.size() - 1))
                                    : cursor != null ? cursor.position() : ORIGIN;
                            next = link(requestUrl, new Cursor(false, from));
                        }
                        if (cursor != null) {
                            previous = link(requestUrl, new Cursor(true,
                                    kept.isEmpty() ? cursor.position() : position(kept.get(0))));
                        }
                    } else {
                        if (!kept.isEmpty() && more) {
                            previous = link(requestUrl, new Cursor(true, position(kept.get(0))));
                        }
                        next = link(requestUrl, new Cursor(false,
                                kept.isEmpty() ? cursor.position() : position(kept.get(kept.size() - 1))));
                    }
                    ObjectNode body = mapper.createObjectNode();
                    body.put("next", next);
                    body.put("previous", previous);
                    body.set("results", rows);
                    return body;
                });
    }

    private static ActivityLogSql.Position position(ActivityLogs.Entry entry) {
        return new ActivityLogSql.Position(entry.createdAt(), entry.id());
    }

    private static String link(String requestUrl, Cursor cursor) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("cursor", cursor.encode());
        return LinkUrls.withParameters(requestUrl, parameters);
    }

    /** A cursor page's start: after {@code position}, in the list's order or ({@code reverse}) against it. */
    private record Cursor(boolean reverse, ActivityLogSql.Position position) {
        String encode() {
            Instant at = position.createdAt().toInstant();
            // seconds and microseconds apart: ChronoUnit.MICROS.between counts nanoseconds, which overflow before
            // 1677 and after 2262 (a crafted cursor of year 1 was a 500, breaker pass 2)
            long micros = Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
            String text = (reverse ? "r" : "f") + "|" + micros + "|" + position.id();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor sent, null when none; 404 "Invalid cursor" (DRF's words) when it is not one of ours. */
        static Cursor decode(String value) {
            if (value == null || value.isEmpty()) {
                return null;
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(value.strip()), StandardCharsets.UTF_8);
                String[] parts = text.split("\\|", -1);
                if (parts.length != 3 || !(parts[0].equals("f") || parts[0].equals("r"))) {
                    throw new IllegalArgumentException("not a cursor");
                }
                long micros = Long.parseLong(parts[1]);
                OffsetDateTime at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1_000L).atOffset(ZoneOffset.UTC);
                if (at.getYear() < 1 || at.getYear() > 9999) { // outside what PostgreSQL and Quarry's cursors hold
                    throw new IllegalArgumentException("not a cursor");
                }
                return new Cursor(parts[0].equals("r"), new ActivityLogSql.Position(at, UUID.fromString(parts[2])));
            } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
                throw new NotFoundException("Invalid cursor");
            }
        }
    }
}
