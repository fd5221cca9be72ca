package dev.quarry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/**
 * {@link Sessions} gives every top-level call a Hibernate Reactive session of its own: a caller resumes on the
 * context of the work it waited for, and two lookups it then starts together must not join that work's (closed)
 * session, or each other's (Hibernate Reactive allows one operation per session at a time: under a flood this was
 * "Illegal pop() with non-matching JdbcValuesSourceProcessingState" or "Session is closed", as 500s). A call made
 * inside another's work still joins it. Deterministic: the contexts and sessions are compared, not raced.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SessionsTest {
    /** Where one lookup ran: its Vert.x context and session, and what it read. */
    record Seen(Context context, Mutiny.Session session, long teams) {
    }

    private static Uni<Seen> lookup() {
        return Sessions.read(() -> Panache.getSession().chain(session -> TeamEntity.count()
                .map(n -> new Seen(Vertx.currentContext(), session, n))));
    }

    @Test
    void twoLookupsStartedTogetherAfterAFinishedOneEachGetTheirOwnSession() {
        List<Seen> seen = lookup().chain(first -> Uni.combine().all().unis(lookup(), lookup()).asTuple()
                        .map(pair -> List.of(first, pair.getItem1(), pair.getItem2())))
                .await().atMost(Duration.ofSeconds(30));
        Seen first = seen.get(0);
        Seen a = seen.get(1);
        Seen b = seen.get(2);
        // the two together: their own contexts and sessions, neither the finished one's
        assertNotSame(a.context(), b.context());
        assertNotSame(first.context(), a.context());
        assertNotSame(first.context(), b.context());
        assertNotSame(a.session(), b.session());
        assertNotSame(first.session(), a.session());
        assertNotSame(first.session(), b.session());
        assertTrue(a.teams() >= 0 && a.teams() == b.teams(), seen.toString());
    }

    @Test
    void aLookupMadeInsideAnothersWorkJoinsItsSession() {
        List<Mutiny.Session> sessions = Sessions.read(() -> Panache.getSession().chain(outer -> Sessions.read(
                        () -> Panache.getSession()).map(inner -> List.of(outer, inner))))
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(2, sessions.size());
        assertSame(sessions.get(0), sessions.get(1));
    }
}
