package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.ThrottledException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One project's lane: its compile work runs one task at a time, however much it sends, while another project's
 * work runs beside it at once; a full lane refuses new work with 429; continuations are never refused.
 */
class TeamLanesTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aBusyProjectDoesNotHoldUpAnotherProjectsWork() throws Exception {
        TeamLanes lanes = new TeamLanes(1, 8, pool);
        CountDownLatch aInside = new CountDownLatch(1);
        CountDownLatch releaseA = new CountDownLatch(1);
        AtomicInteger aAtOnce = new AtomicInteger();
        AtomicInteger aMostAtOnce = new AtomicInteger();
        java.util.List<java.util.concurrent.CompletableFuture<String>> aResults = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            aResults.add(lanes.run(1L, () -> {
                aMostAtOnce.accumulateAndGet(aAtOnce.incrementAndGet(), Math::max);
                aInside.countDown();
                try {
                    releaseA.await(30, TimeUnit.SECONDS); // project A's compile is "expensive"
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                aAtOnce.decrementAndGet();
                return Uni.createFrom().item("a");
            }).subscribeAsCompletionStage());
        }
        assertTrue(aInside.await(30, TimeUnit.SECONDS));
        // project B's work completes while A's first task still holds its lane and two more of A's wait
        String b = lanes.run(2L, () -> Uni.createFrom().item("b")).await().atMost(Duration.ofSeconds(30));
        assertEquals("b", b);
        assertEquals(3, lanes.pending(1L), "A's three tasks: one running, two waiting");
        releaseA.countDown();
        for (var r : aResults) {
            assertEquals("a", r.get(30, TimeUnit.SECONDS));
        }
        assertEquals(1, aMostAtOnce.get(), "A never ran two tasks at once");
    }

    @Test
    void aFullLaneRefusesNewWorkWith429() throws Exception {
        TeamLanes lanes = new TeamLanes(1, 2, pool);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var running = lanes.run(1L, () -> {
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Uni.createFrom().item(0);
        }).subscribeAsCompletionStage();
        assertTrue(inside.await(30, TimeUnit.SECONDS));
        var waiting1 = lanes.run(1L, () -> Uni.createFrom().item(1)).subscribeAsCompletionStage();
        var waiting2 = lanes.run(1L, () -> Uni.createFrom().item(2)).subscribeAsCompletionStage();
        Throwable refused = lanes.run(1L, () -> Uni.createFrom().item(3)).onItem().<Throwable>transform(x -> null)
                .onFailure().recoverWithItem(f -> f).await().atMost(Duration.ofSeconds(30));
        assertInstanceOf(ThrottledException.class, refused);
        // a continuation of admitted work is never refused, even on a full lane
        CountDownLatch continued = new CountDownLatch(1);
        lanes.lane(1L).execute(continued::countDown);
        release.countDown();
        assertEquals(0, running.toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertEquals(1, waiting1.toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertEquals(2, waiting2.toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(continued.await(30, TimeUnit.SECONDS));
    }

    @Test
    void aFailingCompileFailsOnlyItsOwnCall() {
        TeamLanes lanes = new TeamLanes(1, 8, pool);
        Throwable failure = lanes.run(1L, () -> {
            throw new IllegalArgumentException("bad query");
        }).onItem().<Throwable>transform(x -> null).onFailure().recoverWithItem(f -> f)
                .await().atMost(Duration.ofSeconds(30));
        assertInstanceOf(IllegalArgumentException.class, failure);
        assertEquals("next", lanes.run(1L, () -> Uni.createFrom().item("next")).await().atMost(Duration.ofSeconds(30)));
    }
}
