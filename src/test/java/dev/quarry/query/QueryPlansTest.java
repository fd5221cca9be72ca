package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.data.Team;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.web.ValidationException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The runner contract: a runner returns a {@link QueryPlan} and {@link QueryPlans} alone compiles and executes it.
 * Independent parts come back in order, a step builds its statement from the rows before it, every statement of
 * the run is logged under the run's query id, and a statement that does not compile fails the run (400) before any
 * statement of it was sent.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryPlansTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    QueryPlans plans;

    @Inject
    Pool direct;

    private static Team team(long id) {
        return new Team(id, UUID.randomUUID(), UUID.randomUUID(), "plans", "token", "UTC", 0, null, null);
    }

    private static QueryPlan<Long> number(long n) {
        return QueryPlan.run(HogQLStatement.parse("TrendsQuery", "SELECT {n} + 0 AS v", Map.of("n", n)))
                .map(result -> result.rows().iterator().next().getLong(0));
    }

    private long logged(long team, String queryId) {
        return direct.preparedQuery("SELECT count(*) FROM query_log WHERE team_id = $1 AND query_id = $2")
                .execute(Tuple.of(team, queryId)).await().atMost(WAIT).iterator().next().getLong(0);
    }

    @Test
    void partsComeBackInOrderAndAStepReadsTheRowsBeforeIt() {
        long id = TestProjects.create("Plans in order").id();
        QueryPlan<Long> plan = QueryPlan.all(List.of(number(1), number(20), number(300)))
                .flatMap(parts -> {
                    assertEquals(List.of(1L, 20L, 300L), parts);
                    return number(parts.stream().mapToLong(Long::longValue).sum());
                });
        assertEquals(321L, plans.run(team(id), "plans-ok", () -> plan).await().atMost(WAIT));
        assertEquals(4L, logged(id, "plans-ok"));
    }

    @Test
    void aStatementThatDoesNotCompileFailsTheRunBeforeAnyStatementRuns() {
        long id = TestProjects.create("Plans not compiling").id();
        QueryPlan<List<Long>> plan = QueryPlan.all(List.of(number(1),
                QueryPlan.run(HogQLStatement.parse("TrendsQuery", "SELECT no_such_column FROM events", Map.of()))
                        .map(result -> 0L)));
        CompletionException failed = assertThrows(CompletionException.class,
                () -> plans.run(team(id), "plans-bad", () -> plan).subscribeAsCompletionStage().join());
        assertInstanceOf(ValidationException.class, failed.getCause());
        // the same plan with both statements compiling logs both (above): here neither was sent
        assertEquals(0L, logged(id, "plans-bad"));
    }

    @Test
    void aRunnerContextHoldsNothingThatReachesTheDatabase() {
        List<String> components = java.util.Arrays.stream(QueryContext.class.getRecordComponents())
                .map(c -> c.getType().getSimpleName()).toList();
        assertEquals(List.of("Team", "ObjectMapper", "Instant"), components);
    }
}
