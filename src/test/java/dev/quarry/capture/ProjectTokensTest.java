package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Capture names its project by the public token: a found token is kept for a minute, a token that names no project is
 * read again at every request.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ProjectTokensTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    @Test
    void aFoundTokenIsKeptForAMinuteAndAnUnknownOneIsNeverKept() {
        Project project = TestProjects.create("Project tokens");
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        ProjectTokens tokens = new ProjectTokens(pool, clock::get);
        String unknown = "phc_notYetAnyProjectsToken" + project.id();

        assertEquals(project.id(), tokens.teamIdOf(project.apiToken()).await().atMost(WAIT));
        assertNull(tokens.teamIdOf(unknown).await().atMost(WAIT));

        // the project's token changes in the database: the new one is found at once (misses are not kept), the old
        // one keeps naming the project until its minute is over
        setToken(project.id(), unknown);
        assertEquals(project.id(), tokens.teamIdOf(unknown).await().atMost(WAIT));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertEquals(project.id(), tokens.teamIdOf(project.apiToken()).await().atMost(WAIT));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(2));
        assertNull(tokens.teamIdOf(project.apiToken()).await().atMost(WAIT));
        assertNull(tokens.teamIdOf(null).await().atMost(WAIT));
        setToken(project.id(), project.apiToken());
    }

    private void setToken(long teamId, String token) {
        pool.preparedQuery("UPDATE teams SET api_token = $1 WHERE id = $2").execute(Tuple.of(token, teamId))
                .await().atMost(WAIT);
    }
}
