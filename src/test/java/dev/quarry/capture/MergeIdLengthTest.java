package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A merge's other id ({@code $anon_distinct_id}, {@code alias}) is cut to 200 characters as an event's own distinct
 * id is: a 10,000-character one no longer fails its whole batch on the index's row limit, and it still names the
 * person whose events were stored under the cut id.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class MergeIdLengthTest {
    @Inject
    Pool pool;

    @Test
    void aLongMergeIdIsCutAsADistinctIdIs() {
        Project p = TestProjects.create("Long merge ids");
        Random random = new Random(7);
        StringBuilder anon = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            anon.append((char) ('a' + random.nextInt(26)));
        }
        // the anonymous events (their distinct id cut to 200), then a batch whose $identify names the whole id
        Capture.to(p).event("$pageview", anon.toString(), "2026-02-01T00:00:00Z").send();
        Capture.to(p).event("keep me", "keeper", "2026-02-01T01:00:00Z")
                .event("$identify", "root", "2026-02-01T02:00:00Z", Map.of("$anon_distinct_id", anon.toString()))
                .event("$create_alias", "root", "2026-02-01T03:00:00Z", Map.of("alias", anon.reverse().toString()))
                .send();
        var row = pool.preparedQuery("SELECT count(*) FILTER (WHERE event = 'keep me'), count(DISTINCT person_id) "
                        + "FILTER (WHERE event IN ('$pageview', '$identify')), max(length(distinct_id)) FROM events "
                        + "WHERE team_id = $1").execute(Tuple.of(p.id())).await().indefinitely().iterator().next();
        assertEquals(1L, row.getLong(0), "the batch's other events are stored");
        var ids = pool.preparedQuery("SELECT count(*), max(length(distinct_id)), count(DISTINCT person_id) FROM "
                        + "person_distinct_ids WHERE team_id = $1 AND distinct_id <> 'keeper'")
                .execute(Tuple.of(p.id())).await().indefinitely().iterator().next();
        assertEquals(3L, ids.getLong(0), "root, the anonymous id and the alias");
        assertEquals(200, ids.getInteger(1));
        assertEquals(1L, ids.getLong(2), "all on one person: the cut anonymous id is the one its events stored");
    }
}
