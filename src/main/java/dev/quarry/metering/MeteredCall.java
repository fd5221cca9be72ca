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
