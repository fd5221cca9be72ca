package dev.quarry.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The status of async queries, in PostgreSQL so that any function instance can answer about any query. Each write
 * moves the expiry 20 minutes ahead; an expired status is gone. Writes after the start only update an existing
 * row, so a status deleted by a cancel stays deleted, and only the row of their own run (a client's reused
 * {@code client_query_id} starts a new run, V124_1), so an older run never writes over a newer one.
 */
@ApplicationScoped
public class QueryStatusStore {
    static final Duration TTL = Duration.ofMinutes(20);

    private final Pool pool;
    private final ObjectMapper mapper;

    public QueryStatusStore(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** A new async run's status (not stored yet: {@link #create}). */
    public QueryStatus newStatus(long teamId, String id, Instant now) {
        return QueryStatus.started(teamId, id, now, TTL);
    }

    /**
     * Stores a new status of run {@code run}, replacing an older one with the same id (and so the older run's claim on
     * it: {@link #update} writes only its own run's status).
     */
    public Uni<Void> create(QueryStatus status, UUID run, Instant now) {
        return pool.preparedQuery("INSERT INTO query_status (team_id, id, status, complete, expiration_time, run) "
                        + "VALUES ($1, $2, $3::text::jsonb, false, $4, $5) ON CONFLICT (team_id, id) DO UPDATE SET "
                        + "status = EXCLUDED.status, results = NULL, complete = false, "
                        + "expiration_time = EXCLUDED.expiration_time, run = EXCLUDED.run")
                .execute(Tuple.of(status.teamId(), status.id(), write(status), now.plus(TTL).atOffset(ZoneOffset.UTC),
                        run))
                .replaceWithVoid();
    }

    /** Whether the status of {@code id} is still run {@code run}'s (not cancelled, expired or replaced by a new run). */
    public Uni<Boolean> isCurrent(long teamId, String id, UUID run) {
        return pool.preparedQuery("SELECT 1 FROM query_status WHERE team_id = $1 AND id = $2 AND expiration_time > now() "
                        + "AND (run IS NULL OR $3::uuid IS NULL OR run = $3)")
                .execute(Tuple.of(teamId, id, run)).map(rows -> rows.size() > 0);
    }

    /**
     * The project's status of {@code id}, or null when there is none (never started, cancelled or expired). A
     * finished answer comes as its stored text, read once and not parsed ({@link QueryStatus#storedResults}).
     */
    public Uni<QueryStatus> get(long teamId, String id) {
        return read(teamId, id, "results");
    }

    /**
     * {@link #get} without the finished answer ({@code results} null even when complete), for a caller that only asks
     * whether the status is there or complete: a multi-MB answer is not read for that.
     */
    public Uni<QueryStatus> getWithoutResults(long teamId, String id) {
        return read(teamId, id, "NULL::text");
    }

    private Uni<QueryStatus> read(long teamId, String id, String resultsColumn) {
        return pool.preparedQuery("SELECT status::text, " + resultsColumn + " FROM query_status WHERE team_id = $1 "
                        + "AND id = $2 AND expiration_time > now()")
                .execute(Tuple.of(teamId, id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    var row = rows.iterator().next();
                    QueryStatus status = read(row.getString(0));
                    String results = row.getString(1);
                    return results == null ? status : status.withResults(QueryStatus.storedResults(results));
                });
    }

    /**
     * Merges a patch into an existing status; false if it no longer exists (cancelled or expired). Non-null
     * {@code results} are kept apart as the rendered JSON text, so that their numbers read back as written (jsonb
     * would reprint {@code 1.0E308} as a 309-digit integer), and {@link #get} answers that text as it is. Only run
     * {@code run}'s status is written (null: any run's): a run whose id a newer POST reused writes nothing.
     */
    public Uni<Boolean> update(long teamId, String id, UUID run, QueryStatus.Patch patch, Instant now) {
        QueryStatus.Patch expiring = patch.expiringAt(now.plus(TTL));
        boolean complete = Boolean.TRUE.equals(patch.complete());
        JsonNode results = patch.results();
        String resultsText = results == null || results.isNull() ? null : rendered(results);
        java.util.ArrayList<Object> params = new java.util.ArrayList<>(List.of(teamId, id,
                write(expiring.withoutResults()), complete, now.plus(TTL).atOffset(ZoneOffset.UTC)));
        params.add(resultsText);
        params.add(run);
        return pool.preparedQuery("UPDATE query_status SET status = status || $3::text::jsonb, "
                        + "complete = complete OR $4, expiration_time = $5, results = coalesce($6::text, results) "
                        + "WHERE team_id = $1 AND id = $2 AND expiration_time > now() "
                        + "AND (run IS NULL OR $7::uuid IS NULL OR run = $7)")
                .execute(Tuple.tuple(params))
                .map(rows -> rows.rowCount() > 0);
    }

    public Uni<Boolean> delete(long teamId, String id) {
        return pool.preparedQuery("DELETE FROM query_status WHERE team_id = $1 AND id = $2")
                .execute(Tuple.of(teamId, id)).map(rows -> rows.rowCount() > 0);
    }

    /**
     * An answer's JSON text as a response body carries it: written by the UTF-8 generator responses are written by
     * (a character outside the BMP as an escaped surrogate pair, a lone surrogate escaped rather than lost in the
     * column's encoding), so that the text served as it is ({@link #get}) is the bytes a parse and render would give.
     */
    private String rendered(JsonNode results) {
        try {
            return new String(mapper.writeValueAsBytes(results), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a query's results did not serialize", e);
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a query status did not serialize", e);
        }
    }

    private QueryStatus read(String json) {
        try {
            return mapper.readValue(json, QueryStatus.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("query_status holds invalid JSON", e);
        }
    }
}
