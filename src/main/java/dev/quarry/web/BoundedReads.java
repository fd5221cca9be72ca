package dev.quarry.web;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.function.Function;

/**
 * Reads of a project that may read much of its data (a search over every saved insight, a filter on every activity
 * log entry's JSON), bounded so that no project holds the shared database for long: each runs in a transaction of its
 * own whose statements stop after {@code timeout} (a 504, {@link QueryTimeoutException}), and at most {@code atOnce}
 * of one project's run at once on this instance (more are 429s, {@link ThrottledException}, with {@code busy} as
 * their detail).
 */
public final class BoundedReads {
    private static final String QUERY_CANCELED = "57014";

    private final Pool pool;
    private final Duration timeout;
    private final ProjectGate gate;

    public BoundedReads(Pool pool, Duration timeout, int atOnce, String busy) {
        this.pool = pool;
        this.timeout = timeout;
        this.gate = new ProjectGate(atOnce, busy);
    }

    /** {@code read} on a connection of its own transaction, counted against the project's reads at once. */
    public <T> Uni<T> run(long teamId, Function<SqlConnection, Uni<T>> read) {
        return gate.run(teamId, () -> pool.withTransaction(conn -> conn
                        .preparedQuery("SELECT set_config('statement_timeout', $1, true)")
                        .execute(Tuple.of(Long.toString(timeout.toMillis())))
                        .flatMap(x -> read.apply(conn)))
                .onFailure(e -> e instanceof io.vertx.pgclient.PgException pg && QUERY_CANCELED.equals(pg.getSqlState()))
                .transform(e -> new QueryTimeoutException(timeout.toSeconds())));
    }
}
