package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;

/** POST query: picks the runner, applies overrides, answers from the cache or runs the query. */
@ApplicationScoped
public class QueryService {
    private final QueryRunners runners;
    private final QueryCache cache;
    private final QueryExecutor executor;
    private final ObjectMapper mapper;
    private final Clock clock = Clock.systemUTC();

    public QueryService(QueryRunners runners, QueryCache cache, QueryExecutor executor, ObjectMapper mapper) {
        this.runners = runners;
        this.cache = cache;
        this.executor = executor;
        this.mapper = mapper;
    }

    public Uni<QueryReply> submit(Team team, QueryRequest request) {
        QueryRunner runner = runners.get(request.kind());
        ObjectNode query = FiltersOverride.apply(request.query(), request.filtersOverride(), request.variablesOverride());
        String queryId = request.clientQueryId() != null ? request.clientQueryId() : QueryIds.newId();
        String cacheKey = cache.key(team.id(), team.timezone(), query);
        if (!runner.cacheable()) {
            return calculate(team, runner, query, queryId, cacheKey, false).map(body -> new QueryReply(200, body));
        }
        Uni<QueryCache.Entry> cached = request.refresh().isForced() ? Uni.createFrom().nullItem() : cache.get(team.id(), cacheKey);
        return cached.flatMap(entry -> {
            if (entry != null && isFresh(entry, runner.interval(query), request.refresh())) {
                return Uni.createFrom().item(new QueryReply(200, withCacheFields(entry.response(), team, cacheKey,
                        entry.lastRefresh(), runner.interval(query), true)));
            }
            return calculate(team, runner, query, queryId, cacheKey, true).map(body -> new QueryReply(200, body));
        });
    }

    /** Runs the query now and stores the answer; the body carries the cache fields. */
    Uni<ObjectNode> calculate(Team team, QueryRunner runner, ObjectNode query, String queryId, String cacheKey,
                              boolean store) {
        Instant now = clock.instant();
        long started = System.nanoTime();
        QueryContext context = new QueryContext(team, queryId, executor, mapper, now);
        return runner.run(context, query).flatMap(result -> {
            if (!result.has("timings")) {
                result.putArray("timings").addObject().put("k", "./run").put("t", (System.nanoTime() - started) / 1e9);
            }
            ObjectNode body = withCacheFields(result, team, cacheKey, now, runner.interval(query), false);
            return store ? cache.put(team.id(), cacheKey, result, now).replaceWith(body) : Uni.createFrom().item(body);
        });
    }

    private boolean isFresh(QueryCache.Entry entry, String interval, RefreshMode mode) {
        Instant freshUntil = entry.lastRefresh().plus(QueryCache.freshness(interval));
        if (mode.isLazy()) {
            freshUntil = freshUntil.plus(QueryCache.LAZY_EXTENSION);
        }
        return clock.instant().isBefore(freshUntil);
    }

    ObjectNode withCacheFields(ObjectNode result, Team team, String cacheKey, Instant lastRefresh, String interval,
                               boolean isCached) {
        ObjectNode body = result.deepCopy();
        body.put("is_cached", isCached);
        body.put("last_refresh", QueryValues.timestamp(QueryCache.utc(lastRefresh)));
        body.put("next_allowed_client_refresh",
                QueryValues.timestamp(QueryCache.utc(lastRefresh.plus(QueryCache.MIN_CLIENT_REFRESH))));
        body.put("cache_target_age",
                QueryValues.timestamp(QueryCache.utc(lastRefresh.plus(QueryCache.freshness(interval)))));
        body.put("cache_key", cacheKey);
        body.put("timezone", team.timezone());
        if (!body.has("query_status")) {
            body.putNull("query_status");
        }
        return body;
    }
}
