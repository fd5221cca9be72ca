package dev.quarry.query;

import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

/** Runs the job in this process after the request has answered. Only for long-lived processes (local run, tests). */
public class InProcessQueryDispatcher implements QueryDispatcher {
    private static final Logger LOG = Logger.getLogger(InProcessQueryDispatcher.class);
    private final AsyncQueryWorker worker;

    public InProcessQueryDispatcher(AsyncQueryWorker worker) {
        this.worker = worker;
    }

    @Override
    public Uni<Void> dispatch(AsyncQueryJob job) {
        worker.process(job).subscribe().with(done -> { },
                failure -> LOG.errorf(failure, "Async query %s failed outside its status", job.queryId()));
        return Uni.createFrom().voidItem();
    }
}
