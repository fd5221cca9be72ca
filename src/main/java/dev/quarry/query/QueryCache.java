package dev.quarry.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.metering.Meter;
import dev.quarry.metering.Metering;
import dev.quarry.web.ResponseLimit;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;

/**
 * Query results cached in PostgreSQL per team, so any instance answers from it. The key is a hash of the
 * team, its timezone and the query with keys sorted, so equal queries share a key whatever their key order.
 * How long an answer stays fresh is {@link CachePolicy}'s to say.
 */
@ApplicationScoped
public class QueryCache {
    static final Duration KEEP = Duration.ofDays(2);
    /** Expired entries of the project each put removes (V125_61's index finds them). */
    static final int PRUNED_PER_PUT = 20;
    /**
     * The put, which also removes up to {@link #PRUNED_PER_PUT} of the project's expired entries (never read again):
     * a project's cache holds what it stored in the last {@link #KEEP}, not every answer it ever had (a key could
     * leave 10 GB an hour of distinct answers behind for good: breaker pass 9 F7).
     */
    private static final String PUT_SQL = "WITH pruned AS (DELETE FROM query_cache WHERE team_id = $1 AND "
            + "cache_key <> $2 AND ctid = ANY(ARRAY(SELECT ctid FROM query_cache WHERE team_id = $1 AND cache_key <> $2 "
            + "AND expires_at < now() LIMIT " + PRUNED_PER_PUT + " FOR UPDATE SKIP LOCKED))) "
            + "INSERT INTO query_cache (team_id, cache_key, response, last_refresh, "
            + "expires_at) SELECT $1, $2, $3::text, $4, $5 FROM (SELECT set_config('synchronous_commit', 'off', "
            + "true)) AS commit_mode ON CONFLICT (team_id, cache_key) DO UPDATE SET response = EXCLUDED.response, "
            + "last_refresh = EXCLUDED.last_refresh, expires_at = EXCLUDED.expires_at";
    private final Pool pool;
    private final Metering metering;
    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final TeamLanes lanes;

    public QueryCache(Pool pool, Metering metering, ObjectMapper mapper, TeamLanes lanes) {
        this.pool = pool;
        this.lanes = lanes;
        this.metering = metering;
        this.mapper = mapper;
        this.canonical = mapper.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    }

    public record Entry(ObjectNode response, Instant lastRefresh) {
    }

    /**
     * The cache key of a query: a hash of the team, its timezone and the query with keys sorted. A query that uses
     * the team's actions (an {@code ActionsNode} or an entity of type {@code actions}, EventsQuery's
     * {@code actionId}, HogQL's {@code matchesAction}) also hashes the version of the team's actions (the latest
     * {@code updated_at} and their number, one indexed read), so an answer computed before an action was edited,
     * deleted or created is never served for it: PostHog's cached insight results are likewise tied to the action's
     * definition (its {@code ActionsNode} is expanded from the action as stored when the query runs).
     */
    public Uni<String> key(dev.quarry.data.Team team, JsonNode query) {
        // the project settings an answer depends on: its zone, the first day of its weeks (PostHog's cache key holds
        // week_start_day too: a weekly answer cached before a change kept its old buckets) and its test-account filters
        return key(team.id(), team.timezone() + "|week_start_day=" + team.weekStartDay() + "|test_account_filters="
                + team.testAccountFilters(), query);
    }

    /** {@link #key(dev.quarry.data.Team, JsonNode)} from its parts ({@code timezone}: every setting hashed). */
    public Uni<String> key(long teamId, String timezone, JsonNode query) {
        if (!usesActions(query)) {
            return Uni.createFrom().item(hash(teamId, timezone, query, ""));
        }
        return pool.preparedQuery("SELECT coalesce(max(updated_at)::text, '') || '/' || count(*) FROM actions "
                        + "WHERE team_id = $1")
                .execute(Tuple.of(teamId))
                .map(rows -> hash(teamId, timezone, query, "|actions:" + rows.iterator().next().getString(0)));
    }

    private String hash(long teamId, String timezone, JsonNode query, String suffix) {
        try {
            Object plain = canonical.convertValue(query, Object.class);
            String text = teamId + "|" + timezone + "|" + canonical.writeValueAsString(plain) + suffix;
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "cache_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash a query", e);
        }
    }

    /** Whether any part of the query names one of the team's actions (see {@link #key}). */
    static boolean usesActions(JsonNode node) {
        if (node == null) {
            return false;
        }
        if (node.isTextual()) {
            return node.asText().toLowerCase(java.util.Locale.ROOT).contains("matchesaction");
        }
        if (node.isObject()) {
            if ("ActionsNode".equals(node.path("kind").asText()) || "actions".equals(node.path("type").asText())
                    || node.hasNonNull("actionId")) {
                return true;
            }
        }
        for (JsonNode child : node) {
            if (usesActions(child)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fresh-enough entry of a key, or null. An entry larger than any response could carry (written before answers
     * were held to {@link ResponseLimit} when stored) is not read: a miss. The text is parsed in the project's lane,
     * not on the event loop that delivered it.
     */
    public Uni<Entry> get(long teamId, String key) {
        return pool.preparedQuery("SELECT response, last_refresh FROM query_cache "
                        + "WHERE team_id = $1 AND cache_key = $2 AND expires_at > now() AND octet_length(response) <= $3")
                .execute(Tuple.of(teamId, key, ResponseLimit.MAX_ENCODED_BYTES))
                .emitOn(lanes.lane(teamId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    var row = rows.iterator().next();
                    try {
                        return new Entry((ObjectNode) mapper.readTree(row.getString(0)),
                                row.getOffsetDateTime(1).toInstant());
                    } catch (JsonProcessingException e) {
                        return null;
                    }
                });
    }

    /**
     * Stores an answer. Inside an HTTP call it goes out with the call's meter row, before the response (one round
     * trip for both); elsewhere (async worker) at once. It commits without waiting for the WAL flush: a database
     * crash can only lose the newest answers, which are then recalculated.
     */
    public Uni<Void> put(long teamId, String key, ObjectNode response, Instant lastRefresh) {
        return put(teamId, key, response, lastRefresh, null);
    }

    /**
     * The project's property-definitions version ({@code teams.definitions_version}), read by a calculation before its
     * definitions are read and handed to {@link #put(long, String, ObjectNode, Instant, Long)}.
     */
    public Uni<Long> definitionsVersion(long teamId) {
        return pool.preparedQuery("SELECT definitions_version FROM teams WHERE id = $1").execute(Tuple.of(teamId))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
    }

    /**
     * As {@link #put(long, String, ObjectNode, Instant)}, stored only if the project's definitions version is still
     * {@code definitionsVersion} (null: always): a {@code PATCH property_definitions/:id/} that changed a type while the
     * query ran has moved it on and dropped the cached answers, and this answer, read with the old type, is not stored
     * after that drop. The version is read with a share lock, so a retype not yet committed is waited for.
     */
    public Uni<Void> put(long teamId, String key, ObjectNode response, Instant lastRefresh, Long definitionsVersion) {
        return put(teamId, key, response.toString(), lastRefresh, definitionsVersion);
    }

    /** {@link #put(long, String, ObjectNode, Instant, Long)} of an answer already written as JSON text. */
    public Uni<Void> put(long teamId, String key, String response, Instant lastRefresh, Long definitionsVersion) {
        java.util.List<Object> params = new java.util.ArrayList<>(java.util.List.of(teamId, key, response,
                lastRefresh.atOffset(ZoneOffset.UTC), lastRefresh.plus(KEEP).atOffset(ZoneOffset.UTC)));
        String sql = PUT_SQL;
        if (definitionsVersion != null) {
            params.add(definitionsVersion);
            sql = PUT_SQL.replace(") AS commit_mode ON CONFLICT", ") AS commit_mode WHERE (SELECT definitions_version "
                    + "FROM teams WHERE id = $1 FOR SHARE) = $6 ON CONFLICT");
        }
        Meter.Write write = new Meter.Write(sql, Tuple.tuple(params));
        if (metering.defer(write)) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(write.sql()).execute(write.params()).replaceWithVoid();
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
