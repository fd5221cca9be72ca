package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.definitions.DefinitionsRecorder;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Stores a batch of events with their person processing in one transaction: all of it or none of it. Distinct
 * ids the batch touches are locked first (advisory locks in a fixed order), so concurrent batches for the same
 * users serialise instead of creating two persons for one id. Re-sent event uuids are ignored.
 */
@ApplicationScoped
public class EventIngestor {
    private static final Set<String> RETRYABLE_STATES = Set.of("40P01", "40001", "23505");

    private final Pool pool;
    private final ObjectMapper mapper;
    private final DefinitionsRecorder definitions;

    public EventIngestor(Pool pool, ObjectMapper mapper, DefinitionsRecorder definitions) {
        this.pool = pool;
        this.mapper = mapper;
        this.definitions = definitions;
    }

    /** @return the number of events newly stored (re-sent uuids are not counted) */
    public Uni<Integer> ingest(Team team, List<CapturedEvent> events) {
        return Uni.createFrom().deferred(() -> pool.withTransaction(conn -> ingest(conn, team.id(), events)))
                .onFailure(EventIngestor::isRetryable).retry().atMost(3);
    }

    private Uni<Integer> ingest(SqlConnection conn, long teamId, List<CapturedEvent> events) {
        Set<String> distinctIds = new LinkedHashSet<>();
        events.forEach(event -> distinctIds.addAll(PersonResolution.distinctIdsOf(event)));
        String[] ids = distinctIds.toArray(String[]::new);
        return lock(conn, teamId, ids)
                .flatMap(ignored -> load(conn, teamId, ids))
                .flatMap(existing -> write(conn, teamId, events, new PersonResolution(existing).process(events)))
                .call(stored -> definitions.record(conn, teamId, events));
    }

    private static Uni<Void> lock(SqlConnection conn, long teamId, String[] distinctIds) {
        Long[] keys = new Long[distinctIds.length];
        for (int i = 0; i < distinctIds.length; i++) {
            keys[i] = lockKey(teamId, distinctIds[i]);
        }
        java.util.Arrays.sort(keys);
        return conn.preparedQuery("SELECT count(pg_advisory_xact_lock(k)) FROM "
                        + "(SELECT DISTINCT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS ordered")
                .execute(Tuple.of(keys)).replaceWithVoid();
    }

    static long lockKey(long teamId, String distinctId) {
        long hash = 1125899906842597L ^ teamId;
        for (byte b : distinctId.getBytes(StandardCharsets.UTF_8)) {
            hash = 31 * hash + b;
        }
        return hash;
    }

    /** The persons of the batch's distinct ids, locked; an id whose person was deleted maps to a deleted record. */
    private Uni<Map<String, PersonRecord>> load(SqlConnection conn, long teamId, String[] distinctIds) {
        return conn.preparedQuery("SELECT distinct_id, person_id FROM person_distinct_ids "
                        + "WHERE team_id = $1 AND distinct_id = ANY($2)")
                .execute(Tuple.of(teamId, distinctIds))
                .flatMap(mappings -> {
                    Map<String, UUID> personOf = new HashMap<>();
                    mappings.forEach(row -> personOf.put(row.getString(0), row.getUUID(1)));
                    UUID[] uuids = personOf.values().stream().distinct().toArray(UUID[]::new);
                    return conn.preparedQuery("SELECT uuid, created_at, properties::text, is_identified FROM persons "
                                    + "WHERE team_id = $1 AND uuid = ANY($2) ORDER BY id FOR UPDATE")
                            .execute(Tuple.of(teamId, uuids))
                            .map(rows -> {
                                Map<UUID, PersonRecord> byUuid = new HashMap<>();
                                for (Row row : rows) {
                                    byUuid.put(row.getUUID(0), new PersonRecord(row.getUUID(0), false,
                                            row.getOffsetDateTime(1).toInstant(), parseObject(row.getString(2)),
                                            row.getBoolean(3)));
                                }
                                Map<String, PersonRecord> byDistinctId = new HashMap<>();
                                personOf.forEach((distinctId, uuid) -> byDistinctId.put(distinctId,
                                        byUuid.computeIfAbsent(uuid, PersonRecord::deleted)));
                                return byDistinctId;
                            });
                });
    }

    private Uni<Integer> write(SqlConnection conn, long teamId, List<CapturedEvent> events,
                               PersonResolution.Outcome outcome) {
        return insertPersons(conn, teamId, outcome.created())
                .flatMap(x -> repointMergedDistinctIds(conn, teamId, outcome.merges()))
                .flatMap(x -> upsertDistinctIds(conn, teamId, outcome.distinctIds()))
                .flatMap(x -> recordOverrides(conn, teamId, outcome.merges()))
                .flatMap(x -> deletePersons(conn, teamId, outcome.deletedExisting()))
                .flatMap(x -> updatePersons(conn, teamId, outcome.updated()))
                .flatMap(x -> insertEvents(conn, teamId, events, outcome.eventPersons()));
    }

    private Uni<Void> insertPersons(SqlConnection conn, long teamId, List<PersonRecord> persons) {
        if (persons.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("INSERT INTO persons (team_id, uuid, created_at, properties, is_identified) "
                        + "SELECT $1, u, c, p::jsonb, i FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::bool[]) "
                        + "AS t(u, c, p, i)")
                .execute(Tuple.of(teamId, column(persons, p -> p.uuid, UUID[]::new),
                        column(persons, p -> utc(p.createdAt), OffsetDateTime[]::new),
                        column(persons, p -> p.properties.toString(), String[]::new),
                        column(persons, p -> p.identified, Boolean[]::new)))
                .replaceWithVoid();
    }

    private static Uni<Void> repointMergedDistinctIds(SqlConnection conn, long teamId,
                                                      List<PersonResolution.Merge> merges) {
        if (merges.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("UPDATE person_distinct_ids d SET person_id = m.into_id, version = d.version + 1 "
                        + "FROM unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) "
                        + "WHERE d.team_id = $1 AND d.person_id = m.from_id")
                .execute(mergeTuple(teamId, merges)).replaceWithVoid();
    }

    private static Uni<Void> upsertDistinctIds(SqlConnection conn, long teamId, Map<String, UUID> distinctIds) {
        if (distinctIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("INSERT INTO person_distinct_ids (team_id, distinct_id, person_id) "
                        + "SELECT $1, d, p FROM unnest($2::text[], $3::uuid[]) AS t(d, p) "
                        + "ON CONFLICT (team_id, distinct_id) DO UPDATE SET person_id = EXCLUDED.person_id, "
                        + "version = person_distinct_ids.version + 1 "
                        + "WHERE person_distinct_ids.person_id <> EXCLUDED.person_id")
                .execute(Tuple.of(teamId, distinctIds.keySet().toArray(String[]::new),
                        distinctIds.values().toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    /** Events keep their person id; queries read it through these overrides, flattened so one lookup suffices. */
    private static Uni<Void> recordOverrides(SqlConnection conn, long teamId, List<PersonResolution.Merge> merges) {
        if (merges.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Tuple tuple = mergeTuple(teamId, merges);
        return conn.preparedQuery("UPDATE person_overrides o SET override_person_id = m.into_id "
                        + "FROM unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) "
                        + "WHERE o.team_id = $1 AND o.override_person_id = m.from_id")
                .execute(tuple)
                .flatMap(x -> conn.preparedQuery("INSERT INTO person_overrides (team_id, old_person_id, override_person_id) "
                                + "SELECT $1, f, i FROM unnest($2::uuid[], $3::uuid[]) AS m(f, i) "
                                + "ON CONFLICT (team_id, old_person_id) DO UPDATE SET override_person_id = EXCLUDED.override_person_id")
                        .execute(tuple))
                .flatMap(x -> conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                                + "SELECT c.team_id, c.cohort_id, m.into_id FROM cohort_people c "
                                + "JOIN unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) ON c.person_id = m.from_id "
                                + "WHERE c.team_id = $1 ON CONFLICT DO NOTHING")
                        .execute(tuple))
                .replaceWithVoid();
    }

    private static Uni<Void> deletePersons(SqlConnection conn, long teamId, List<UUID> persons) {
        if (persons.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        UUID[] uuids = persons.toArray(UUID[]::new);
        return conn.preparedQuery("DELETE FROM cohort_people WHERE team_id = $1 AND person_id = ANY($2)")
                .execute(Tuple.of(teamId, uuids))
                .flatMap(x -> conn.preparedQuery("DELETE FROM persons WHERE team_id = $1 AND uuid = ANY($2)")
                        .execute(Tuple.of(teamId, uuids)))
                .replaceWithVoid();
    }

    private static Uni<Void> updatePersons(SqlConnection conn, long teamId, List<PersonRecord> persons) {
        if (persons.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("UPDATE persons p SET properties = u.props::jsonb, is_identified = u.identified, "
                        + "created_at = u.created_at, version = p.version + 1 "
                        + "FROM unnest($2::uuid[], $3::text[], $4::bool[], $5::timestamptz[]) "
                        + "AS u(uuid, props, identified, created_at) WHERE p.team_id = $1 AND p.uuid = u.uuid")
                .execute(Tuple.of(teamId, column(persons, p -> p.uuid, UUID[]::new),
                        column(persons, p -> p.properties.toString(), String[]::new),
                        column(persons, p -> p.identified, Boolean[]::new),
                        column(persons, p -> utc(p.createdAt), OffsetDateTime[]::new)))
                .replaceWithVoid();
    }

    private static Uni<Integer> insertEvents(SqlConnection conn, long teamId, List<CapturedEvent> events,
                                             List<UUID> persons) {
        return conn.preparedQuery("INSERT INTO events (team_id, uuid, event, distinct_id, properties, timestamp, person_id) "
                        + "SELECT $1, u, e, d, p::jsonb, t, pid FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], "
                        + "$6::timestamptz[], $7::uuid[]) AS x(u, e, d, p, t, pid) ON CONFLICT (team_id, uuid) DO NOTHING")
                .execute(Tuple.tuple(List.of(teamId, column(events, CapturedEvent::uuid, UUID[]::new),
                        column(events, CapturedEvent::event, String[]::new),
                        column(events, CapturedEvent::distinctId, String[]::new),
                        column(events, e -> e.properties().toString(), String[]::new),
                        column(events, e -> utc(e.timestamp()), OffsetDateTime[]::new),
                        persons.toArray(UUID[]::new))))
                .map(rows -> rows.rowCount());
    }

    private static Tuple mergeTuple(long teamId, List<PersonResolution.Merge> merges) {
        return Tuple.of(teamId, column(merges, PersonResolution.Merge::from, UUID[]::new),
                column(merges, PersonResolution.Merge::into, UUID[]::new));
    }

    private static <T, V> V[] column(List<T> rows, Function<T, V> value, java.util.function.IntFunction<V[]> array) {
        List<V> values = new ArrayList<>(rows.size());
        rows.forEach(row -> values.add(value.apply(row)));
        return values.toArray(array.apply(0));
    }

    private static OffsetDateTime utc(java.time.Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private ObjectNode parseObject(String json) {
        try {
            return (ObjectNode) mapper.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            return mapper.createObjectNode();
        }
    }

    private static boolean isRetryable(Throwable failure) {
        return failure instanceof PgException pg && RETRYABLE_STATES.contains(pg.getSqlState());
    }
}
