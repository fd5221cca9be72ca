package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
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

/**
 * Keeps event and property definitions current from capture, inside the capture transaction, in ONE statement per
 * batch: the batch's distinct event names, (event, property) pairs and property names are inserted only when new
 * ({@code ON CONFLICT DO NOTHING} writes nothing for known names), and an event's {@code last_seen_at} moves on at
 * most once an hour (an UPDATE that matches only stale rows, so busy events are not a hot row every batch locks).
 * Property types are inferred from the first value seen ({@link PropertyTypes}); later values never change them.
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
            ON CONFLICT (team_id, type, group_type_index, name) DO NOTHING""";

    private static final String SQL = """
            WITH batch AS (SELECT * FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS b(name, first_ts, last_ts)),
            new_events AS (
                INSERT INTO event_definitions (team_id, id, name, created_at, last_seen_at)
                SELECT $1, gen_random_uuid(), name, first_ts, last_ts FROM batch ORDER BY name
                ON CONFLICT (team_id, name) DO NOTHING RETURNING 1),
            seen AS (
                UPDATE event_definitions d SET last_seen_at = greatest(d.last_seen_at, b.last_ts),
                    created_at = least(d.created_at, b.first_ts)
                FROM batch b WHERE d.team_id = $1 AND d.name = b.name
                AND (d.last_seen_at IS NULL OR d.last_seen_at < b.last_ts - interval '1 hour' OR d.created_at > b.first_ts)
                RETURNING 1),
            new_properties AS (
                INSERT INTO property_definitions (team_id, id, name, type, property_type, is_numerical)
                SELECT $1, gen_random_uuid(), n, t, pt, coalesce(pt = 'Numeric', false)
                FROM unnest($5::text[], $6::smallint[], $7::text[]) AS p(n, t, pt) ORDER BY t, n
                ON CONFLICT (team_id, type, group_type_index, name) DO NOTHING RETURNING 1),
            new_pairs AS (
                INSERT INTO event_properties (team_id, event, property)
                SELECT $1, e, p FROM unnest($8::text[], $9::text[]) AS x(e, p) ORDER BY e, p
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT (SELECT count(*) FROM new_events), (SELECT count(*) FROM seen), (SELECT count(*) FROM new_properties),
                   (SELECT count(*) FROM new_pairs)""";

    /** Records the batch's names; call once per capture batch, on the batch's own transaction. */
    public Uni<Void> record(SqlConnection conn, long teamId, List<CapturedEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Batch batch = Batch.of(events);
        return conn.preparedQuery(SQL).execute(Tuple.tuple(List.of(teamId,
                        batch.eventNames(), batch.firstSeen(), batch.lastSeen(),
                        batch.propertyNames(), batch.propertyKinds(), batch.propertyTypes(),
                        batch.pairEvents(), batch.pairProperties())))
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
