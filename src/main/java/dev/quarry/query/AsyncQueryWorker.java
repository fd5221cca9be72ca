package dev.quarry.query;

import dev.quarry.web.QueryValues;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.ApiException;
import dev.quarry.web.QueryTimeoutException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
    static final String TIMEOUT_MESSAGE = "Query has hit the max execution time before completing. See our docs for "
            + "how to improve your query performance. You may need to materialize.";

    private final Teams teams;
    private final QueryStatusStore statuses;
    private final QueryRunners runners;
    private final QueryService service;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public AsyncQueryWorker(Teams teams, QueryStatusStore statuses, QueryRunners runners, QueryService service,
                            ObjectMapper mapper) {
        this.teams = teams;
        this.statuses = statuses;
        this.runners = runners;
        this.service = service;
        this.mapper = mapper;
    }

    public Uni<Void> process(AsyncQueryJob job) {
        return teams.findById(job.teamId()).flatMap(team -> {
            if (team == null) {
                return Uni.createFrom().voidItem();
            }
            Instant pickedUp = clock.instant();
            ObjectNode pickup = mapper.createObjectNode().put("pickup_time", stamp(pickedUp));
            return statuses.update(team.id(), job.queryId(), pickup, pickedUp)
                    .flatMap(stillWanted -> stillWanted ? run(team, job) : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> run(Team team, AsyncQueryJob job) {
        return Uni.createFrom().deferred(() -> service.calculate(team,
                        QueryRunners.parse(runners.get(job.kind()), job.query()), job.queryId(), job.cacheKey(), true))
                .onItemOrFailure().transformToUni((body, failure) -> {
                    Instant end = clock.instant();
                    ObjectNode patch = mapper.createObjectNode().put("complete", true).put("end_time", stamp(end));
                    if (failure == null) {
                        patch.put("error", false).set("results", body);
                    } else {
                        patch.put("error", true);
                        if (failure instanceof QueryTimeoutException) {
                            // PostHog exposes a timeout (ClickHouseQueryTimeOut) with its default text, so GET
                            // query/:id answers 400 and the frontend shows it.
                            patch.put("error_message", TIMEOUT_MESSAGE);
                        } else if (failure instanceof ApiException api && api.status() < 500) {
                            patch.put("error_message", api.getMessage());
                        } else {
                            LOG.errorf(failure, "Async query %s of team %d failed", job.queryId(), team.id());
                            patch.putNull("error_message");
                        }
                    }
                    return statuses.update(team.id(), job.queryId(), patch, end).replaceWithVoid();
                });
    }

    private static String stamp(Instant instant) {
        return QueryValues.timestamp(instant.atOffset(ZoneOffset.UTC));
    }
}
