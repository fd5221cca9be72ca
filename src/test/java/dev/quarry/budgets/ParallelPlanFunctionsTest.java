package dev.quarry.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HogQL's PL/pgSQL helpers that catch errors (a bad regular expression or cast becomes NULL) open a subtransaction
 * per call, which PostgreSQL refuses in a parallel worker; marked parallel safe, they turned every query whose plan
 * went parallel into a server error ("cannot start subtransactions during a parallel operation"; found with
 * {@code match(…)} over a table large enough for a parallel plan). Migration V21_1 marks them parallel unsafe
 * (restricted is not enough: with a Gather in the plan the leader runs in parallel mode as well).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ParallelPlanFunctionsTest {
    @Inject
    Pool pool;

    @Test
    void noErrorCatchingHelperMayRunInParallelMode() {
        List<String> unsafe = new ArrayList<>();
        for (Row row : pool.query("SELECT p.proname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                + "WHERE p.proname LIKE 'hogql\\_%' AND l.lanname = 'plpgsql' AND p.prosrc ~* '\\mexception\\M' "
                + "AND p.proparallel <> 'u'").execute().await().indefinitely()) {
            unsafe.add(row.getString(0));
        }
        assertEquals(List.of(), unsafe);
    }

    @Test
    void theHelpersRunUnderAPlanForcedParallel() {
        // debug_parallel_query puts the statement in parallel mode whenever its plan allows it, so a helper that is not
        // parallel unsafe would open its subtransaction in parallel mode and fail
        Row row = pool.withTransaction(conn -> conn.query("SET LOCAL debug_parallel_query = on").execute()
                        .flatMap(x -> conn.query("SELECT count(*) FILTER (WHERE hogql_match('v' || g, '^(v+)+1')), "
                                + "count(hogql_to_date('2024-01-0' || (g % 9 + 1))), count(hogql_to_jsonb('{\"a\": ' || g || '}')) "
                                + "FROM generate_series(1, 50) g").execute()))
                .await().indefinitely().iterator().next();
        assertEquals(11L, row.getLong(0)); // v1 and v10–v19
        assertEquals(50L, row.getLong(1));
        assertEquals(50L, row.getLong(2));
    }
}
