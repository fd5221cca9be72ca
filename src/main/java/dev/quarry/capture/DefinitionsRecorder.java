package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Keeps event and property definitions current from capture, inside the capture transaction, in at most ONE
 * statement per batch: the batch's distinct event names, (event, property) pairs and property names are inserted only
 * when new ({@code ON CONFLICT DO NOTHING} writes nothing for known names), and an event's {@code last_seen_at} moves
 * on at most once an hour (an UPDATE that matches only stale rows, so busy events are not a hot row every batch locks).
 * Property types are inferred from the first typed value seen ({@link PropertyTypes}); a stored type never changes,
 * but a property seen so far only as {@code null} (no type) takes the type of the first typed value that comes later,
 * as PostHog's {@code rust/property-defs-rs} writes it ({@code ON CONFLICT … DO UPDATE SET property_type … WHERE
 * property_type IS NULL}; its cache tells a typed sighting from an untyped one, so the typed one is written).
 * <p>
 * Names this process knows to be stored ({@link KnownDefinitions}: filled only after the batch's {@code COMMIT}
 * succeeded, each entry for {@code quarry.capture.definitions-cache-ms}, default 10 minutes; at most
 * {@code quarry.capture.definitions-cache-entries}, default 200,000) are left out of the statement, and a batch whose
 * names are all known — event names whose stored {@code created_at} and hourly {@code last_seen_at} need nothing —
 * sends none, as PostHog's plugin-server writes only names missing from its caches
 * ({@code plugin-server/src/worker/ingestion/property-definitions-manager.ts}). Its statement returns each sent event
 * name's stored {@code created_at} and {@code last_seen_at}, which the cache keeps to judge the next batches.
 */
@ApplicationScoped
public class DefinitionsRecorder {
    public static final short EVENT = 1;
    public static final short PERSON = 2;
    /** PostHog's PropertyDefinition.Type.GROUP: a group type's property, one per {@code group_type_index}. */
    public static final short GROUP = 3;

    private static final String GROUP_SQL = """
            INSERT INTO property_definitions (team_id, id, name, type, group_type_index, property_type, is_numerical)
            SELECT $1, gen_random_uuid(), n, 3, i, pt, coalesce(pt = 'Numeric', false)
            FROM unnest($2::text[], $3::smallint[], $4::text[]) AS p(n, i, pt) ORDER BY i, n
            ON CONFLICT (team_id, type, group_type_index, name) DO UPDATE
            SET property_type = EXCLUDED.property_type, is_numerical = EXCLUDED.is_numerical
            WHERE property_definitions.property_type IS NULL AND EXCLUDED.property_type IS NOT NULL""";

    private static final String SQL = """
            WITH batch AS (SELECT * FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS b(name, first_ts, last_ts)),
            new_events AS (
                INSERT INTO event_definitions (team_id, id, name, created_at, last_seen_at)
                SELECT $1, gen_random_uuid(), name, first_ts, last_ts FROM batch ORDER BY name
                ON CONFLICT (team_id, name) DO NOTHING RETURNING name, created_at, last_seen_at),
            seen AS (
                UPDATE event_definitions d SET last_seen_at = greatest(d.last_seen_at, b.last_ts),
                    created_at = least(d.created_at, b.first_ts)
                FROM batch b WHERE d.team_id = $1 AND d.name = b.name
                AND (d.last_seen_at IS NULL OR d.last_seen_at < b.last_ts - interval '1 hour' OR d.created_at > b.first_ts)
                RETURNING d.name, d.created_at, d.last_seen_at),
            new_properties AS (
                INSERT INTO property_definitions (team_id, id, name, type, property_type, is_numerical)
                SELECT $1, gen_random_uuid(), n, t, pt, coalesce(pt = 'Numeric', false)
                FROM unnest($5::text[], $6::smallint[], $7::text[]) AS p(n, t, pt) ORDER BY t, n
                ON CONFLICT (team_id, type, group_type_index, name) DO UPDATE
                SET property_type = EXCLUDED.property_type, is_numerical = EXCLUDED.is_numerical
                WHERE property_definitions.property_type IS NULL AND EXCLUDED.property_type IS NOT NULL RETURNING 1),
            new_pairs AS (
                INSERT INTO event_properties (team_id, event, property)
                SELECT $1, e, p FROM unnest($8::text[], $9::text[]) AS x(e, p) ORDER BY e, p
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT b.name, coalesce(n.created_at, s.created_at, d.created_at),
                   coalesce(n.last_seen_at, s.last_seen_at, d.last_seen_at)
            FROM batch b LEFT JOIN new_events n ON n.name = b.name LEFT JOIN seen s ON s.name = b.name
            LEFT JOIN event_definitions d ON d.team_id = $1 AND d.name = b.name""";

    private final KnownDefinitions known;

    @Inject
    public DefinitionsRecorder(
            @ConfigProperty(name = "quarry.capture.definitions-cache-ms", defaultValue = "600000") long cacheMillis,
            @ConfigProperty(name = "quarry.capture.definitions-cache-entries", defaultValue = "200000") int cacheEntries) {
        this(new KnownDefinitions(cacheEntries, TimeUnit.MILLISECONDS.toNanos(cacheMillis), System::nanoTime));
    }

    DefinitionsRecorder(KnownDefinitions known) {
        this.known = known;
    }

    /** What one attempt of a batch confirmed stored; kept by the cache only through {@link #committed}. */
    public final class Learned {
        private final long teamId;
        private Batch sent;
        private final List<StoredEvent> events = new ArrayList<>();

        Learned(long teamId) {
            this.teamId = teamId;
        }

        /** Call once the batch's {@code COMMIT} succeeded: its sent names are stored from then on. */
        public void committed() {
            if (sent == null) {
                return;
            }
            for (int i = 0; i < sent.propertyNames().length; i++) {
                known.add(new KnownDefinitions.Property(teamId, sent.propertyKinds()[i], sent.propertyNames()[i],
                        sent.propertyTypes()[i] != null));
            }
            for (int i = 0; i < sent.pairEvents().length; i++) {
                known.add(new KnownDefinitions.Pair(teamId, sent.pairEvents()[i], sent.pairProperties()[i]));
            }
            for (StoredEvent event : events) {
                known.addEvent(teamId, event.name(), event.created(), event.lastSeen());
            }
        }
    }

    /** An event definition's row as the batch's statement left it. */
    private record StoredEvent(String name, Instant created, Instant lastSeen) {
    }

    /** A fresh record of what one attempt of a batch of the team sends (one per transaction). */
    public Learned learning(long teamId) {
        return new Learned(teamId);
    }

    /** Drops what this process knows of the team's definitions (call when it deletes one of them). */
    public void forgetTeam(long teamId) {
        known.forgetTeam(teamId);
    }

    /**
     * Records the batch's names not known stored; call once per capture batch, on the batch's own transaction. Sends
     * nothing when every name is known and current.
     */
    public Uni<Void> record(SqlConnection conn, long teamId, List<CapturedEvent> events, Learned learned) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Batch batch = Batch.of(events).unknown(known, teamId);
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery(SQL).execute(Tuple.tuple(List.of(teamId,
                        batch.eventNames(), batch.firstSeen(), batch.lastSeen(),
                        batch.propertyNames(), batch.propertyKinds(), batch.propertyTypes(),
                        batch.pairEvents(), batch.pairProperties())))
                .invoke(rows -> {
                    learned.sent = batch;
                    for (Row row : rows) {
                        OffsetDateTime created = row.getOffsetDateTime(1);
                        OffsetDateTime lastSeen = row.getOffsetDateTime(2);
                        // a name another transaction inserted meanwhile is not in this statement's snapshot: not kept
                        if (created != null && lastSeen != null) {
                            learned.events.add(new StoredEvent(row.getString(0), created.toInstant(),
                                    lastSeen.toInstant()));
                        }
                    }
                })
                .replaceWithVoid();
    }

    /**
     * Records the group properties the batch's {@code $groupidentify} events set ({@code $group_set}, as merged per
     * group by {@link GroupResolution}) as definitions of type 3 under their group type's index, as PostHog's
     * property-definitions ingestion does for {@code $groupidentify}; typed from the first value as event properties
     * are. Added to the batch's writes (its transaction) only when some group sets a property: one insert of the
     * batch's distinct (index, name) pairs, known pairs writing nothing.
     */
    static void recordGroups(SqlConnection conn, long teamId, List<GroupResolution.Group> groups,
                             List<Uni<Void>> writes) {
        Map<String, String> types = new TreeMap<>();
        for (GroupResolution.Group group : groups) {
            Map<String, String> ofIndex = new TreeMap<>();
            Batch.collectGroup(group.properties(), ofIndex);
            ofIndex.forEach((name, type) -> types.merge(group.index() + "\u0000" + name, type == null ? "" : type,
                    (a, b) -> a.isEmpty() ? b : a));
        }
        if (types.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(types.size());
        List<Short> indexes = new ArrayList<>(types.size());
        List<String> propertyTypes = new ArrayList<>(types.size());
        types.forEach((key, type) -> {
            int cut = key.indexOf('\u0000');
            indexes.add(Short.valueOf(key.substring(0, cut)));
            names.add(key.substring(cut + 1));
            propertyTypes.add(type.isEmpty() ? null : type);
        });
        writes.add(conn.preparedQuery(GROUP_SQL).execute(Tuple.of(teamId, names.toArray(String[]::new),
                indexes.toArray(Short[]::new), propertyTypes.toArray(String[]::new))).replaceWithVoid());
    }

    /** The batch reduced to its distinct names, as the statement's array parameters. */
    record Batch(String[] eventNames, OffsetDateTime[] firstSeen, OffsetDateTime[] lastSeen, String[] propertyNames,
                 Short[] propertyKinds, String[] propertyTypes, String[] pairEvents, String[] pairProperties) {

        static Batch of(List<CapturedEvent> events) {
            Map<String, Instant[]> seen = new TreeMap<>();
            Map<String, String> eventProps = new TreeMap<>();
            Map<String, String> personProps = new TreeMap<>();
            Map<String, Set<String>> pairs = new TreeMap<>();
            for (CapturedEvent event : events) {
                seen.merge(event.event(), new Instant[] {event.timestamp(), event.timestamp()}, (a, b) -> new Instant[] {
                        a[0].isBefore(b[0]) ? a[0] : b[0], a[1].isAfter(b[1]) ? a[1] : b[1]});
                Set<String> names = pairs.computeIfAbsent(event.event(), k -> new TreeSet<>());
                collect(event.properties(), eventProps, names);
                // the person properties the event writes: its $set / $set_once and what PostHog derives from the
                // event's properties ($browser, $initial_browser, $current_url, …), as PostHog's ingestion adds them
                // to the event's $set / $set_once before its property definitions are read
                if (!event.event().equals("$groupidentify")
                        && !DerivedPersonProperties.NO_PERSON_UPDATE_EVENTS.contains(event.event())) {
                    DerivedPersonProperties.Updates updates = event.personUpdates();
                    collect(updates.set(), personProps);
                    collect(updates.setOnce(), personProps);
                }
            }
            List<String> pn = new ArrayList<>();
            List<Short> pk = new ArrayList<>();
            List<String> pt = new ArrayList<>();
            eventProps.forEach((name, type) -> { pn.add(name); pk.add(EVENT); pt.add(type); });
            personProps.forEach((name, type) -> { pn.add(name); pk.add(PERSON); pt.add(type); });
            List<String> pe = new ArrayList<>();
            List<String> pp = new ArrayList<>();
            pairs.forEach((event, props) -> props.forEach(p -> { pe.add(event); pp.add(p); }));
            return new Batch(seen.keySet().toArray(String[]::new),
                    seen.values().stream().map(v -> v[0].atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new),
                    seen.values().stream().map(v -> v[1].atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new),
                    pn.toArray(String[]::new), pk.toArray(Short[]::new), pt.toArray(String[]::new),
                    pe.toArray(String[]::new), pp.toArray(String[]::new));
        }

        boolean isEmpty() {
            return eventNames.length == 0 && propertyNames.length == 0 && pairEvents.length == 0;
        }

        /** This batch without what {@code known} holds for the team: names and pairs stored, events current. */
        Batch unknown(KnownDefinitions known, long teamId) {
            List<Integer> events = new ArrayList<>();
            for (int i = 0; i < eventNames.length; i++) {
                if (!known.eventCurrent(teamId, eventNames[i], firstSeen[i].toInstant(), lastSeen[i].toInstant())) {
                    events.add(i);
                }
            }
            List<Integer> properties = new ArrayList<>();
            for (int i = 0; i < propertyNames.length; i++) {
                if (!known.knows(new KnownDefinitions.Property(teamId, propertyKinds[i], propertyNames[i],
                        propertyTypes[i] != null))) {
                    properties.add(i);
                }
            }
            List<Integer> pairs = new ArrayList<>();
            for (int i = 0; i < pairEvents.length; i++) {
                if (!known.knows(new KnownDefinitions.Pair(teamId, pairEvents[i], pairProperties[i]))) {
                    pairs.add(i);
                }
            }
            if (events.size() == eventNames.length && properties.size() == propertyNames.length
                    && pairs.size() == pairEvents.length) {
                return this;
            }
            return new Batch(pick(eventNames, events, String[]::new), pick(firstSeen, events, OffsetDateTime[]::new),
                    pick(lastSeen, events, OffsetDateTime[]::new), pick(propertyNames, properties, String[]::new),
                    pick(propertyKinds, properties, Short[]::new), pick(propertyTypes, properties, String[]::new),
                    pick(pairEvents, pairs, String[]::new), pick(pairProperties, pairs, String[]::new));
        }

        private static <T> T[] pick(T[] all, List<Integer> kept, java.util.function.IntFunction<T[]> array) {
            T[] picked = array.apply(kept.size());
            for (int i = 0; i < picked.length; i++) {
                picked[i] = all[kept.get(i)];
            }
            return picked;
        }

        static void collectGroup(ObjectNode properties, Map<String, String> types) {
            collect(properties, types, null);
        }

        private static void collect(Map<String, JsonNode> properties, Map<String, String> types) {
            properties.entrySet().forEach(field -> collect(field, types, null));
        }

        private static void collect(ObjectNode properties, Map<String, String> types, Set<String> names) {
            if (properties == null) {
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = properties.fields();
            while (fields.hasNext()) {
                collect(fields.next(), types, names);
            }
        }

        private static void collect(Map.Entry<String, JsonNode> field, Map<String, String> types, Set<String> names) {
            String key = field.getKey();
            if (key.isEmpty() || key.length() > 400
                    || StoredPersonUpdates.skippedByDefinitions(key)) {
                return;
            }
            // the first typed value wins within the batch, as the first stored one wins across batches (so a key
            // already typed is not inferred again: most of a batch's keys repeat in every event)
            if (types.get(key) == null) {
                types.put(key, PropertyTypes.infer(key, field.getValue()));
            }
            if (names != null) {
                names.add(key);
            }
        }
    }

}
