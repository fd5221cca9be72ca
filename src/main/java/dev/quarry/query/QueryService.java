package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.web.NotFoundException;
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
    private final QueryStatusStore statuses;
    private final QueryDispatcher dispatcher;
    private final ObjectMapper mapper;
    private final Clock clock = Clock.systemUTC();

    public QueryService(QueryRunners runners, QueryCache cache, QueryExecutor executor, QueryStatusStore statuses,
                        QueryDispatcher dispatcher, ObjectMapper mapper) {
        this.runners = runners;
        this.cache = cache;
        this.executor = executor;
        this.statuses = statuses;
        this.dispatcher = dispatcher;
        this.mapper = mapper;
    }

    public Uni<QueryReply> submit(Team team, QueryRequest request) {
        QueryRunner runner = runners.get(request.kind());
        ObjectNode query = FiltersOverride.apply(request.query(), request.filtersOverride(), request.variablesOverride());
        String queryId = request.clientQueryId() != null ? request.clientQueryId() : QueryIds.newId();
        String cacheKey = cache.key(team.id(), team.timezone(), query);
        RefreshMode mode = request.refresh();
        Uni<ObjectNode> existing = request.clientQueryId() != null && !mode.isForced()
                ? statuses.get(team.id(), queryId) : Uni.createFrom().nullItem();
        return existing.flatMap(status -> {
            if (status != null) {
                return Uni.createFrom().item(statusReply(status));
            }
            if (!runner.cacheable()) {
                return calculate(team, runner, query, queryId, cacheKey, false).map(QueryService::ok);
            }
            Uni<QueryCache.Entry> cached = mode.isForced() ? Uni.createFrom().nullItem() : cache.get(team.id(), cacheKey);
            return cached.flatMap(entry -> {
                String interval = runner.interval(query);
                if (entry != null && isFresh(entry, interval, mode)) {
                    return Uni.createFrom().item(ok(withCacheFields(entry.response(), team, cacheKey,
                            entry.lastRefresh(), interval, true)));
                }
                boolean async = switch (mode) {
                    case ASYNC, LAZY_ASYNC, FORCE_ASYNC -> true;
                    case ASYNC_EXCEPT_ON_CACHE_MISS -> entry != null;
                    default -> false;
                };
                return async ? enqueue(team, query, queryId, cacheKey)
                        : calculate(team, runner, query, queryId, cacheKey, true).map(QueryService::ok);
            });
        });
    }

    private Uni<QueryReply> enqueue(Team team, ObjectNode query, String queryId, String cacheKey) {
        Instant now = clock.instant();
        ObjectNode status = statuses.newStatus(team.id(), queryId, now);
        return statuses.create(status, now)
                .flatMap(x -> dispatcher.dispatch(new AsyncQueryJob(team.id(), queryId, query, cacheKey)))
                .map(x -> statusReply(status));
    }

    /** GET query/:id: 202 while running, 200 done, 400 user error, 500 internal error, 404 unknown. */
    public Uni<QueryReply> status(Team team, String queryId, boolean showProgress) {
        return statuses.get(team.id(), queryId).map(status -> {
            if (status == null) {
                throw new NotFoundException("Query " + queryId + " not found for team " + team.id());
            }
            if (showProgress && !status.path("complete").asBoolean() && status.hasNonNull("pickup_time")) {
                Instant pickup = Instant.parse(status.get("pickup_time").asText());
                ObjectNode progress = status.putObject("query_progress");
                progress.putNull("bytes_read");
                progress.putNull("rows_read");
                progress.putNull("estimated_rows_total");
                progress.put("time_elapsed", java.time.Duration.between(pickup, clock.instant()).toMillis() / 1000.0);
                progress.putNull("active_cpu_time");
            }
            return statusReply(status);
        });
    }

    /**
     * DELETE query/:id: stops the query in PostgreSQL wherever it runs, and forgets its status. An id the project
     * has no status and no running statement for (unknown, or another project's) is 404, as PostHog answers
     * QueryNotFoundError.
     */
    public Uni<QueryReply> cancel(Team team, String queryId, boolean dequeueOnly) {
        return statuses.get(team.id(), queryId).flatMap(status -> status != null ? Uni.createFrom().item(status)
                : executor.isRunning(team.id(), queryId).map(running -> {
                    if (!running) {
                        throw new NotFoundException("Query " + queryId + " not found for team " + team.id());
                    }
                    return mapper.createObjectNode();
                })).flatMap(status -> {
            if (status.path("complete").asBoolean()) {
                return Uni.createFrom().item(message("Query already complete"));
            }
            Uni<Boolean> stop = dequeueOnly ? Uni.createFrom().item(false) : executor.cancel(team.id(), queryId);
            return statuses.delete(team.id(), queryId).flatMap(x -> stop).map(stopped -> message(dequeueOnly
                    ? "Only tried to dequeue, not cancelling query on clickhouse" : "Cancelled query on clickhouse"));
        });
    }

    private QueryReply message(String text) {
        return new QueryReply(200, mapper.createObjectNode().put("message", text));
    }

    private QueryReply statusReply(ObjectNode status) {
        int code;
        if (!status.path("complete").asBoolean()) {
            code = 202;
        } else if (!status.path("error").asBoolean()) {
            code = 200;
        } else {
            code = status.hasNonNull("error_message") ? 400 : 500;
        }
        return new QueryReply(code, mapper.createObjectNode().set("query_status", status));
    }

    private static QueryReply ok(ObjectNode body) {
        return new QueryReply(200, body);
    }

    /** Runs the query now and stores the answer; the body carries the cache fields. */
    Uni<ObjectNode> calculate(Team team, QueryRunner runner, ObjectNode query, String queryId, String cacheKey,
                              boolean store) {
        Instant now = clock.instant();
        long started = System.nanoTime();
        QueryContext context = new QueryContext(team, queryId, executor, mapper, now);
        // Compiling runs on a worker thread, never the event loop: a compile uses up to its CompileBudget, and the
        // event loop serves every other project's requests meanwhile.
        return Uni.createFrom().deferred(() -> runner.run(context, query))
                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .flatMap(result -> {
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
