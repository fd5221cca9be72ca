package dev.quarry.data;

import io.quarkus.arc.Arc;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Where the Panache repositories run their work: in a Hibernate Reactive session ({@link #read}) or a transaction
 * ({@link #write}) on a Vert.x context. On a request's context (the auth filter, resources) that is the request's
 * own; callers without one (start-up observers, the scheduler, the query worker) get a fresh duplicated context,
 * as Hibernate Reactive requires, and see the result on it.
 */
public final class Sessions {
    private Sessions() {
    }

    /** {@code work} in a session (joined when one is open), no transaction. */
    public static <T> Uni<T> read(Supplier<Uni<T>> work) {
        return onContext(() -> Panache.withSession(work));
    }

    /** {@code work} in a transaction (joined when one is open): all of it commits or none. */
    public static <T> Uni<T> write(Supplier<Uni<T>> work) {
        return onContext(() -> Panache.withTransaction(work));
    }

    private static <T> Uni<T> onContext(Supplier<Uni<T>> work) {
        Context current = Vertx.currentContext();
        if (current != null && Context.isOnEventLoopThread() && VertxContext.isDuplicatedContext(current)) {
            return Uni.createFrom().deferred(work::get);
        }
        return Uni.createFrom().emitter(emitter -> {
            Context target = current != null && VertxContext.isDuplicatedContext(current) && current.isEventLoopContext()
                    ? current
                    : VertxContext.createNewDuplicatedContext(Arc.container().instance(Vertx.class).get().getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(target, true);
            target.runOnContext(ignored -> work.get().subscribe().with(emitter::complete, emitter::fail));
        });
    }
}
