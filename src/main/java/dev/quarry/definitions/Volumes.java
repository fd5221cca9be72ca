package dev.quarry.definitions;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlans;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The 30-day volume of events by name (PostHog's {@code volume_30_day}), counted when read for the names on a page:
 * one grouped HogQL query over the events index, through the same compiler, team wall and executor as queries.
 * Capture does not keep counters, so no capture batch ever waits on a busy event's counter row.
 */
@ApplicationScoped
public class Volumes {
    private final QueryPlans plans;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public Volumes(QueryPlans plans, ObjectMapper mapper) {
        this.plans = plans;
        this.mapper = mapper;
    }

    /** How long a page's volumes are served again without counting (PostHog recounts volume_30_day daily). */
    static final java.time.Duration FRESH_FOR = java.time.Duration.ofMinutes(5);
    /** Pages of volumes kept at once (all are dropped past it; the next reads count again). */
    static final int MAX_KEPT = 2_000;

    private record Counted(Map<String, Long> volumes, java.time.Instant at) {
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Counted> recent =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Events in the last 30 days for each of these names; names without events are absent. Compiled off the event
     * loop. A page's counts are kept for {@link #FRESH_FOR}: every list page, retrieve and {@code by_name} counted the
     * project's events again, so a dozen list calls at once filled the project's query lane (429s).
     */
    public Uni<Map<String, Long>> last30Days(Team team, List<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        String key = team.id() + "|" + String.join("\u0000", new java.util.TreeSet<>(names));
        java.time.Instant now = clock.instant();
        Counted kept = recent.get(key);
        if (kept != null && kept.at().plus(FRESH_FOR).isAfter(now)) {
            return Uni.createFrom().item(kept.volumes());
        }
        return count(team, names).invoke(volumes -> {
            if (recent.size() >= MAX_KEPT) {
                recent.clear();
            }
            recent.put(key, new Counted(Map.copyOf(volumes), now));
        });
    }

    private Uni<Map<String, Long>> count(Team team, List<String> names) {
        InsightSql sql = new InsightSql(new QueryContext(team, mapper, clock.instant()), "EventDefinitionVolume");
        return plans.run(team, () -> sql.run("SELECT event, count() FROM events WHERE event IN {names} AND timestamp >= now() - interval 30 day "
                + "GROUP BY event", Map.of("names", names)).map(rows -> {
                    Map<String, Long> volumes = new HashMap<>();
                    for (Row row : rows) {
                        volumes.put(row.getString(0), row.getLong(1));
                    }
                    return volumes;
                }));
    }
}
