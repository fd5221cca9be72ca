package dev.quarry.capture;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The project id a capture request's public token (phc_…) names. Capture needs only the id, so a token is read with
 * one plain statement on the pool (no entity session) and a found id is kept for {@link #MAX_AGE_NANOS} (one minute),
 * as PostHog's ingestion keeps its token-to-team cache about a minute: at an SDK's batch size the lookup was one of
 * the request's round trips and a large share of its CPU. A token that names no project is never kept, so a project
 * created with it (or a token set later) is found at its first request; a token changed in the database stops
 * working at the latest one minute later (Quarry itself never changes or deletes a project's token). At most
 * {@link #MAX_ENTRIES} tokens are kept; past that the cache starts again empty.
 */
@ApplicationScoped
public class ProjectTokens {
    static final long MAX_AGE_NANOS = TimeUnit.MINUTES.toNanos(1);
    static final int MAX_ENTRIES = 10_000;

    private final Pool pool;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();

    /** A token's project id and when it was read ({@link System#nanoTime()}). */
    private record Known(long teamId, long readAt) {
    }

    @Inject
    public ProjectTokens(Pool pool) {
        this(pool, System::nanoTime);
    }

    ProjectTokens(Pool pool, LongSupplier nanoTime) {
        this.pool = pool;
        this.nanoTime = nanoTime;
    }

    /** @return the id of the project whose public token this is, or null when there is none (one statement at most) */
    public Uni<Long> teamIdOf(String token) {
        if (token == null) {
            return Uni.createFrom().nullItem();
        }
        long now = nanoTime.getAsLong();
        Known hit = known.get(token);
        if (hit != null && now - hit.readAt() < MAX_AGE_NANOS) {
            return Uni.createFrom().item(hit.teamId());
        }
        return pool.preparedQuery("SELECT id FROM teams WHERE api_token = $1").execute(Tuple.of(token)).map(rows -> {
            if (rows.size() == 0) {
                known.remove(token);
                return null;
            }
            long teamId = rows.iterator().next().getLong(0);
            if (known.size() >= MAX_ENTRIES) {
                known.clear();
            }
            known.put(token, new Known(teamId, now));
            return teamId;
        });
    }
}
