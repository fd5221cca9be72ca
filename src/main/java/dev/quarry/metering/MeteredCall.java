package dev.quarry.metering;

import jakarta.enterprise.context.RequestScoped;

/** What the current call cost and whom it is for, where the auth filter does not know it (capture, queries). */
@RequestScoped
public class MeteredCall {
    private Long teamId;
    private long rowsReturned;
    private Long rowsRead;
    private long dbMs;
    private int queries;
    private final java.util.List<Meter.Write> writes = new java.util.ArrayList<>();
    private boolean open;
    private boolean closed;

    /** The project a capture call is for, known once its token is resolved. */
    public void forTeam(long teamId) {
        this.teamId = teamId;
    }

    public Long teamId() {
        return teamId;
    }

    synchronized void add(QueryCost cost) {
        queries++;
        dbMs += cost.dbMs();
        if (cost.rowsReturned() != null) {
            rowsReturned += cost.rowsReturned();
        }
        if (cost.rowsRead() != null) {
            rowsRead = (rowsRead == null ? 0 : rowsRead) + cost.rowsRead();
        }
    }

    /** The HTTP call has begun: its response filter will send what is deferred to it. */
    synchronized void open() {
        open = true;
    }

    /**
     * Takes a write for the end of the call; false before the call began (a request context that no HTTP call
     * will flush, e.g. one re-activated for work that outlived its call) and once its meter row has gone out.
     */
    synchronized boolean defer(Meter.Write write) {
        if (!open || closed) {
            return false;
        }
        writes.add(write);
        return true;
    }

    /** The writes deferred so far; later ones are refused (their callers write them themselves). */
    synchronized java.util.List<Meter.Write> close() {
        closed = true;
        return java.util.List.copyOf(writes);
    }

    synchronized boolean ranQueries() {
        return queries > 0;
    }

    synchronized long rowsReturned() {
        return rowsReturned;
    }

    synchronized Long rowsRead() {
        return rowsRead;
    }

    synchronized long dbMs() {
        return dbMs;
    }
}
