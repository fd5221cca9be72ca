package dev.quarry.query;

import dev.quarry.web.QueryValues;
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
    private final QueryPlans plans;
    @jakarta.inject.Inject Clock clock;

    public QueryService(QueryRunners runners, QueryCache cache, QueryExecutor executor, QueryStatusStore statuses,
                        QueryDispatcher dispatcher, ObjectMapper mapper, QueryPlans plans) {
        this.runners = runners;
        this.cache = cache;
        this.executor = executor;
        this.statuses = statuses;
        this.dispatcher = dispatcher;
        this.mapper = mapper;
        this.plans = plans;
    }

    /**
     * POST query, following PostHog's {@code QueryRunner.run}: force_async always enqueues (202 with the status);
     * force_blocking always calculates; otherwise the cache is read first. A fresh answer comes back at once (with
     * the status of a still running query of the same {@code client_query_id}, if any). A stale one is recalculated
     * in place for blocking; async and async_except_on_cache_miss return it while a recalculation runs (202 with
     * {@code query_status}); lazy_async returns it, enqueuing only past its longer window. A miss is calculated,
     * except for async and lazy_async, which answer {@code {cache_key, query_status}} (202). Enqueuing reuses the
     * status of an earlier run with the same id unless a recalculation was asked for. Blocking runs never read the
     * status store, so a reused {@code client_query_id} cannot answer with another query's results.
     */
    public Uni<QueryReply> submit(Team team, QueryRequest request) {
        QueryRunner<?> runner = runners.get(request.kind());
        ObjectNode query = FiltersOverride.apply(request.query(), request.kind(), request.filtersOverride(),
                request.variablesOverride());
        // parsed once, here: a query with an unknown or malformed field is a 400 before anything runs or is enqueued
        QueryRunners.Parsed<?> parsed = QueryRunners.parse(runner, query);
        String queryId = request.clientQueryId() != null ? request.clientQueryId() : QueryIds.newId();
        if (!runner.cacheable()) {
            QueryContext context = new QueryContext(team, mapper, clock.instant());
            // HogQLMetadata validates without running anything: in the project's lane too, never on the event loop
            return plans.run(team, context.now(), queryId, () -> parsed.plan(context)).map(QueryService::reply);
        }
        return cache.key(team, query)
                .flatMap(cacheKey -> cachedOrCalculated(team, request, query, parsed, queryId, cacheKey));
    }

    private Uni<QueryReply> cachedOrCalculated(Team team, QueryRequest request, ObjectNode query,
            QueryRunners.Parsed<?> parsed, String queryId, String cacheKey) {
        RefreshMode mode = request.refresh();
        if (mode == RefreshMode.FORCE_ASYNC) {
            return enqueue(team, query, request.kind(), queryId, cacheKey, true).map(this::statusReply);
        }
        if (mode == RefreshMode.FORCE_BLOCKING) {
            return calculate(team, parsed, queryId, cacheKey, true).map(QueryService::reply);
        }
        return cache.get(team.id(), cacheKey).flatMap(entry -> {
            if (entry == null) {
                if (mode == RefreshMode.ASYNC || mode == RefreshMode.LAZY_ASYNC) {
                    return enqueue(team, query, request.kind(), queryId, cacheKey, false).map(status -> {
                        ObjectNode miss = mapper.createObjectNode().put("cache_key", cacheKey);
                        miss.set("query_status", status.json(mapper));
                        return reply(miss, status.status());
                    });
                }
                return calculate(team, parsed, queryId, cacheKey, true).map(QueryService::reply);
            }
            CachePolicy policy = CachePolicy.of(request.kind(), parsed.query(), entry.response());
            ObjectNode cached = withCacheFields(entry.response(), team, cacheKey, entry.lastRefresh(), policy, true);
            Instant now = clock.instant();
            if (!policy.isStale(entry.lastRefresh(), now, false)) {
                return attachRunning(team, request, cached);
            }
            return switch (mode) {
                case ASYNC, ASYNC_EXCEPT_ON_CACHE_MISS -> enqueue(team, query, request.kind(), queryId, cacheKey, true)
                        .map(status -> reply(cached.set("query_status", status.json(mapper)), status.status()));
                case LAZY_ASYNC -> policy.isStale(entry.lastRefresh(), now, true)
                        ? enqueue(team, query, request.kind(), queryId, cacheKey, false)
                                .map(status -> withRunning(cached, status))
                        : attachRunning(team, request, cached);
                default -> calculate(team, parsed, queryId, cacheKey, true).map(QueryService::reply);
            };
        });
    }

    /**
     * PostHog's {@code CACHE_ONLY_NEVER_CALCULATE} (a saved insight retrieved without {@code refresh}, or with
     * {@code force_cache}): the cached answer of the query, whatever its age, with the cache fields
     * ({@code is_cached: true}), or null when nothing is cached or the kind is not cached. Nothing is calculated or
     * enqueued; the query is read by its record as a run reads it (a malformed one is a 400).
     */
    public Uni<ObjectNode> cachedOnly(Team team, QueryRequest request) {
        QueryRunner<?> runner = runners.get(request.kind());
        ObjectNode query = FiltersOverride.apply(request.query(), request.kind(), request.filtersOverride(),
                request.variablesOverride());
        QueryRunners.Parsed<?> parsed = QueryRunners.parse(runner, query);
        if (!runner.cacheable()) {
            return Uni.createFrom().nullItem();
        }
        return cache.key(team, query).flatMap(cacheKey -> cache.get(team.id(), cacheKey)
                .map(entry -> entry == null ? null : withCacheFields(entry.response(), team, cacheKey,
                        entry.lastRefresh(), CachePolicy.of(request.kind(), parsed.query(), entry.response()), true)));
    }

    /** Whether POST query runs {@code kind} (a runner bean answers it); see {@link QueryRunners#kinds()}. */
    public boolean answers(String kind) {
        return runners.answers(kind);
    }

    /** A cached answer carries the status of a still running query of its client_query_id (PostHog's get_async_query_status). */
    private Uni<QueryReply> attachRunning(Team team, QueryRequest request, ObjectNode cached) {
        if (request.clientQueryId() == null) {
            return Uni.createFrom().item(reply(cached));
        }
        // a finished status is not shown (withRunning), and a running one has no answer yet: its text is not read
        return statuses.getWithoutResults(team.id(), request.clientQueryId())
                .map(status -> withRunning(cached, status == null ? null : new Shown(status, true)));
    }

    /** A cached answer with the status of a run still going on ({@code query_status} stays null for a finished one). */
    private QueryReply withRunning(ObjectNode cached, Shown status) {
        if (status == null || status.status().complete()) {
            return reply(cached.set("query_status", mapper.nullNode()), null);
        }
        return reply(cached.set("query_status", status.json(mapper)), status.status());
    }

    /**
     * A status about to be answered, and whether it was read back from the store (answered in jsonb's key order)
     * or made by this request ({@link QueryStatus#json}).
     */
    private record Shown(QueryStatus status, boolean stored) {
        ObjectNode json(ObjectMapper mapper) {
            return status.json(mapper, stored);
        }
    }

    /**
     * Starts an async run under {@code queryId}. Without {@code refreshRequested}, an existing status of that id
     * comes back instead and nothing is started, as PostHog's enqueue_process_query_task does; that read is a status
     * read with the result, so it passes the project's {@link #statusGate} (a breaker's 400 POSTs reusing a finished
     * 3 MB query's id read it all at once and ran the heap out).
     */
    private Uni<Shown> enqueue(Team team, ObjectNode query, String kind, String queryId, String cacheKey,
                               boolean refreshRequested) {
        Uni<QueryStatus> existing = refreshRequested ? Uni.createFrom().nullItem()
                : statusGate(team.id()).run(team.id(), () -> statuses.get(team.id(), queryId));
        return existing.flatMap(found -> {
            if (found != null) {
                return Uni.createFrom().item(new Shown(found, true));
            }
            Instant now = clock.instant();
            QueryStatus status = statuses.newStatus(team.id(), queryId, now);
            java.util.UUID run = java.util.UUID.randomUUID();
            return statuses.create(status, run, now)
                    .flatMap(x -> dispatcher.dispatch(new AsyncQueryJob(team.id(), queryId, query, kind, cacheKey, run)))
                    .map(x -> new Shown(status, false));
        });
    }

    /**
     * How many of a project's status reads run at once ({@link #statusGate}); the rest wait in order, never on a thread.
     */
    static final int STATUS_READS_AT_ONCE = 4;
    /** Status reads of a project that may wait for their turn; past it a 503 with Retry-After. */
    static final int STATUS_READS_WAITING = 1_000;
    private final java.util.Map<Long, StatementSlots> statusGates = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The gate a project's status reads pass: at most {@link #STATUS_READS_AT_ONCE} at once. A status read takes a pool
     * connection and reads a finished query's whole result: 150 concurrent GETs of one 3 MB result from one key took
     * every pool connection (the other project got a 503) and ran the heap out, when each read also parsed the result
     * (it is now answered as its stored text, {@link QueryStatus#storedResults}). Reads wait rather than being
     * refused, so a dashboard polling many tiles at once is served in turn.
     */
    StatementSlots statusGate(long teamId) {
        return statusGates.computeIfAbsent(teamId, id -> new StatementSlots(STATUS_READS_AT_ONCE, STATUS_READS_WAITING));
    }

    /**
     * GET query/:id: 202 while running, 200 done, 400 user error, 500 internal error, 404 unknown. A finished answer is
     * read once, as the text stored for it, and answered as that text (never parsed here).
     */
    public Uni<QueryReply> status(Team team, String queryId, boolean showProgress) {
        return statusGate(team.id()).run(team.id(), () -> statuses.get(team.id(), queryId)).map(status -> {
            if (status == null) {
                throw new NotFoundException("Query " + queryId + " not found for team " + team.id());
            }
            QueryStatus shown = showProgress && !status.complete()
                    ? status.withProgress(QueryStatus.Progress.since(status.pickedUp(), clock.instant())) : status;
            return statusReply(new Shown(shown, true));
        });
    }

    /**
     * DELETE query/:id: stops the query in PostgreSQL wherever it runs, and forgets its status; always 200
     * {@code {"message": …}}, as PostHog's cancel_query answers (it catches QueryNotFoundError and carries on). A
     * finished status is "Query already complete" (the status stays); otherwise whatever runs under the id is cancelled
     * ("Cancelled query on clickhouse", or with {@code dequeueOnly} nothing is stopped: "Only tried to dequeue, not
     * cancelling query on clickhouse"). An id the project has no status for (unknown, expired, or another project's:
     * statuses and running statements are found by project and id, so another project's query is never touched)
     * answers the same messages with nothing to stop.
     */
    public Uni<QueryReply> cancel(Team team, String queryId, boolean dequeueOnly) {
        // no status (unknown id, or a blocking run, which has none) counts as an unfinished query
        return statuses.getWithoutResults(team.id(), queryId).map(status -> status != null && status.complete())
                .flatMap(complete -> {
            if (complete) {
                // The id's latest run is done, but an earlier run under the same client_query_id may still be
                // running (a reused id starts a new run): cancel whatever runs under the id, or say it is done.
                return dequeueOnly ? Uni.createFrom().item(message("Query already complete"))
                        : executor.cancel(team.id(), queryId).map(stopped -> message(stopped
                                ? "Cancelled query on clickhouse" : "Query already complete"));
            }
            Uni<Boolean> stop = dequeueOnly ? Uni.createFrom().item(false) : executor.cancel(team.id(), queryId);
            return statuses.delete(team.id(), queryId).flatMap(x -> stop).map(stopped -> message(dequeueOnly
                    ? "Only tried to dequeue, not cancelling query on clickhouse" : "Cancelled query on clickhouse"));
        });
    }

    private QueryReply message(String text) {
        return new QueryReply(200, mapper.createObjectNode().put("message", text));
    }

    private QueryReply statusReply(Shown shown) {
        QueryStatus status = shown.status();
        int code;
        if (!status.complete()) {
            code = 202;
        } else if (!status.error()) {
            code = 200;
        } else {
            code = status.errorMessage() != null ? 400 : 500;
        }
        return new QueryReply(code, mapper.createObjectNode().set("query_status", shown.json(mapper)));
    }

    /** A calculated or cached answer: 200. */
    private static QueryReply reply(ObjectNode body) {
        return reply(body, null);
    }

    /** 202 while {@code status} (the body's query_status) says a query is still running, else 200 (PostHog's create). */
    private static QueryReply reply(ObjectNode body, QueryStatus status) {
        return new QueryReply(status != null && !status.complete() ? 202 : 200, body);
    }

    /** Runner statements return every row they compute (bucket × breakdown counts are bounded by the runner). */
    public static final int NO_LIMIT = 10_000_000;

    /**
     * How a runner's HogQL becomes SQL ({@link QueryPlans} calls it for every runner statement): the AST with its
     * placeholder values, compiled for the team (team wall, its timezone, bind parameters) by the HogQL compiler.
     *
     * @param now the run's clock instant (from the injected {@link Clock}): what HogQL's {@code now()} reads
     * @param limit LIMIT added to a top level without one (an explicit one is capped at {@code max(limit, NO_LIMIT)})
     * @throws dev.quarry.web.ValidationException 400 for a query that does not compile
     */
    public static dev.quarry.hogql.CompiledQuery compile(Team team, Instant now, dev.quarry.hogql.SelectLike ast,
                                                         java.util.Map<String, Object> values, int limit) {
        return compile(team, now, ast, values, limit, dev.quarry.hogql.PropertyTypes.NONE);
    }

    /** {@link #compile(Team, Instant, dev.quarry.hogql.SelectLike, java.util.Map, int)} with the team's property types. */
    static dev.quarry.hogql.CompiledQuery compile(Team team, Instant now, dev.quarry.hogql.SelectLike ast,
            java.util.Map<String, Object> values, int limit, dev.quarry.hogql.PropertyTypes types) {
        try {
            dev.quarry.hogql.CompileSettings settings = dev.quarry.hogql.CompileSettings.of(team.id())
                    .withTimezone(team.timezone())
                    .withNow(now)
                    .withValues(values)
                    .withLimits(limit, Math.max(limit, NO_LIMIT))
                    .withPropertyTypes(types);
            return dev.quarry.hogql.HogQLCompiler.compile(ast, settings);
        } catch (dev.quarry.hogql.HogQLException e) {
            throw new dev.quarry.web.ValidationException(e.getMessage(), null);
        }
    }

    /** Runs the query now and stores the answer; the body carries the cache fields. */
    Uni<ObjectNode> calculate(Team team, QueryRunners.Parsed<?> parsed, String queryId, String cacheKey,
                              boolean store) {
        Instant now = clock.instant();
        long started = System.nanoTime();
        QueryContext context = new QueryContext(team, mapper, now);
        // the definitions version before the run reads any definition: the answer is stored only if no retype moved
        // it on meanwhile (QueryCache.put)
        Uni<Long> version = store ? cache.definitionsVersion(team.id()) : Uni.createFrom().nullItem();
        // Planning and compiling run in the project's lane on the worker pool, never the event loop: a compile uses
        // up to its CompileBudget, and the event loop serves every other project's requests meanwhile.
        return version.flatMap(definitionsVersion -> plans.run(team, now, queryId, () -> parsed.plan(context))
                .flatMap(result -> {
            // as PostHog's AnalyticsQueryRunner.calculate: timings only when modifiers.timings asks for them
            if (!parsed.timings()) {
                result.putNull("timings");
            } else if (!result.has("timings") || result.get("timings").isEmpty()) {
                result.putArray("timings").addObject().put("k", "./run").put("t", (System.nanoTime() - started) / 1e9);
            }
            // every answer but metadata's says the modifiers it was computed with, the node's and the team defaults
            if (!parsed.runner().kind().equals("HogQLMetadata")) {
                result.set("modifiers", ResolvedModifiers.of(parsed.modifiers(), mapper));
            }
            // an answer no response could carry is refused here, before it is cached or stored as an async result:
            // a cached one would be served (and read) again on every repeat of the query
            String stored = deliverable(result);
            ObjectNode body = withCacheFields(result, team, cacheKey, now, CachePolicy.of(parsed.runner().kind(), parsed.query(), result), false);
            return store ? cache.put(team.id(), cacheKey, stored, now, definitionsVersion).replaceWith(body)
                    : Uni.createFrom().item(body);
        }));
    }

    /**
     * The answer's JSON text, once it is known to fit in a response ({@link dev.quarry.web.ResponseLimit}).
     *
     * @throws dev.quarry.web.ResponseTooLargeException 400 {@code response_too_large} when it would not
     */
    private String deliverable(ObjectNode result) {
        byte[] json;
        try {
            json = dev.quarry.web.ResponseLimit.write(mapper, result);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a query's answer", e);
        }
        return new String(json, java.nio.charset.StandardCharsets.UTF_8);
    }

    ObjectNode withCacheFields(ObjectNode result, Team team, String cacheKey, Instant lastRefresh, CachePolicy policy,
                               boolean isCached) {
        ObjectNode body = result.deepCopy();
        body.put("is_cached", isCached);
        body.put("last_refresh", QueryValues.timestamp(QueryCache.utc(lastRefresh)));
        body.put("next_allowed_client_refresh",
                QueryValues.timestamp(QueryCache.utc(policy.nextAllowedClientRefresh(lastRefresh))));
        body.put("cache_target_age", QueryValues.timestamp(QueryCache.utc(policy.targetAge(lastRefresh))));
        body.put("cache_key", cacheKey);
        body.put("timezone", team.timezone());
        body.putNull("query_status");
        return body;
    }
}
