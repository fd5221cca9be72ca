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

    /** How long a name's volume is served again without counting (PostHog recounts volume_30_day daily). */
    static final java.time.Duration FRESH_FOR = java.time.Duration.ofMinutes(5);
    /**
     * The most bytes of kept volumes, over every project (names are counted as UTF-16 plus an entry's overhead); past
     * it all are dropped and the next reads count again. Bounded in bytes, not entries: pages of 1,000 long names
     * kept per page pinned hundreds of MB of heap (a breaker's finding).
     */
    static final long MAX_KEPT_BYTES = 16L * 1024 * 1024;
    private static final int ENTRY_OVERHEAD_BYTES = 96;

    /** A name's volume (0: no events) and when it was counted. */
    private record Counted(long volume, java.time.Instant at) {
    }

    /** Volumes by project and name: {@code team + "|" + name}. */
    private final java.util.concurrent.ConcurrentHashMap<String, Counted> recent =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong keptBytes = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Events in the last 30 days for each of these names; names without events are absent. Compiled off the event
     * loop. Each name's count is kept for {@link #FRESH_FOR} (every list page, retrieve and {@code by_name} counted
     * the project's events again, so a dozen list calls at once filled the project's query lane: 429s); a page counts
     * only its names not kept.
     */
    public Uni<Map<String, Long>> last30Days(Team team, List<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        java.time.Instant now = clock.instant();
        Map<String, Long> known = new HashMap<>();
        List<String> unknown = new java.util.ArrayList<>();
        for (String name : new java.util.LinkedHashSet<>(names)) {
            Counted kept = recent.get(team.id() + "|" + name);
            if (kept != null && kept.at().plus(FRESH_FOR).isAfter(now)) {
                if (kept.volume() > 0) {
                    known.put(name, kept.volume());
                }
            } else {
                unknown.add(name);
            }
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().item(known);
        }
        return count(team, unknown).map(volumes -> {
            for (String name : unknown) {
                long volume = volumes.getOrDefault(name, 0L);
                keep(team.id() + "|" + name, new Counted(volume, now));
                if (volume > 0) {
                    known.put(name, volume);
                }
            }
            return known;
        });
    }

    private void keep(String key, Counted counted) {
        long bytes = 2L * key.length() + ENTRY_OVERHEAD_BYTES;
        if (keptBytes.addAndGet(bytes) > MAX_KEPT_BYTES) {
            recent.clear();
            keptBytes.set(bytes);
        }
        if (recent.put(key, counted) != null) {
            keptBytes.addAndGet(-bytes);
        }
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
