package dev.quarry.metering;

/**
 * Fired (CDI event) by the query executor after each user query: rows it returned (null if it failed) and the
 * time it spent in the database. The metering of the HTTP call that ran it adds them up.
 */
public record QueryCost(Long rowsReturned, Long rowsRead, long dbMs) {
}
