package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryExecutor;
import dev.quarry.query.QueryIds;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.util.List;

/**
 * The legacy persons actor lists (persons/lifecycle, persons/stickiness, …): the legacy filter becomes an
 * ActorsQuery over the insight's own cell, answered by the same runner as POST query, so the list always adds up
 * to the number beside it; then PostHog's {@code {results: [{people, count}], next}} envelope.
 */
@ApplicationScoped
public class PersonActors {
    private final ActorsQueryRunner actors;
    private final QueryExecutor executor;
    private final ObjectMapper mapper;
    private final Clock clock = Clock.systemUTC();

    public PersonActors(ActorsQueryRunner actors, QueryExecutor executor, ObjectMapper mapper) {
        this.actors = actors;
        this.executor = executor;
        this.mapper = mapper;
    }

    public record Page(List<JsonNode> people, boolean hasMore, long missing) {
    }

    /** The persons of one insight cell, a page at a time. */
    public Uni<Page> people(Team team, ObjectNode source, int limit, int offset, String search) {
        ObjectNode query = mapper.createObjectNode().put("kind", "ActorsQuery");
        query.set("source", source);
        query.putArray("select").add("person");
        query.put("limit", limit);
        query.put("offset", offset);
        if (search != null && !search.isBlank()) {
            query.put("search", search);
        }
        QueryContext context = new QueryContext(team, QueryIds.newId(), executor, mapper, clock.instant());
        return actors.run(context, query).map(body -> {
            List<JsonNode> people = new java.util.ArrayList<>();
            body.path("results").forEach(row -> people.add(row.get(0)));
            return new Page(people, body.path("hasMore").asBoolean(false), body.path("missing_actors_count").asLong(0));
        });
    }

    /** {@code {results: [{people, count}], next}}; next is this request's absolute URL with the offset moved on. */
    public ObjectNode envelope(Page page, URI requestUrl, String offsetParam, String limitParam, int limit, int offset) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode results = body.putArray("results");
        ObjectNode entry = results.addObject();
        entry.putArray("people").addAll(page.people());
        entry.put("count", page.people().size());
        body.put("next", page.hasMore() ? PageLinks.with(requestUrl, offsetParam, offset + limit, limitParam, limit) : null);
        return body;
    }

    /** The funnel envelope: the people envelope plus {@code initial}, {@code missing_persons} and the cache fields. */
    public ObjectNode funnelEnvelope(Page page, URI requestUrl, String offsetParam, String limitParam, int limit,
                                     int offset) {
        ObjectNode body = envelope(page, requestUrl, offsetParam, limitParam, limit, offset);
        body.put("initial", PageLinks.with(requestUrl, offsetParam, 0, limitParam, limit));
        body.put("missing_persons", page.missing());
        body.put("is_cached", false);
        body.put("last_refresh", dev.quarry.query.QueryValues.timestamp(
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)));
        return body;
    }
}
