package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.insights.Actors;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.query.CachePolicy;
import dev.quarry.query.QueryCache;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlans;
import dev.quarry.web.DrfDateTime;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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

    private final QueryCache cache;

    public PersonActors(ActorsQueryRunner actors, QueryPlans plans, ObjectMapper mapper, QueryCache cache) {
        this.actors = actors;
        this.plans = plans;
        this.mapper = mapper;
        this.cache = cache;
    }

    public record Page(List<JsonNode> people, boolean hasMore, long missing) {
    }

    /** The persons of one insight cell, a page at a time; compiled in the project's lane, off the event loop. */
    public Uni<Page> people(Team team, ActorsQuery.Source source, int limit, int offset, String search) {
        return people(team, source, null, limit, offset, search);
    }

    /**
     * The persons of a funnel step or correlation, paged in person-id order, as PostHog's legacy funnel actor queries
     * ({@code ORDER BY aggregation_target}) page them.
     */
    public Uni<Page> funnelPeople(Team team, ActorsQuery.Source source, int limit, int offset, String search) {
        return people(team, source, List.of("id"), limit, offset, search);
    }

    private Uni<Page> people(Team team, ActorsQuery.Source source, List<String> orderBy, int limit, int offset,
                             String search) {
        ActorsQuery query = ActorsQuery.of(source, List.of("actor"), search == null || search.isBlank() ? null
                : search, orderBy, limit, offset);
        QueryContext context = new QueryContext(team, mapper, clock.instant());
        return plans.run(team, () -> actors.people(context, query)).map(page -> {
            List<JsonNode> people = new java.util.ArrayList<>();
            // an insight aggregated by groups lists groups, as PostHog's SerializedGroup
            page.rows().forEach(row -> people.add(row.group() != null ? row.group().toLegacyJson(mapper)
                    : serialized(row.person())));
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
     * {@code format_query_params_absolute_url(request, 0)} leaves it) and {@code missing_persons}; {@link #cachedByFilter}
     * adds the cache fields.
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
        return body;
    }

    /**
     * PostHog's {@code cached_by_filters} around a legacy list with the cached-results envelope (persons/funnel,
     * persons/funnel/correlation, persons/trends): the answer is kept by the filter (every parameter the list reads,
     * its page included, its rendering format not; plus {@code cache_invalidation_key}) in the project's query cache,
     * and a repeat is answered from there with {@code is_cached: true} and the first {@code last_refresh} until it goes
     * stale by the filter's {@code interval} (day: 6 h, as PostHog's {@code is_stale_filter}), or until the client asks
     * for {@code refresh}. A fresh answer has {@code is_cached: false} and {@code last_refresh} now (DRF's format).
     * Unlike PostHog's, the key also holds the request's origin (scheme, host and port), since the answer's
     * {@code next} and {@code initial} are absolute URLs built from it: a request with a forged {@code Host} caches its
     * own entry and never hands its links to other callers. Deleting persons drops the project's entries
     * ({@link #dropCachedLists}), so a deleted person is not served from the cache.
     *
     * @param list the endpoint's name, so that two lists of one filter are kept apart
     * @param requestUrl the request's absolute URL, whose origin is part of the key
     * @param compute the envelope without the cache fields
     */
    public Uni<ObjectNode> cachedByFilter(Team team, String list, LegacyFilter filter, String invalidationKey,
                                          boolean refresh, URI requestUrl,
                                          java.util.function.Supplier<Uni<ObjectNode>> compute) {
        ObjectNode key = mapper.createObjectNode().put("kind", "LegacyPersons").put("list", list);
        ObjectNode filterNode = mapper.valueToTree(filter);
        filterNode.remove("format");
        key.set("filter", filterNode);
        key.put("cache_invalidation_key", invalidationKey);
        key.put("origin", requestUrl.getScheme() + "://" + requestUrl.getRawAuthority());
        CachePolicy policy = CachePolicy.ofInterval("FunnelsQuery", filter.interval());
        return cache.key(team, key).map(hash -> CACHED_LIST_PREFIX + hash).flatMap(cacheKey -> {
            Uni<QueryCache.Entry> cached = refresh ? Uni.createFrom().nullItem() : cache.get(team.id(), cacheKey);
            return cached.flatMap(entry -> {
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                if (entry != null && !policy.isStale(entry.lastRefresh(), now, false)) {
                    return Uni.createFrom().item(withCacheFields(entry.response(), true, entry.lastRefresh()));
                }
                return compute.get().flatMap(body -> cache.put(team.id(), cacheKey, body, now)
                        .replaceWith(() -> withCacheFields(body, false, now)));
            });
        });
    }

    /** The prefix of the query-cache keys of {@link #cachedByFilter}'s answers. */
    static final String CACHED_LIST_PREFIX = "legacy-persons:";

    /**
     * Drops the project's cached legacy person lists ({@link #cachedByFilter}), in the transaction of {@code conn}: a
     * person deleted there is not served from them afterwards.
     */
    public static Uni<Void> dropCachedLists(io.vertx.mutiny.sqlclient.SqlClient conn, long teamId) {
        return conn.preparedQuery("DELETE FROM query_cache WHERE team_id = $1 AND starts_with(cache_key, $2)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(teamId, CACHED_LIST_PREFIX)).replaceWithVoid();
    }

    private static ObjectNode withCacheFields(ObjectNode body, boolean cached, Instant lastRefresh) {
        ObjectNode out = body.deepCopy();
        out.put("is_cached", cached);
        out.put("last_refresh", DrfDateTime.format(lastRefresh.atOffset(ZoneOffset.UTC)));
        return out;
    }

    /**
     * Whether the client asked for a fresh answer, as PostHog's {@code refresh_requested_by_client}: {@code refresh}
     * from the query string, else from the body, set to anything but nothing, {@code ""}, {@code "false"} or false.
     */
    public static boolean refreshRequested(String queryValue, JsonNode body) {
        if (queryValue != null && !queryValue.isEmpty()) {
            return !queryValue.equals("false");
        }
        JsonNode value = body == null ? null : body.get("refresh");
        if (value == null || value.isNull() || (value.isBoolean() && !value.booleanValue())) {
            return false;
        }
        return !(value.isTextual() && (value.asText().isEmpty() || value.asText().equals("false")));
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
