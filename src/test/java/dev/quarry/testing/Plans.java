package dev.quarry.testing;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Plan overrides for tests that send far more calls than a customer's rate limits allow. */
public final class Plans {
    private Plans() {
    }

    /** The project keeps the default plan's quotas but its keys are not rate-limited in practice. */
    public static void withoutRateLimits(Pool pool, long teamId) {
        pool.preparedQuery("INSERT INTO team_plans (team_id, plan_id, hogql_per_hour, query_per_minute, query_per_hour, "
                        + "persons_per_minute, persons_per_hour) VALUES ($1, 'default', 1000000, 1000000, 1000000, 1000000, "
                        + "1000000) ON CONFLICT (team_id) DO UPDATE SET hogql_per_hour = 1000000, query_per_minute = 1000000, "
                        + "query_per_hour = 1000000, persons_per_minute = 1000000, persons_per_hour = 1000000")
                .execute(Tuple.of(teamId)).await().indefinitely();
    }
}
