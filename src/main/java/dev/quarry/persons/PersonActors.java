package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.insights.Actors;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlans;
import dev.quarry.web.DrfDateTime;
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
    private final QueryPlans plans;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public PersonActors(ActorsQueryRunner actors, QueryPlans plans, ObjectMapper mapper) {
        this.actors = actors;
        this.plans = plans;
        this.mapper = mapper;
    }

    public record Page(List<JsonNode> people, boolean hasMore, long missing) {
    }

    /** The persons of one insight cell, a page at a time; compiled in the project's lane, off the event loop. */
    public Uni<Page> people(Team team, ActorsQuery.Source source, int limit, int offset, String search) {
        ActorsQuery query = ActorsQuery.of(source, List.of("person"), search == null || search.isBlank() ? null
                : search, limit, offset);
        QueryContext context = new QueryContext(team, mapper, clock.instant());
        return plans.run(team, () -> actors.people(context, query)).map(page -> {
            List<JsonNode> people = new java.util.ArrayList<>();
            page.rows().forEach(row -> people.add(serialized(row.person())));
            return new Page(people, page.hasMore(), page.missingActors());
        });
    }

    /**
     * A person as PostHog's legacy endpoints serialize it ({@code SerializedPerson} of its actor queries: type, id,
     * uuid, created_at, properties, is_identified, name, distinct_ids, matched_recordings, value_at_data_point):
     * {@code created_at} rendered as DRF renders datetimes ({@code …T10:00:00Z}), and no {@code last_seen_at}, which
     * PostHog's legacy serializer does not write (so its CSV has no such column either).
     */
    private JsonNode serialized(Actors.Person person) {
        return new Actors.Person(person.uuid(), person.createdAt() == null ? null
                : DrfDateTime.reformat(person.createdAt()), person.properties(), person.identified(), person.name(),
                person.distinctIds()).toJson(mapper);
    }

    /**
     * {@code {results: [{people, count}], next}}. {@code next} is PostHog's {@code paginated_result}: present when
     * the page is full, built by {@link PageLinks#paginated}.
     */
    public ObjectNode envelope(Page page, URI requestUrl, int limit, int offset) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode results = body.putArray("results");
        ObjectNode entry = results.addObject();
        entry.putArray("people").addAll(page.people());
        entry.put("count", page.people().size());
        long rawCount = page.people().size() + page.missing();
        body.put("next", rawCount >= limit ? PageLinks.paginated(requestUrl, offset, limit) : null);
        return body;
    }

    /**
     * The funnel (and persons/trends) envelope: the people envelope plus {@code initial} (the request's own absolute URL, as PostHog's
     * {@code format_query_params_absolute_url(request, 0)} leaves it), {@code missing_persons} and the cache fields.
     */
    public ObjectNode funnelEnvelope(Page page, URI requestUrl, int limit, int offset) {
        ObjectNode body = envelope(page, requestUrl, limit, offset);
        body.put("initial", PageLinks.initial(requestUrl));
        return funnelFields(body, page);
    }

    /**
     * The funnel-correlation envelope: its {@code next} moves {@code funnel_correlation_person_offset} on (and sets
     * its limit) when the page is full — PostHog's {@code raw_count >= limit}, the actors of the page before persons
     * that no longer exist are dropped, so a full last page still links on; {@code initial} is the request's own
     * absolute URL.
     */
    public ObjectNode correlationEnvelope(Page page, URI requestUrl, int limit, int offset) {
        ObjectNode body = mapper.createObjectNode();
        ObjectNode entry = body.putArray("results").addObject();
        entry.putArray("people").addAll(page.people());
        entry.put("count", page.people().size());
        long rawCount = page.people().size() + page.missing();
        body.put("next", rawCount >= limit ? PageLinks.with(requestUrl, "funnel_correlation_person_offset",
                offset + limit, "funnel_correlation_person_limit", limit) : null);
        body.put("initial", PageLinks.initial(requestUrl));
        return funnelFields(body, page);
    }

    private ObjectNode funnelFields(ObjectNode body, Page page) {
        body.put("missing_persons", page.missing());
        body.put("is_cached", false);
        body.put("last_refresh", DrfDateTime.format(java.time.OffsetDateTime.now(clock)));
        return body;
    }

    /**
     * {@code ?format=csv}: PostHog's CSV renderer writes the envelope's {@code results}, one row
     * {@code {people, count}} flattened ({@code count, people.0.created_at, …}).
     */
    public static List<JsonNode> csvRows(ObjectNode envelope) {
        List<JsonNode> rows = new java.util.ArrayList<>();
        envelope.path("results").forEach(rows::add);
        return rows;
    }
}
