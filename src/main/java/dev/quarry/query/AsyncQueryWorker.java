package dev.quarry.query;

import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.ApiException;
import dev.quarry.web.QueryTimeoutException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Runs one async query and records how it went in its status: picked up, then complete with results, or complete
 * with an error (the message only for errors the user can act on, and for a timeout). A status deleted meanwhile
 * (cancelled) is not brought back.
 */
@ApplicationScoped
public class AsyncQueryWorker {
    private static final Logger LOG = Logger.getLogger(AsyncQueryWorker.class);
    /** PostHog's ClickHouseQueryTimeOut detail, word for word. */
    static final String TIMEOUT_MESSAGE = QueryTimeoutException.DETAIL;
    private static final java.time.Duration STATUS_RETRY_FIRST = java.time.Duration.ofSeconds(1);
    private static final java.time.Duration STATUS_RETRY_MAX = java.time.Duration.ofSeconds(15);
    private static final int STATUS_RETRIES = 8;
    /**
     * A run refused because the project (or this instance) has no room for its statements is tried again, as PostHog's
     * Celery tasks retry {@code CHQueryErrorTooManySimultaneousQueries}: exponential back-off from 1 s up to 10 s between
     * tries. PostHog stops after 10 more tries (about 75 s); Quarry's statements may run 60 s and a run's statements
     * 180 s together, so it tries 20 more times (about 3 minutes): a query queued behind three runs of a full budget
     * still gets its turn (a breaker's flood gave up at 55–74 s, before the first statements' 60 s had passed).
     */
    static final java.time.Duration BUSY_RETRY_FIRST = java.time.Duration.ofSeconds(1);
    static final java.time.Duration BUSY_RETRY_MAX = java.time.Duration.ofSeconds(10);
    static final int BUSY_RETRIES = 20;

    private final Teams teams;
    private final QueryStatusStore statuses;
    private final QueryRunners runners;
    private final QueryService service;
    @jakarta.inject.Inject Clock clock;

    public AsyncQueryWorker(Teams teams, QueryStatusStore statuses, QueryRunners runners, QueryService service) {
        this.teams = teams;
        this.statuses = statuses;
        this.runners = runners;
        this.service = service;
    }

    public Uni<Void> process(AsyncQueryJob job) {
        return teams.findById(job.teamId()).flatMap(team -> {
            if (team == null) {
                return Uni.createFrom().voidItem();
            }
            Instant pickedUp = clock.instant();
            return statuses.update(team.id(), job.queryId(), job.run(), QueryStatus.Patch.pickup(pickedUp), pickedUp)
                    .flatMap(stillWanted -> stillWanted ? run(team, job) : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> run(Team team, AsyncQueryJob job) {
        // a try after the first runs only while the status is still there (not cancelled meanwhile)
        java.util.concurrent.atomic.AtomicBoolean tried = new java.util.concurrent.atomic.AtomicBoolean();
        Uni<java.util.Optional<com.fasterxml.jackson.databind.node.ObjectNode>> attempt = Uni.createFrom().deferred(() -> {
            Uni<Boolean> wanted = tried.getAndSet(true) ? statuses.isCurrent(team.id(), job.queryId(), job.run())
                    : Uni.createFrom().item(true);
            return wanted.flatMap(still -> still
                    ? service.calculate(team, QueryRunners.parse(runners.get(job.kind()), job.query()), job.queryId(),
                            job.cacheKey(), true).map(java.util.Optional::of)
                    : Uni.createFrom().item(java.util.Optional.empty()));
        });
        return retriedWhileBusy(attempt, BUSY_RETRY_FIRST, BUSY_RETRY_MAX, BUSY_RETRIES)
                .onItemOrFailure().transformToUni((answer, failure) -> {
                    if (failure == null && answer.isEmpty()) {
                        return Uni.createFrom().voidItem(); // cancelled while it waited for room
                    }
                    com.fasterxml.jackson.databind.node.ObjectNode body = failure == null ? answer.get() : null;
                    Instant end = clock.instant();
                    QueryStatus.Patch patch;
                    if (failure == null) {
                        patch = QueryStatus.Patch.succeeded(end, body);
                    } else if (failure instanceof QueryTimeoutException) {
                        // PostHog exposes a timeout (ClickHouseQueryTimeOut) with its default text, so GET
                        // query/:id answers 400 and the frontend shows it.
                        patch = QueryStatus.Patch.failed(end, TIMEOUT_MESSAGE);
                    } else if (failure instanceof ApiException api && api.status() < 500) {
                        patch = QueryStatus.Patch.failed(end, api.getMessage());
                    } else {
                        LOG.errorf(failure, "Async query %s of team %d failed", job.queryId(), team.id());
                        patch = QueryStatus.Patch.failed(end, null);
                    }
                    // the run's end is written even when the database was away as the run failed (a restart drops
                    // every connection, and the first writes after it fail too): retried for about a minute, so a
                    // client polling GET query/:id sees the error instead of "running" until the status expires
                    return retriedWhileAway(statuses.update(team.id(), job.queryId(), job.run(), patch, end).replaceWithVoid(),
                            STATUS_RETRY_FIRST, STATUS_RETRY_MAX, STATUS_RETRIES);
                });
    }

    /**
     * {@code run} (lazy: each subscription runs it again) tried again with exponential back-off from {@code first} up
     * to {@code max}, at most {@code times} more times, while it is refused for want of room ({@link #busy}); any other
     * failure, or the last refusal, fails the Uni.
     */
    static <T> Uni<T> retriedWhileBusy(Uni<T> run, java.time.Duration first, java.time.Duration max, int times) {
        return run.onFailure(AsyncQueryWorker::busy).retry().withBackOff(first, max).atMost(times);
    }

    /**
     * The project has no free statement slot or lane place (429), or this instance has too many statements waiting
     * (503): room comes back when the running ones end.
     */
    static boolean busy(Throwable failure) {
        return failure instanceof dev.quarry.web.ThrottledException
                || failure instanceof dev.quarry.web.ServiceUnavailableException;
    }

    /**
     * {@code write} (a lazy statement: each subscription runs it again) retried with exponential back-off from
     * {@code first} up to {@code max} between tries, at most {@code times} more times, while it fails because the
     * database is away ({@link #databaseAway}); any other failure, or the last one, fails the Uni.
     */
    static <T> Uni<T> retriedWhileAway(Uni<T> write, java.time.Duration first, java.time.Duration max, int times) {
        return write.onFailure(AsyncQueryWorker::databaseAway).retry().withBackOff(first, max).atMost(times);
    }

    /** The database unreachable or restarting, or no connection free in time: worth writing the status again. */
    static boolean databaseAway(Throwable failure) {
        return dev.quarry.web.DatabaseFailures.classify(failure) instanceof dev.quarry.web.ServiceUnavailableException;
    }
}
