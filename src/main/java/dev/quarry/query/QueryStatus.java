package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.quarry.web.QueryValues;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An async query's status, PostHog's {@code QueryStatus} with its field names: what {@link QueryStatusStore} keeps
 * (as jsonb) and what {@code query_status} answers. Times are ISO-8601 UTC strings with microseconds as
 * {@link QueryValues#timestamp} writes them; {@code results} is the finished answer (the query's response object,
 * with its cache fields) or null. Read back from the store, {@code results} is the answer's stored text, unparsed
 * ({@link #storedResults}): it is answered as written, never read into a tree. Quarry never fills
 * {@code insight_id}, {@code dashboard_id} or {@code labels}.
 *
 * <p>Key order on the wire (the bytes answered before this record existed, kept): a status made by this request is
 * written in the order declared here; a status read back from the store in the order PostgreSQL's jsonb keeps keys
 * (shorter keys first, then bytewise; {@link #json(ObjectMapper, boolean)}).
 *
 * @param queryProgress PostHog's {@code ClickhouseQueryProgress}, only filled when GET query/:id asks for
 *                      {@code show_progress}
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"id", "team_id", "query_async", "complete", "error", "error_message", "results", "start_time",
        "pickup_time", "end_time", "expiration_time", "task_id", "insight_id", "dashboard_id", "query_progress",
        "labels"})
public record QueryStatus(
        String id,
        @JsonProperty("team_id") long teamId,
        @JsonProperty("query_async") boolean queryAsync,
        boolean complete,
        boolean error,
        @JsonProperty("error_message") String errorMessage,
        JsonNode results,
        @JsonProperty("start_time") String startTime,
        @JsonProperty("pickup_time") String pickupTime,
        @JsonProperty("end_time") String endTime,
        @JsonProperty("expiration_time") String expirationTime,
        @JsonProperty("task_id") String taskId,
        @JsonProperty("insight_id") Long insightId,
        @JsonProperty("dashboard_id") Long dashboardId,
        @JsonProperty("query_progress") Progress queryProgress,
        List<String> labels) {

    /** A new async run's status: not picked up yet, expiring {@code ttl} after {@code now}; task id = query id. */
    static QueryStatus started(long teamId, String id, Instant now, Duration ttl) {
        return new QueryStatus(id, teamId, true, false, false, null, null, stamp(now), null, null,
                stamp(now.plus(ttl)), id, null, null, null, null);
    }

    /** The same status with {@code show_progress}'s progress filled in. */
    QueryStatus withProgress(Progress progress) {
        return new QueryStatus(id, teamId, queryAsync, complete, error, errorMessage, results, startTime, pickupTime,
                endTime, expirationTime, taskId, insightId, dashboardId, progress, labels);
    }

    /**
     * A finished answer as {@link QueryStatusStore} keeps it, the JSON text Quarry rendered: a node that writes that
     * text as it is ({@link RawValue}), so that a status read serves a multi-MB answer without parsing it. It has no
     * children to read ({@code path} finds nothing): nothing but the response writer looks into it.
     */
    static JsonNode storedResults(String text) {
        return JsonNodeFactory.instance.rawValueNode(new RawValue(text));
    }

    /** The same status with its finished answer (kept apart from the status as rendered text). */
    QueryStatus withResults(JsonNode finished) {
        return new QueryStatus(id, teamId, queryAsync, complete, error, errorMessage, finished, startTime, pickupTime,
                endTime, expirationTime, taskId, insightId, dashboardId, queryProgress, labels);
    }

    /** When a worker picked the run up, or null while it waits. */
    Instant pickedUp() {
        return pickupTime == null ? null : Instant.parse(pickupTime);
    }

    /**
     * The status as answered. {@code asStored}: in jsonb's key order (a status read back from the store), else in
     * this record's order (one made by this request).
     */
    public ObjectNode json(ObjectMapper mapper, boolean asStored) {
        // the answer is set in, not converted: a stored one is text written as it is (storedResults)
        ObjectNode node = mapper.valueToTree(results == null ? this : withResults(null));
        if (results != null) {
            node.set("results", results);
        }
        if (!asStored) {
            return node;
        }
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        node.fields().forEachRemaining(fields::add);
        fields.sort(Comparator.comparingInt((Map.Entry<String, JsonNode> e) -> utf8(e.getKey()).length)
                .thenComparing(e -> utf8(e.getKey()), java.util.Arrays::compareUnsigned));
        ObjectNode ordered = mapper.createObjectNode();
        fields.forEach(e -> ordered.set(e.getKey(), e.getValue()));
        return ordered;
    }

    private static byte[] utf8(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String stamp(Instant instant) {
        return QueryValues.timestamp(instant.atOffset(ZoneOffset.UTC));
    }

    /**
     * PostHog's {@code ClickhouseQueryProgress}: five integers, zeros where nothing is known. PostgreSQL does not
     * report rows or bytes read while a statement runs, so only the whole seconds since pick-up are filled in.
     */
    @RegisterForReflection
    @JsonPropertyOrder({"bytes_read", "rows_read", "estimated_rows_total", "time_elapsed", "active_cpu_time"})
    public record Progress(@JsonProperty("bytes_read") long bytesRead, @JsonProperty("rows_read") long rowsRead,
                           @JsonProperty("estimated_rows_total") long estimatedRowsTotal,
                           @JsonProperty("time_elapsed") long timeElapsed,
                           @JsonProperty("active_cpu_time") long activeCpuTime) {
        /** Seconds since {@code pickedUp} (0 when not picked up yet, never negative). */
        static Progress since(Instant pickedUp, Instant now) {
            long elapsed = pickedUp == null ? 0 : Math.max(0, Duration.between(pickedUp, now).toSeconds());
            return new Progress(0, 0, 0, elapsed, 0);
        }
    }

    /**
     * Fields a worker merges into a stored status (jsonb {@code ||}, shallow): a pick-up, or the end of a run. Null
     * fields are left out, so they keep the stored value.
     *
     * @param expirationTime every write moves the expiry (always set by {@link QueryStatusStore#update})
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Patch(@JsonProperty("pickup_time") String pickupTime, Boolean complete,
                        @JsonProperty("end_time") String endTime, Boolean error,
                        @JsonProperty("error_message") String errorMessage, JsonNode results,
                        @JsonProperty("expiration_time") String expirationTime) {
        /** Picked up by a worker at {@code at}. */
        static Patch pickup(Instant at) {
            return new Patch(stamp(at), null, null, null, null, null, null);
        }

        /** Finished at {@code at} with {@code results}. */
        static Patch succeeded(Instant at, JsonNode results) {
            return new Patch(null, true, stamp(at), false, null, results, null);
        }

        /** Failed at {@code at}; {@code message} for errors the user can act on, else null (answered as 500). */
        static Patch failed(Instant at, String message) {
            return new Patch(null, true, stamp(at), true, message, null, null);
        }

        /** The same patch without its results (stored apart as text by {@link QueryStatusStore#update}). */
        Patch withoutResults() {
            return new Patch(pickupTime, complete, endTime, error, errorMessage, null, expirationTime);
        }

        Patch expiringAt(Instant expiry) {
            return new Patch(pickupTime, complete, endTime, error, errorMessage, results, stamp(expiry));
        }
    }
}
