package dev.quarry.ingestionwarnings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a project's ingestion warnings (stored by capture) the way PostHog's {@code ingestion_warnings} endpoint
 * summarises them: per type over the last 30 days, its total, when it was last seen, a daily sparkline and its 50
 * most recent warnings; an optional search text must occur in the type or the details (case-sensitive).
 */
@ApplicationScoped
public class IngestionWarnings {
    static final int WINDOW_DAYS = 30;
    static final int EXAMPLES = 50;
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private final Pool pool;
    private final ObjectMapper mapper;

    public IngestionWarnings(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** One warning: its type, when (ISO-8601 UTC, microseconds) and its details object. */
    public record Warning(String type, String timestamp, JsonNode details) {
    }

    /**
     * One type's summary, PostHog's keys: {@code sparkline} is [count, "YYYY-MM-DD"] per UTC day with warnings,
     * oldest first; {@code warnings} the most recent first.
     */
    public record Summary(String type, String lastSeen, List<List<Object>> sparkline, List<Warning> warnings,
                          long count) {
    }

    public record Summaries(List<Summary> results) {
    }

    /** @param search text the type or the details must contain, or null */
    public Uni<Summaries> list(long teamId, String search, OffsetDateTime now) {
        OffsetDateTime since = now.minusDays(WINDOW_DAYS);
        String filter = "team_id = $1 AND timestamp > $2 AND ($3::text IS NULL OR strpos(type, $3) > 0 "
                + "OR strpos(details::text, $3) > 0)";
        Tuple args = Tuple.of(teamId, since, search);
        Uni<List<Row>> days = rows("SELECT type, (timestamp AT TIME ZONE 'UTC')::date, count(*), max(timestamp) "
                + "FROM ingestion_warnings WHERE " + filter + " GROUP BY 1, 2 ORDER BY 1, 2", args);
        Uni<List<Row>> examples = rows("SELECT type, timestamp, details::text FROM (SELECT type, timestamp, details, "
                + "row_number() OVER (PARTITION BY type ORDER BY timestamp DESC, id DESC) AS n FROM ingestion_warnings "
                + "WHERE " + filter + ") AS recent WHERE n <= " + EXAMPLES + " ORDER BY type, n", args);
        return days.flatMap(dayRows -> examples.map(exampleRows -> summarise(dayRows, exampleRows)));
    }

    private Uni<List<Row>> rows(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<Row> list = new ArrayList<>();
            rows.forEach(list::add);
            return list;
        });
    }

    private Summaries summarise(List<Row> dayRows, List<Row> exampleRows) {
        Map<String, List<List<Object>>> sparklines = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, OffsetDateTime> lastSeen = new LinkedHashMap<>();
        for (Row row : dayRows) {
            String type = row.getString(0);
            LocalDate day = row.getLocalDate(1);
            long count = row.getLong(2);
            OffsetDateTime last = row.getOffsetDateTime(3);
            sparklines.computeIfAbsent(type, t -> new ArrayList<>()).add(List.of(count, day.toString()));
            counts.merge(type, count, Long::sum);
            lastSeen.merge(type, last, (a, b) -> a.isAfter(b) ? a : b);
        }
        Map<String, List<Warning>> warnings = new LinkedHashMap<>();
        for (Row row : exampleRows) {
            warnings.computeIfAbsent(row.getString(0), t -> new ArrayList<>()).add(new Warning(row.getString(0),
                    format(row.getOffsetDateTime(1)), details(row.getString(2))));
        }
        List<Summary> summaries = new ArrayList<>();
        for (String type : counts.keySet()) {
            summaries.add(new Summary(type, format(lastSeen.get(type)), sparklines.get(type),
                    warnings.getOrDefault(type, List.of()), counts.get(type)));
        }
        summaries.sort(Comparator.comparing(Summary::lastSeen).reversed());
        return new Summaries(summaries);
    }

    private JsonNode details(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return mapper.createObjectNode();
        }
    }

    private static String format(OffsetDateTime timestamp) {
        return timestamp.withOffsetSameInstant(ZoneOffset.UTC).format(TIMESTAMP);
    }
}
