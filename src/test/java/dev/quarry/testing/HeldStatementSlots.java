package dev.quarry.testing;

import dev.quarry.query.QueryExecutor;
import io.smallrye.mutiny.Uni;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Every statement slot of the test instance (pool size less {@code quarry.query.pool-reserve}) held by work of one
 * project until {@link #close}, so a test can show that something waits for a slot.
 */
public final class HeldStatementSlots implements AutoCloseable {
    private final CompletableFuture<Void> release = new CompletableFuture<>();

    private HeldStatementSlots() {
    }

    /**
     * @return the slots, all taken (waited for up to 10 s)
     * @throws IllegalStateException when they were not all taken in time
     */
    public static HeldStatementSlots all(QueryExecutor executor, long projectId) throws InterruptedException {
        int slots = Integer.parseInt(ConfigProvider.getConfig()
                .getOptionalValue("quarkus.datasource.reactive.max-size", String.class).orElse("8"))
                - Integer.parseInt(ConfigProvider.getConfig()
                .getOptionalValue("quarry.query.pool-reserve", String.class).orElse("2"));
        HeldStatementSlots held = new HeldStatementSlots();
        CountDownLatch taken = new CountDownLatch(slots);
        for (int i = 0; i < slots; i++) {
            executor.inStatementSlot(projectId, () -> {
                taken.countDown();
                return Uni.createFrom().completionStage(held.release);
            }).subscribe().with(x -> { }, e -> { });
        }
        if (!taken.await(10, TimeUnit.SECONDS)) {
            held.close();
            throw new IllegalStateException("the statement slots were not all taken within 10 s");
        }
        return held;
    }

    /** Frees every held slot. */
    @Override
    public void close() {
        release.complete(null);
    }
}
