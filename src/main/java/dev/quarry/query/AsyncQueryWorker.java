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
            return statuses.update(team.id(), job.queryId(), QueryStatus.Patch.pickup(pickedUp), pickedUp)
                    .flatMap(stillWanted -> stillWanted ? run(team, job) : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> run(Team team, AsyncQueryJob job) {
        return Uni.createFrom().deferred(() -> service.calculate(team,
                        QueryRunners.parse(runners.get(job.kind()), job.query()), job.queryId(), job.cacheKey(), true))
                .onItemOrFailure().transformToUni((body, failure) -> {
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
                    return statuses.update(team.id(), job.queryId(), patch, end).replaceWithVoid();
                });
    }
}
