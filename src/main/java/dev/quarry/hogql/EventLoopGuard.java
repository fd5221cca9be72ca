package dev.quarry.hogql;

import org.jboss.logging.Logger;

/**
 * Compiling belongs on a worker thread, never on a Vert.x event loop: the event loop serves every project's requests
 * and capture, and a compile may take its whole {@link CompileBudget}. Parsing and printing check the thread they run
 * on. With the system property {@code quarry.hogql.event-loop-compile=fail} (set by the test build) a compile on an
 * event loop is an {@link IllegalStateException}, so a path that compiles there fails its tests; otherwise it is
 * logged once per thread name, and the compile goes on.
 */
final class EventLoopGuard {
    private static final Logger LOG = Logger.getLogger(EventLoopGuard.class);
    private static final boolean FAIL = "fail".equals(System.getProperty("quarry.hogql.event-loop-compile"));
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EventLoopGuard() {
    }

    static void check() {
        String thread = Thread.currentThread().getName();
        if (!thread.startsWith("vert.x-eventloop")) {
            return;
        }
        if (FAIL) {
            throw new IllegalStateException("HogQL compiled on the event loop (" + thread + ")");
        }
        if (WARNED.add(thread)) {
            LOG.warnf(new IllegalStateException("compile on the event loop"),
                    "HogQL compiled on the event loop (%s): run it in the project's query lane", thread);
        }
    }
}
