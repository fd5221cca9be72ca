package dev.quarry.data;

import io.quarkus.arc.Arc;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Where the Panache repositories run their work: in a Hibernate Reactive session ({@link #read}) or a transaction
 * ({@link #write}) on a Vert.x context, as Hibernate Reactive requires. Each top-level call runs on a fresh
 * duplicated context with its own session (concurrent calls never share one); calls made inside another's work
 * join that session and transaction. Callers see the result on that context's event loop.
 */
public final class Sessions {
    private static final String ACTIVE = Sessions.class.getName() + ".active";

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
        if (current != null && Context.isOnEventLoopThread() && VertxContext.isDuplicatedContext(current)
                && current.getLocal(ACTIVE) != null) {
            return Uni.createFrom().deferred(work::get); // nested in a Sessions block: join its session
        }
        // A top-level call gets a duplicated context of its own, so calls made concurrently from one request (e.g. a
        // Multi merging lookups) never share a Hibernate Reactive session, which allows one operation at a time.
        return Uni.createFrom().emitter(emitter -> {
            Context base = current != null && current.isEventLoopContext()
                    ? current : Arc.container().instance(Vertx.class).get().getOrCreateContext();
            Context target = VertxContext.createNewDuplicatedContext(base);
            VertxContextSafetyToggle.setContextSafe(target, true);
            target.putLocal(ACTIVE, Boolean.TRUE);
            // The flag goes before the caller resumes on this context: a call made after the work (e.g. two lookups
            // started together by the caller) is top-level again and gets its own session, never this closed one.
            target.runOnContext(ignored -> work.get().subscribe().with(
                    result -> {
                        target.removeLocal(ACTIVE);
                        emitter.complete(result);
                    },
                    failure -> {
                        target.removeLocal(ACTIVE);
                        emitter.fail(failure);
                    }));
        });
    }

    /**
     * Whether a failed write broke a unique index (PostgreSQL's state 23505): Hibernate Reactive reports it as a
     * ConstraintViolationException whose cause is an SQLException, the reactive client as a PgException.
     */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())
                    || t instanceof PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
