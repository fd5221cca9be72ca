package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A reused {@code client_query_id}: the second POST starts a new run of the id while the first still works. The
 * first run's end (a timeout after 60 s, or its own older answer) used to be written over the second run's status,
 * so GET query/:id answered the first query's result, or an error beside the second's results. Each run now writes
 * only its own status (V124_1).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class QueryStatusRunsTest {
    @Inject
    QueryStatusStore statuses;
    @Inject
    ObjectMapper mapper;

    @Test
    void anOlderRunNeverWritesOverANewerOne() {
        Project project = TestProjects.create("Status runs");
        String id = "reused-" + UUID.randomUUID();
        Instant now = Instant.now();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        statuses.create(statuses.newStatus(project.id(), id, now), first, now).await().indefinitely();
        assertTrue(statuses.isCurrent(project.id(), id, first).await().indefinitely());
        // the same id posted again: a new run, which finishes first with its answer
        statuses.create(statuses.newStatus(project.id(), id, now), second, now).await().indefinitely();
        assertFalse(statuses.isCurrent(project.id(), id, first).await().indefinitely());
        assertTrue(statuses.update(project.id(), id, second, QueryStatus.Patch.succeeded(now,
                mapper.createObjectNode().set("results", mapper.valueToTree(new int[][] {{44}}))), now)
                .await().indefinitely());
        // then the first run ends: its timeout, or its own answer, writes nothing
        assertFalse(statuses.update(project.id(), id, first, QueryStatus.Patch.failed(now, "timed out"), now)
                .await().indefinitely());
        assertFalse(statuses.update(project.id(), id, first, QueryStatus.Patch.succeeded(now,
                mapper.createObjectNode().set("results", mapper.valueToTree(new int[][] {{43}}))), now)
                .await().indefinitely());
        QueryStatus status = statuses.get(project.id(), id).await().indefinitely();
        assertFalse(status.error());
        assertTrue(status.complete());
        assertEquals(null, status.errorMessage());
        assertTrue(status.results().toString().contains("44"), status.results().toString());
        // another project's same id is its own
        assertFalse(statuses.isCurrent(project.id() + 100_000, id, second).await().indefinitely());
    }
}
