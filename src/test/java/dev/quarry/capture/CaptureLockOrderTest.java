package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * When a capture batch takes its advisory locks (EventIngestor.Locking): its events are written before it locks the
 * distinct ids that have no person yet, so a batch that must wait for another one's new ids waits only for that
 * batch's short persons phase, and whatever the other batch committed meanwhile is read and applied after the lock.
 * Another connection plays the other batch: it holds the id's advisory lock in an open transaction, as a batch in
 * its persons phase does, and writes what such a batch would.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CaptureLockOrderTest {
    private static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    EventIngestor ingestor;
    @Inject
    Teams teams;
    @Inject
    Pool pool;

    private Team team(String name) {
        return teams.findByApiToken(TestProjects.create(name).apiToken()).await().indefinitely();
    }

    private static CapturedEvent pageview(String distinctId, ObjectNode set) {
        return new CapturedEvent(UUID.randomUUID(), "$pageview", distinctId,
                JSON.objectNode().put("$browser", "Chrome"), T0, set, JSON.objectNode(), List.of());
    }

    /** The other batch: a transaction holding the advisory lock of {@code distinctId}. */
    private record Holder(SqlConnection conn, Transaction tx) {
        void commit() {
            tx.commit().await().atMost(Duration.ofSeconds(30));
            conn.close().await().indefinitely();
        }
    }

    private Holder holdLock(Team team, String distinctId) {
        SqlConnection conn = pool.getConnection().await().atMost(Duration.ofSeconds(30));
        Transaction tx = conn.begin().await().atMost(Duration.ofSeconds(30));
        conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                .execute(Tuple.of(EventIngestor.lockKey(team.id(), distinctId))).await().indefinitely();
        return new Holder(conn, tx);
    }

    /**
     * Polls (bounded) until a backend waits for an advisory lock; returns its pid.
     */
    private int waitingForAdvisoryLock() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            RowSet<Row> rows = pool.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                    .execute().await().indefinitely();
            if (rows.size() > 0) {
                return rows.iterator().next().getInteger(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no capture batch came to wait for the held advisory lock within 60 s");
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.tuple(List.of(args))).await().indefinitely().iterator().next()
                .getLong(0);
    }

    @Test
    void eventsAreWrittenBeforeTheNewIdsAreLocked() throws Exception {
        Team team = team("lock order events first");
        Holder other = holdLock(team, "new-id");
        CompletableFuture<Integer> batch = ingestor.ingest(team, List.of(pageview("new-id", JSON.objectNode())))
                .subscribeAsCompletionStage();
        try {
            int pid = waitingForAdvisoryLock();
            // while it waits, the batch has already inserted its events (and the rollup rows with them)
            assertEquals(1, count("SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'relation' "
                    + "AND relation = 'events'::regclass AND mode = 'RowExclusiveLock'", pid));
            assertEquals(1, count("SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'relation' "
                    + "AND relation = 'events_person_days'::regclass AND mode = 'RowExclusiveLock'", pid));
            // and no person of it is written yet
            assertEquals(0, count("SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'relation' "
                    + "AND relation = 'persons'::regclass AND mode = 'RowExclusiveLock'", pid));
            assertFalse(batch.isDone());
        } finally {
            other.commit();
        }
        assertEquals(1, batch.get());
        assertEquals(1, count("SELECT count(*) FROM persons WHERE team_id = $1", team.id()));
        assertEquals(1, count("SELECT count(*) FROM events e JOIN person_distinct_ids d ON d.team_id = e.team_id "
                + "AND d.distinct_id = e.distinct_id AND d.person_id = e.person_id WHERE e.team_id = $1", team.id()));
    }

    @Test
    void aPersonCreatedMeanwhileIsUpdatedNotCreatedAgain() throws Exception {
        Team team = team("lock order person created meanwhile");
        UUID own = PersonUuids.of(team.id(), "shared-new-id");
        Holder other = holdLock(team, "shared-new-id");
        CompletableFuture<Integer> batch = ingestor.ingest(team,
                        List.of(pageview("shared-new-id", JSON.objectNode().put("plan", "pro"))))
                .subscribeAsCompletionStage();
        try {
            waitingForAdvisoryLock();
            // the other batch creates the id's person, as a batch would: its deterministic uuid
            other.conn().preparedQuery("INSERT INTO persons (team_id, uuid, created_at, properties) "
                            + "VALUES ($1, $2, $3, '{\"company\": \"acme\"}')")
                    .execute(Tuple.of(team.id(), own, T0.atOffset(java.time.ZoneOffset.UTC))).await().indefinitely();
            other.conn().preparedQuery("INSERT INTO person_distinct_ids (team_id, distinct_id, person_id) "
                    + "VALUES ($1, 'shared-new-id', $2)").execute(Tuple.of(team.id(), own)).await().indefinitely();
        } finally {
            other.commit();
        }
        assertEquals(1, batch.get());
        Row person = pool.preparedQuery("SELECT properties::text, version FROM persons WHERE team_id = $1")
                .execute(Tuple.of(team.id())).await().indefinitely().iterator().next();
        assertTrue(person.getString(0).contains("\"company\": \"acme\""), person.getString(0));
        assertTrue(person.getString(0).contains("\"plan\": \"pro\""), person.getString(0));
        assertEquals(1, count("SELECT count(*) FROM persons WHERE team_id = $1", team.id()));
        assertEquals(1, count("SELECT count(*) FROM events WHERE team_id = $1 AND person_id = $2", team.id(), own));
    }

    @Test
    void anIdJoinedToAnotherPersonMeanwhileGivesItsEventsThatPerson() throws Exception {
        Team team = team("lock order id joined meanwhile");
        UUID elsewhere = UUID.randomUUID();
        Holder other = holdLock(team, "joined-id");
        CompletableFuture<Integer> batch = ingestor.ingest(team, List.of(pageview("joined-id", JSON.objectNode())))
                .subscribeAsCompletionStage();
        try {
            waitingForAdvisoryLock();
            // the other batch joins the id to an existing person (as $identify does): the events this batch wrote
            // for the id's own uuid are no longer right, so it must write them again
            other.conn().preparedQuery("INSERT INTO persons (team_id, uuid, created_at, properties, is_identified) "
                            + "VALUES ($1, $2, $3, '{}', true)")
                    .execute(Tuple.of(team.id(), elsewhere, T0.atOffset(java.time.ZoneOffset.UTC)))
                    .await().indefinitely();
            other.conn().preparedQuery("INSERT INTO person_distinct_ids (team_id, distinct_id, person_id) "
                    + "VALUES ($1, 'joined-id', $2)").execute(Tuple.of(team.id(), elsewhere)).await().indefinitely();
        } finally {
            other.commit();
        }
        assertEquals(1, batch.get());
        assertEquals(1, count("SELECT count(*) FROM persons WHERE team_id = $1", team.id()));
        assertEquals(1, count("SELECT count(*) FROM events WHERE team_id = $1 AND person_id = $2", team.id(),
                elsewhere));
        assertEquals(1, count("SELECT coalesce(sum(events), 0) FROM events_person_days WHERE team_id = $1 "
                + "AND person_id = $2", team.id(), elsewhere));
        assertEquals(0, count("SELECT count(*) FROM events_person_days WHERE team_id = $1 AND person_id <> $2",
                team.id(), elsewhere));
    }
}
