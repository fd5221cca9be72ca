package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Stores a batch of events with their person and group processing in one transaction: all of it or none of it.
 * Concurrency: a batch without merge events ({@code $identify}, {@code $create_alias}, {@code $merge_dangerously})
 * reads its distinct ids and their persons in one statement without locks, resolves its persons (an unseen id's new
 * person has its deterministic uuid, the same in every batch), inserts its events, and only then takes advisory locks
 * (sorted) on the ids that had no person, reading them again in the same round trip: so two batches sharing new ids
 * overlap everything but their persons' writes. If the fresh read shows such an id created or used meanwhile, the
 * persons are resolved again; if an event would then count for another person than the one stored, or a person
 * update finds the row's {@code version} changed, the whole batch is rolled back and retried under full locking. A
 * batch with merge events, and every retry, locks all its distinct ids and their persons ({@code FOR UPDATE}) first
 * and writes its events last. Events keep the person id they were resolved to, and a merge committed meanwhile
 * reaches them through person_overrides like older events.
 * Events are de-duplicated on PostHog's key
 * (uuid, event, distinct_id, UTC day of the timestamp — its ClickHouse sort key): a copy sent again replaces the
 * stored one (the later copy wins, also within one batch). The fixes and refusals applied on the way are stored as the project's ingestion warnings. Every write
 * is one set-based statement per batch, and only issued when the batch needs it.
 */
@ApplicationScoped
public class EventIngestor {
    private static final String UNIQUE_VIOLATION = "23505";
    /**
     * A statement pipelined after one that failed answers 25P02 (the transaction is aborted); when its answer is the
     * one the batch sees, the batch is retried as for the first failure (under full locks, stored copies replaced).
     */
    private static final String IN_FAILED_TRANSACTION = "25P02";
    /** A person read without a lock changed before the batch's update of it (the update's own check, V96_1). */
    private static final String PERSON_CHANGED = "QC409";
    private static final Set<String> RETRYABLE_STATES = Set.of("40P01", "40001", UNIQUE_VIOLATION,
            IN_FAILED_TRANSACTION, PERSON_CHANGED);

    private final Pool pool;
    private final ObjectMapper mapper;
    private final Clock clock;
    /** The length of a person's properties JSON past which an update sends what changed rather than the whole. */
    static final int PATCH_FROM_CHARS = 8192;
    private final DefinitionsRecorder definitions;
    private final ProjectCaptureLimiter limiter;

    /**
     * @param poolSize the shared pool's connections: one project's batches run at most {@code poolSize - 2} at once
     *                 (the rest stay for other projects), 64 more wait ({@link ProjectCaptureLimiter})
     */
    @Inject
    public EventIngestor(Pool pool, ObjectMapper mapper, DefinitionsRecorder definitions, Clock clock,
                         @org.eclipse.microprofile.config.inject.ConfigProperty(
                                 name = "quarkus.datasource.reactive.max-size", defaultValue = "8") int poolSize) {
        this.pool = pool;
        this.mapper = mapper;
        this.definitions = definitions;
        this.clock = clock;
        this.limiter = new ProjectCaptureLimiter(Math.max(2, poolSize - 2), PROJECT_BATCHES_WAITING);
    }

    /** Batches of one project that may wait for a running slot before the next is a 503. */
    static final int PROJECT_BATCHES_WAITING = 64;

    /** @return the number of event rows written (inserted or replaced by a re-sent copy) */
    public Uni<Integer> ingest(Team team, List<CapturedEvent> events) {
        return ingest(team, events, List.of());
    }

    /**
     * @param parseWarnings fixes the payload parser applied to these events, stored with the batch
     * @return the number of event rows written (inserted or replaced by a re-sent copy)
     */
    public Uni<Integer> ingest(Team team, List<CapturedEvent> events, List<IngestionWarning> parseWarnings) {
        return ingest(team.id(), events, parseWarnings);
    }

    /**
     * @param teamId the project the events belong to
     * @param parseWarnings fixes the payload parser applied to these events, stored with the batch
     * @return the number of event rows written (inserted or replaced by a re-sent copy)
     */
    public Uni<Integer> ingest(long teamId, List<CapturedEvent> events, List<IngestionWarning> parseWarnings) {
        return limiter.run(teamId, () -> ingestNow(teamId, events, parseWarnings));
    }

    /** {@link #ingest(long, List, List)} once the project's limiter let the batch run. */
    private Uni<Integer> ingestNow(long teamId, List<CapturedEvent> events, List<IngestionWarning> parseWarnings) {
        java.util.concurrent.atomic.AtomicBoolean lockAll = new java.util.concurrent.atomic.AtomicBoolean(
                events.stream().anyMatch(event -> PersonResolution.distinctIdsOf(event).size() > 1));
        // the first attempt inserts the events without ON CONFLICT (a re-sent event fails it with 23505 and the
        // retry replaces the stored copies): the arbiter check of every row is most of an upsert's extra cost
        java.util.concurrent.atomic.AtomicBoolean upsert = new java.util.concurrent.atomic.AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger groupTypeRetries = new java.util.concurrent.atomic.AtomicInteger();
        return Uni.createFrom().deferred(() -> {
                    // what this attempt's definitions statement stored is remembered only once its COMMIT succeeded
                    DefinitionsRecorder.Learned learned = definitions.learning(teamId);
                    return pool.withConnection(conn -> transaction(conn, tx -> ingest(tx, teamId, events,
                                    parseWarnings, lockAll.get(), upsert.get(), learned)))
                            .invoke(learned::committed);
                })
                .onFailure(failure -> {
                    if (takenMeanwhile(failure)) {
                        // each one is a group type another batch committed, and a project has at most five
                        return groupTypeRetries.incrementAndGet() <= GroupResolution.MAX_GROUP_TYPES;
                    }
                    // a retry locks everything first, so it cannot lose to a concurrent batch again
                    boolean retry = (failure instanceof PersonChangedMeanwhile || isRetryable(failure))
                            && retries.incrementAndGet() <= 3;
                    lockAll.compareAndSet(false, retry);
                    if (failure instanceof PgException pg && (UNIQUE_VIOLATION.equals(pg.getSqlState())
                            || IN_FAILED_TRANSACTION.equals(pg.getSqlState()))) {
                        upsert.set(true);
                    }
                    return retry;
                }).retry().atMost(3 + GroupResolution.MAX_GROUP_TYPES);
    }

    /**
     * The batch's transaction on one connection, without a round trip of its own for {@code BEGIN} or
     * {@code COMMIT}: {@code BEGIN} goes out with the batch's first read ({@link Tx#begin}) and {@code COMMIT} with
     * its last writes ({@link Tx#commitWith}), pipelined (PostgreSQL runs them in the order sent; a {@code COMMIT}
     * after a failed statement ends the transaction as a rollback). A failure before the {@code COMMIT} went out
     * (a read failed, a concurrent batch changed a person) sends a {@code ROLLBACK}, so no connection goes back to
     * the pool inside a transaction.
     */
    private static <T> Uni<T> transaction(SqlConnection conn, Function<Tx, Uni<T>> work) {
        Tx tx = new Tx(conn);
        return Uni.createFrom().deferred(() -> work.apply(tx))
                .onFailure().call(failure -> tx.committing ? Uni.createFrom().voidItem()
                        : conn.query("ROLLBACK").execute().onFailure().recoverWithNull().replaceWithVoid());
    }

    /** The connection of a batch's transaction, and whether its {@code COMMIT} has gone out. */
    private static final class Tx {
        final SqlConnection conn;
        volatile boolean committing;

        Tx(SqlConnection conn) {
            this.conn = conn;
        }

        /** {@code BEGIN}, sent ahead of the statements subscribed after it (the same round trip). */
        Uni<Void> begin() {
            return conn.query("BEGIN").execute().replaceWithVoid();
        }

        /**
         * The last statements of the transaction and {@code COMMIT} right behind them, in one round trip. Every
         * statement of {@code last} must go out when it is subscribed (no step that waits for an answer before
         * sending): what went out after the {@code COMMIT} would run outside the transaction.
         *
         * @return the item of {@code last}; its failure (the transaction then ended as a rollback), else the
         *         {@code COMMIT}'s
         */
        <T> Uni<T> commitWith(Uni<T> last) {
            return Uni.createFrom().deferred(() -> {
                committing = true;
                return Uni.combine().all().unis(settle(last), settle(conn.query("COMMIT").execute())).asTuple()
                        .flatMap(both -> both.getItem1().failure() != null
                                ? Uni.createFrom().<T>failure(both.getItem1().failure())
                                : both.getItem2().failure() != null
                                ? Uni.createFrom().<T>failure(both.getItem2().failure())
                                : Uni.createFrom().item(both.getItem1().value()));
            });
        }
    }

    /** An item or a failure, so that pipelined commands are awaited together and each outcome read after. */
    private record Settled<T>(T value, Throwable failure) {
    }

    private static <T> Uni<Settled<T>> settle(Uni<T> uni) {
        return uni.onItemOrFailure().transform((value, failure) -> new Settled<>(value, failure));
    }

    /**
     * The item delivered on a worker thread: the pg client answers on an event loop, and what follows a batch's reads
     * (person and group resolution, the property-definitions batch, every JSON text and array parameter: milliseconds
     * per 1,000 events, seconds for 1,000 events of 40 floats under load, a breaker finding) would otherwise hold
     * that event loop and every request queued on it — a neighbour project's capture included. One hop per batch.
     */
    private static <T> Uni<T> offTheEventLoop(Uni<T> read) {
        return read.emitOn(Infrastructure.getDefaultWorkerPool());
    }

    /** A person this batch read without a lock was changed by another transaction before the update. */
    static final class PersonChangedMeanwhile extends RuntimeException {
        PersonChangedMeanwhile() {
            super("a person changed while the batch was processed", null, false, false);
        }
    }

    /**
     * Processing writes $group_N into the properties of events with $groups (and drops $process_person_profile);
     * each attempt starts from the event as sent, so only those events are copied.
     */
    private static List<CapturedEvent> copies(List<CapturedEvent> events) {
        List<CapturedEvent> copies = new ArrayList<>(events.size());
        for (CapturedEvent e : events) {
            copies.add(e.properties().has("$groups") || e.properties().has("$process_person_profile")
                    ? new CapturedEvent(e.uuid(), e.event(), e.distinctId(), e.properties().deepCopy(),
                            e.timestamp(), e.set(), e.setOnce(), e.unset(), e.derivedUpdates(), e.elementsChain())
                    : e);
        }
        return copies;
    }

    /**
     * The batch's round trips: a batch whose distinct ids all have persons makes two ({@code BEGIN}, the read of
     * ids and persons and the group types; then the events, persons' writes, definitions and {@code COMMIT}); one
     * with new ids three (the events go out with the new ids' locks and their fresh read, the persons' writes and
     * the definitions with {@code COMMIT}); one with merges, or a retry, three ({@code BEGIN}, the locks and the
     * ids' mappings; the persons locked; every write and {@code COMMIT}). In every path the definitions statement is
     * the last before {@code COMMIT}, so its row locks are the last a batch takes.
     */
    private Uni<Integer> ingest(Tx tx, long teamId, List<CapturedEvent> sent,
                                List<IngestionWarning> parseWarnings, boolean lockAll, boolean upsert,
                                DefinitionsRecorder.Learned learned) {
        SqlConnection conn = tx.conn;
        List<CapturedEvent> events = copies(sent);
        Set<String> distinctIds = new LinkedHashSet<>();
        events.forEach(event -> distinctIds.addAll(PersonResolution.distinctIdsOf(event)));
        String[] ids = distinctIds.toArray(String[]::new);
        Instant now = clock.instant();
        if (lockAll) {
            return Uni.combine().all().unis(tx.begin(), lock(conn, teamId, ids),
                            mappings(conn, teamId, ids), groupTypes(conn, teamId, events)).asTuple()
                    .flatMap(first -> offTheEventLoop(lockedPersons(conn, teamId, first.getItem3()))
                            .flatMap(loaded -> {
                        Map<String, Integer> types = first.getItem4();
                        Resolved resolved = resolve(teamId, loaded, events, types, parseWarnings, now);
                        // every id and person is locked: the writes, the events and the definitions go out at once
                        return tx.commitWith(Uni.combine().all().unis(
                                        writePersons(conn, teamId, resolved.persons(), resolved.groups(),
                                                resolved.warnings()),
                                        insertEvents(conn, teamId, events, resolved.persons().eventPersons(),
                                                resolved.groups(), upsert),
                                        definitions.record(conn, teamId, events, learned))
                                .asTuple().map(all -> all.getItem2()));
                    }));
        }
        // Without merges: the events go in first, with the persons resolved from an unlocked read (an unseen id's
        // person has its deterministic uuid, the one any concurrent batch gives it too); only then are the unseen ids
        // locked and read again, so a lock on a new id is held from the persons' writes to the commit, not for the
        // whole batch, and two batches sharing new ids overlap everything but that end.
        return offTheEventLoop(Uni.combine().all().unis(tx.begin(), read(conn, teamId, ids),
                        groupTypes(conn, teamId, events)).asTuple())
                .flatMap(first -> {
            Loaded loaded = first.getItem2();
            Map<String, Integer> types = first.getItem3();
            String[] unseen = distinctIds.stream().filter(id -> !loaded.persons().containsKey(id))
                    .toArray(String[]::new);
            // the persons as read, for a second resolution after the new ids' fresh read: only a batch with new ids
            // can need it (a deep copy of every person's properties otherwise made for nothing)
            Loaded pristine = unseen.length == 0 ? null : loaded.copy();
            Resolved resolved = resolve(teamId, loaded, events, types, parseWarnings, now);
            // the events and (when every id was known) the persons' writes, the definitions and COMMIT go out at
            // once, pipelined on the connection: PostgreSQL runs them in this order, and the request waits for one
            // round trip, not three. The definitions go last in every path: their new rows are the only locks a
            // batch shares with batches of other distinct ids, so taking them after its own ids' locks and persons
            // leaves no cycle (a page view's definitions taken before its new id's lock deadlocked with an
            // $identify of that id, which holds the id's lock and writes the same definitions last)
            Uni<Integer> stored = insertEvents(conn, teamId, events, resolved.persons().eventPersons(),
                    resolved.groups(), upsert);
            if (unseen.length == 0) {
                return tx.commitWith(Uni.combine().all().unis(stored,
                                writePersons(conn, teamId, resolved.persons(), resolved.groups(), resolved.warnings()),
                                definitions.record(conn, teamId, events, learned))
                        .asTuple().map(all -> all.getItem1()));
            }
            // the new ids' locks (sorted) and their fresh read go out behind the events: a batch that held them may
            // have created their persons meanwhile
            return offTheEventLoop(Uni.combine().all().unis(stored, lock(conn, teamId, unseen),
                            read(conn, teamId, unseen)).asTuple())
                    .flatMap(all -> {
                Loaded again = all.getItem3();
                if (again.isEmpty()) {
                    return tx.commitWith(Uni.combine().all().unis(writePersons(conn, teamId, resolved.persons(),
                                    resolved.groups(), resolved.warnings()),
                            definitions.record(conn, teamId, events, learned)).discardItems())
                            .replaceWith(all.getItem1());
                }
                // another batch created or used some of these ids meanwhile: resolve again from the fresh state; the
                // stored events stay right as long as every event keeps its person, else the batch is retried
                // under full locks (rolled back first)
                List<CapturedEvent> fresh = copies(sent);
                Resolved second = resolve(teamId, pristine.with(again), fresh, types, parseWarnings, now);
                if (!second.persons().eventPersons().equals(resolved.persons().eventPersons())) {
                    return Uni.createFrom().failure(new PersonChangedMeanwhile());
                }
                return tx.commitWith(Uni.combine().all().unis(writePersons(conn, teamId, second.persons(),
                                resolved.groups(), second.warnings()),
                        definitions.record(conn, teamId, events, learned)).discardItems())
                        .replaceWith(all.getItem1());
            });
        });
    }

    /** The outcome of person and group processing for one batch, and every warning to store with it. */
    private record Resolved(PersonResolution.Outcome persons, GroupResolution.Outcome groups,
                            List<IngestionWarning> warnings) {
    }

    private static Resolved resolve(long teamId, Loaded loaded, List<CapturedEvent> events, Map<String, Integer> types,
                                    List<IngestionWarning> parseWarnings, Instant now) {
        PersonResolution.Outcome persons =
                new PersonResolution(teamId, loaded.persons(), loaded.personless(), loaded.retired(), now)
                        .process(events);
        GroupResolution.Outcome groups = new GroupResolution(types, now).process(events, persons.processed());
        List<IngestionWarning> warnings = new ArrayList<>(parseWarnings);
        warnings.addAll(persons.warnings());
        warnings.addAll(groups.warnings());
        return new Resolved(persons, groups, warnings);
    }

    /**
     * The most distinct-id locks one batch takes; a batch with more new ids locks its whole project instead. Every
     * advisory lock is a slot of PostgreSQL's shared lock table (max_locks_per_transaction × connections, ≈ 19,200
     * with the defaults): 10,000-event batches of new ids, one lock each, filled it, and every project's statements
     * then failed with "out of shared memory" (the breaker's finding).
     */
    static final int MAX_ID_LOCKS = 128;

    /** The first key of the project-wide capture lock (the two-key advisory space, apart from the one-key id locks). */
    static final int PROJECT_LOCK_SPACE = 1630423001;

    /**
     * The batch's distinct ids locked (sorted, so two batches never wait on each other in a cycle), behind the project's
     * capture lock: shared with at most {@link #MAX_ID_LOCKS} id locks, else exclusive and no id locks. A batch
     * locking the project so excludes every batch that locks ids of it, and the id locks stay exact among small
     * batches. Both statements go out when the Uni is subscribed (pipelined ahead of what follows).
     */
    private static Uni<Void> lock(SqlConnection conn, long teamId, String[] distinctIds) {
        java.util.TreeSet<Long> keys = new java.util.TreeSet<>();
        for (String distinctId : distinctIds) {
            keys.add(lockKey(teamId, distinctId));
        }
        if (keys.size() > MAX_ID_LOCKS) {
            return conn.preparedQuery("SELECT pg_advisory_xact_lock($1, hashint8($2))")
                    .execute(Tuple.of(PROJECT_LOCK_SPACE, teamId)).replaceWithVoid();
        }
        return Uni.combine().all().unis(
                conn.preparedQuery("SELECT pg_advisory_xact_lock_shared($1, hashint8($2))")
                        .execute(Tuple.of(PROJECT_LOCK_SPACE, teamId)),
                conn.preparedQuery("SELECT count(pg_advisory_xact_lock(k)) FROM "
                                + "(SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS ordered")
                        .execute(Tuple.of((Object) keys.toArray(Long[]::new)))).discardItems();
    }

    static long lockKey(long teamId, String distinctId) {
        long hash = 1125899906842597L ^ teamId;
        for (byte b : distinctId.getBytes(StandardCharsets.UTF_8)) {
            hash = 31 * hash + b;
        }
        return hash;
    }

    private record Loaded(Map<String, PersonRecord> persons, Set<String> personless, Set<UUID> retired) {
        /** Whether the read found nothing at all for its ids. */
        boolean isEmpty() {
            return persons.isEmpty() && personless.isEmpty() && retired.isEmpty();
        }

        /** A copy whose person records are copies (person processing changes them), one per person uuid. */
        Loaded copy() {
            Map<UUID, PersonRecord> byUuid = new HashMap<>();
            Map<String, PersonRecord> all = new HashMap<>();
            persons.forEach((id, person) -> all.put(id, byUuid.computeIfAbsent(person.uuid, u -> person.copy())));
            return new Loaded(all, Set.copyOf(personless), Set.copyOf(retired));
        }

        /** This state with another read of some of the ids added; one record per person uuid. */
        Loaded with(Loaded other) {
            Map<UUID, PersonRecord> byUuid = new HashMap<>();
            persons.values().forEach(person -> byUuid.put(person.uuid, person));
            Map<String, PersonRecord> all = new HashMap<>(persons);
            other.persons().forEach((id, person) -> all.put(id, byUuid.computeIfAbsent(person.uuid, u -> person)));
            Set<String> allPersonless = new HashSet<>(personless);
            allPersonless.addAll(other.personless());
            Set<UUID> allRetired = new HashSet<>(retired);
            allRetired.addAll(other.retired());
            return new Loaded(all, allPersonless, allRetired);
        }
    }

    /**
     * Without row locks, in one statement: the persons of the batch's distinct ids (an id whose person was deleted
     * maps to a deleted record), which of the ids were used before by events without a person, and which of their
     * deterministic uuids belonged to persons deleted or merged away. (Locked, with {@code forUpdate}: see
     * {@link #mappings} and {@link #lockedPersons}.)
     */
    private Uni<Loaded> read(SqlConnection conn, long teamId, String[] distinctIds) {
        UUID[] own = new UUID[distinctIds.length];
        for (int i = 0; i < distinctIds.length; i++) {
            own[i] = PersonUuids.of(teamId, distinctIds[i]);
        }
        // Each distinct id's person is fetched by its own probe of persons' (team_id, uuid) key (a lateral subquery the
        // planner cannot flatten): as a plain join, with statistics behind a fast-growing table, PostgreSQL scanned
        // every person of the project for each distinct id (133-376 ms a batch, measured; 15 + 6 ms for the two
        // separate reads before). The project id is given as (SELECT $1): a constant the planner cannot look up in the
        // statistics. With the literal id of a project that is new since the last ANALYZE, a custom plan estimated
        // ~1 row for it and read every distinct id and person of the project through the team-only indexes, filtering
        // them against the batch's array (170-250 ms a batch in the capture bench, 18.7 s for 1,000 ids of a
        // 20,000-person project in a scratch database; 26-40 ms with the key probes this form always gets).
        return conn.preparedQuery("SELECT 0, d.distinct_id, d.person_id, p.created_at, p.properties::text, "
                        + "p.is_identified, p.version FROM person_distinct_ids d "
                        + "LEFT JOIN LATERAL (SELECT created_at, properties, is_identified, version FROM persons p "
                        + "WHERE p.team_id = (SELECT $1::bigint) AND p.uuid = d.person_id OFFSET 0) p ON true "
                        + "WHERE d.team_id = (SELECT $1::bigint) AND d.distinct_id = ANY($2) "
                        + "UNION ALL SELECT 1, distinct_id, NULL, NULL, NULL, NULL, NULL FROM personless_distinct_ids "
                        + "WHERE team_id = (SELECT $1::bigint) AND distinct_id = ANY($2) "
                        + "UNION ALL SELECT 2, NULL, uuid, NULL, NULL, NULL, NULL FROM retired_person_uuids "
                        + "WHERE team_id = (SELECT $1::bigint) AND uuid = ANY($3)")
                .execute(Tuple.of(teamId, distinctIds, own))
                .map(rows -> {
                    Map<UUID, PersonRecord> byUuid = new HashMap<>();
                    Map<String, PersonRecord> byDistinctId = new HashMap<>();
                    Set<String> personless = new HashSet<>();
                    Set<UUID> retired = new HashSet<>();
                    for (Row row : rows) {
                        switch (row.getInteger(0)) {
                            case 0 -> byDistinctId.put(row.getString(1), byUuid.computeIfAbsent(row.getUUID(2),
                                    uuid -> row.getValue(3) == null ? PersonRecord.deleted(uuid) : person(row)));
                            case 1 -> personless.add(row.getString(1));
                            default -> retired.add(row.getUUID(2));
                        }
                    }
                    return new Loaded(byDistinctId, personless, retired);
                });
    }

    private PersonRecord person(Row row) {
        PersonRecord person = new PersonRecord(row.getUUID(2), false, row.getOffsetDateTime(3).toInstant(),
                parseObject(row.getString(4)), row.getBoolean(5));
        person.version = row.getLong(6);
        person.storedProperties = row.getString(4);
        return person;
    }

    /** Which person each distinct id maps to, which ids were used without a person, which own uuids were retired. */
    private record Mappings(Map<String, UUID> personOf, Set<String> personless, Set<UUID> retired) {
    }

    /**
     * The batch's distinct ids' mappings, read after their advisory locks (sent ahead of it, pipelined): which
     * person each id belongs to, which ids were used before by events without a person, and which of their
     * deterministic uuids belonged to persons deleted or merged away.
     */
    private static Uni<Mappings> mappings(SqlConnection conn, long teamId, String[] distinctIds) {
        UUID[] own = new UUID[distinctIds.length];
        for (int i = 0; i < distinctIds.length; i++) {
            own[i] = PersonUuids.of(teamId, distinctIds[i]);
        }
        return conn.preparedQuery("SELECT distinct_id, person_id, 0 FROM person_distinct_ids "
                        + "WHERE team_id = (SELECT $1::bigint) AND distinct_id = ANY($2) "
                        + "UNION ALL SELECT distinct_id, NULL::uuid, 1 FROM personless_distinct_ids "
                        + "WHERE team_id = (SELECT $1::bigint) AND distinct_id = ANY($2) "
                        + "UNION ALL SELECT NULL::text, uuid, 2 FROM retired_person_uuids "
                        + "WHERE team_id = (SELECT $1::bigint) AND uuid = ANY($3)")
                .execute(Tuple.of(teamId, distinctIds, own))
                .map(rows -> {
                    Map<String, UUID> personOf = new HashMap<>();
                    Set<String> personless = new HashSet<>();
                    Set<UUID> retired = new HashSet<>();
                    rows.forEach(row -> {
                        switch (row.getInteger(2)) {
                            case 0 -> personOf.put(row.getString(0), row.getUUID(1));
                            case 1 -> personless.add(row.getString(0));
                            default -> retired.add(row.getUUID(1));
                        }
                    });
                    return new Mappings(personOf, personless, retired);
                });
    }

    /**
     * The persons of the mapped ids, locked ({@code FOR UPDATE}, in id order); an id whose person was deleted maps
     * to a deleted record.
     */
    private Uni<Loaded> lockedPersons(SqlConnection conn, long teamId, Mappings mappings) {
        UUID[] uuids = mappings.personOf().values().stream().distinct().toArray(UUID[]::new);
        if (uuids.length == 0) {
            return Uni.createFrom().item(new Loaded(Map.of(), mappings.personless(), mappings.retired()));
        }
        return conn.preparedQuery("SELECT uuid, created_at, properties::text, is_identified, version "
                        + "FROM persons WHERE team_id = (SELECT $1::bigint) AND uuid = ANY($2) ORDER BY id FOR UPDATE")
                .execute(Tuple.of(teamId, uuids))
                .map(rows -> {
                    Map<UUID, PersonRecord> byUuid = new HashMap<>();
                    for (Row row : rows) {
                        PersonRecord person = new PersonRecord(row.getUUID(0), false,
                                row.getOffsetDateTime(1).toInstant(), parseObject(row.getString(2)),
                                row.getBoolean(3));
                        person.version = row.getLong(4);
                        person.storedProperties = row.getString(2);
                        byUuid.put(person.uuid, person);
                    }
                    Map<String, PersonRecord> byDistinctId = new HashMap<>();
                    mappings.personOf().forEach((distinctId, uuid) -> byDistinctId.put(distinctId,
                            byUuid.computeIfAbsent(uuid, PersonRecord::deleted)));
                    return new Loaded(byDistinctId, mappings.personless(), mappings.retired());
                });
    }

    /** The project's group types, read only when the batch deals with groups. */
    private static Uni<Map<String, Integer>> groupTypes(SqlConnection conn, long teamId, List<CapturedEvent> events) {
        if (!GroupResolution.concernsGroups(events)) {
            return Uni.createFrom().item(Map.of());
        }
        return conn.preparedQuery("SELECT group_type, group_type_index FROM group_type_mappings WHERE team_id = $1")
                .execute(Tuple.of(teamId))
                .map(rows -> {
                    Map<String, Integer> types = new HashMap<>();
                    rows.forEach(row -> types.put(row.getString(0), row.getInteger(1)));
                    return types;
                });
    }

    /**
     * Writes the batch's persons, distinct ids, overrides, groups and warnings: the statements the batch needs, in
     * this order, sent at once (pipelined on the transaction's connection; PostgreSQL runs them in order, so each sees
     * the ones before it, and a failure of one fails the batch, whose transaction is then rolled back).
     */
    private Uni<Void> writePersons(SqlConnection conn, long teamId, PersonResolution.Outcome outcome,
                                   GroupResolution.Outcome groups, List<IngestionWarning> warnings) {
        List<Uni<Void>> writes = new ArrayList<>();
        // the persons' properties as stored, within PostHog's size bound (a refusal or a trim adds a warning)
        List<IngestionWarning> allWarnings = new ArrayList<>(warnings);
        Instant now = clock.instant();
        Map<UUID, String> json = new HashMap<>();
        Map<UUID, String> removed = new HashMap<>();
        for (List<PersonRecord> persons : List.of(outcome.created(), outcome.updated())) {
            for (PersonRecord p : persons) {
                int warned = allWarnings.size();
                String stored = PersonPropertiesSize.stored(p, allWarnings, now, this::parseObject);
                json.put(p.uuid, stored);
                if (!p.isNew && allWarnings.size() == warned && p.storedProperties != null
                        && stored.length() > PATCH_FROM_CHARS) {
                    // a large person is updated by what changed, not re-sent whole: its bind parameters are encoded
                    // on the event loop (200 persons of 650 kB a batch blocked it for 6 s: breaker pass 10)
                    ObjectNode before = parseObject(p.storedProperties);
                    ObjectNode patch = mapper.createObjectNode();
                    p.properties.fields().forEachRemaining(field -> {
                        if (!field.getValue().equals(before.get(field.getKey()))) {
                            patch.set(field.getKey(), field.getValue());
                        }
                    });
                    com.fasterxml.jackson.databind.node.ArrayNode gone = mapper.createArrayNode();
                    before.fieldNames().forEachRemaining(key -> {
                        if (!p.properties.has(key)) {
                            gone.add(key);
                        }
                    });
                    json.put(p.uuid, JsNumbers.json(patch));
                    removed.put(p.uuid, gone.toString());
                }
            }
        }
        insertPersons(conn, teamId, outcome.created(), json, writes);
        repointMergedDistinctIds(conn, teamId, outcome.merges(), writes);
        upsertDistinctIds(conn, teamId, outcome.distinctIds(), writes);
        recordOverrides(conn, teamId, outcome.overrides(), writes);
        deletePersons(conn, teamId, outcome.deletedExisting(), writes);
        updatePersons(conn, teamId, outcome.updated(), json, removed, writes);
        insertPersonless(conn, teamId, outcome.newPersonless(), writes);
        insertGroupTypes(conn, teamId, groups.newTypes(), writes);
        upsertGroups(conn, teamId, groups.groups(), writes);
        DefinitionsRecorder.recordGroups(conn, teamId, groups.groups(), writes);
        insertWarnings(conn, teamId, allWarnings, writes);
        if (writes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    private void insertPersons(SqlConnection conn, long teamId, List<PersonRecord> persons, Map<UUID, String> json,
                               List<Uni<Void>> writes) {
        if (persons.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO persons (team_id, uuid, created_at, properties, is_identified) "
                        + "SELECT $1, u, c, p::jsonb, i FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::bool[]) "
                        + "AS t(u, c, p, i)")
                .execute(Tuple.of(teamId, column(persons, p -> p.uuid, UUID[]::new),
                        column(persons, p -> utc(p.createdAt), OffsetDateTime[]::new),
                        column(persons, p -> json.get(p.uuid), String[]::new),
                        column(persons, p -> p.identified, Boolean[]::new)))
                .replaceWithVoid());
    }

    private static void repointMergedDistinctIds(SqlConnection conn, long teamId,
                                                      List<PersonResolution.Merge> merges, List<Uni<Void>> writes) {
        if (merges.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("UPDATE person_distinct_ids d SET person_id = m.into_id, version = d.version + 1 "
                        + "FROM unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) "
                        + "WHERE d.team_id = $1 AND d.person_id = m.from_id")
                .execute(mergeTuple(teamId, merges)).replaceWithVoid());
    }

    private static void upsertDistinctIds(SqlConnection conn, long teamId, Map<String, UUID> distinctIds, List<Uni<Void>> writes) {
        if (distinctIds.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO person_distinct_ids (team_id, distinct_id, person_id) "
                        + "SELECT $1, d, p FROM unnest($2::text[], $3::uuid[]) AS t(d, p) "
                        + "ON CONFLICT (team_id, distinct_id) DO UPDATE SET person_id = EXCLUDED.person_id, "
                        + "version = person_distinct_ids.version + 1 "
                        + "WHERE person_distinct_ids.person_id <> EXCLUDED.person_id")
                .execute(Tuple.of(teamId, distinctIds.keySet().toArray(String[]::new),
                        distinctIds.values().toArray(UUID[]::new)))
                .replaceWithVoid());
    }

    /** Events keep their person id; queries read it through these overrides, flattened so one lookup suffices. */
    private static void recordOverrides(SqlConnection conn, long teamId, List<PersonResolution.Merge> merges,
                                        List<Uni<Void>> writes) {
        if (merges.isEmpty()) {
            return;
        }
        Tuple tuple = mergeTuple(teamId, merges);
        writes.add(conn.preparedQuery("UPDATE person_overrides o SET override_person_id = m.into_id "
                        + "FROM unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) "
                        + "WHERE o.team_id = $1 AND o.override_person_id = m.from_id")
                .execute(tuple).replaceWithVoid());
        writes.add(conn.preparedQuery("INSERT INTO person_overrides (team_id, old_person_id, override_person_id) "
                        + "SELECT $1, f, i FROM unnest($2::uuid[], $3::uuid[]) AS m(f, i) "
                        + "ON CONFLICT (team_id, old_person_id) DO UPDATE SET override_person_id = EXCLUDED.override_person_id")
                .execute(tuple).replaceWithVoid());
        writes.add(conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                        + "SELECT c.team_id, c.cohort_id, m.into_id FROM cohort_people c "
                        + "JOIN unnest($2::uuid[], $3::uuid[]) AS m(from_id, into_id) ON c.person_id = m.from_id "
                        + "WHERE c.team_id = $1 ON CONFLICT DO NOTHING")
                .execute(tuple).replaceWithVoid());
    }

    private static void deletePersons(SqlConnection conn, long teamId, List<UUID> persons, List<Uni<Void>> writes) {
        if (persons.isEmpty()) {
            return;
        }
        UUID[] uuids = persons.toArray(UUID[]::new);
        writes.add(conn.preparedQuery("DELETE FROM cohort_people WHERE team_id = $1 AND person_id = ANY($2)")
                .execute(Tuple.of(teamId, uuids)).replaceWithVoid());
        writes.add(conn.preparedQuery("WITH gone AS (DELETE FROM persons WHERE team_id = $1 "
                        + "AND uuid = ANY($2) RETURNING team_id, uuid) INSERT INTO retired_person_uuids "
                        + "(team_id, uuid) SELECT team_id, uuid FROM gone ON CONFLICT DO NOTHING")
                .execute(Tuple.of(teamId, uuids)).replaceWithVoid());
    }

    /**
     * Writes the updated persons: each person's properties whole ({@code json}), or for a person in {@code removed}
     * (the keys it lost, a JSON array) what changed: {@code json} then holds only the changed keys, applied to the
     * stored properties of the same version.
     */
    private static void updatePersons(SqlConnection conn, long teamId, List<PersonRecord> persons,
                                      Map<UUID, String> json, Map<UUID, String> removed, List<Uni<Void>> writes) {
        if (persons.isEmpty()) {
            return;
        }
        // in uuid order, so two batches updating the same persons take their row locks in the same order
        List<PersonRecord> ordered = new ArrayList<>(persons);
        ordered.sort(java.util.Comparator.comparing(p -> p.uuid));
        // the version check is the statement's own (QC409 when a person's version moved, V96_1), so that COMMIT can
        // go out behind it in the same round trip
        String sql = removed.isEmpty()
                ? "WITH changed AS (UPDATE persons p SET properties = u.props::jsonb, "
                        + "is_identified = u.identified, created_at = u.created_at, version = p.version + 1 "
                        + "FROM unnest($2::uuid[], $3::text[], $4::bool[], $5::timestamptz[], $6::bigint[]) "
                        + "AS u(uuid, props, identified, created_at, version) "
                        + "WHERE p.team_id = $1 AND p.uuid = u.uuid AND p.version = u.version RETURNING 1) "
                        + "SELECT quarry_capture_persons_updated(count(*), $7::bigint) FROM changed"
                : "WITH changed AS (UPDATE persons p SET properties = CASE WHEN u.gone IS NULL THEN u.props::jsonb "
                        + "ELSE (p.properties - ARRAY(SELECT jsonb_array_elements_text(u.gone::jsonb))) || u.props::jsonb "
                        + "END, is_identified = u.identified, created_at = u.created_at, version = p.version + 1 "
                        + "FROM unnest($2::uuid[], $3::text[], $4::bool[], $5::timestamptz[], $6::bigint[], $8::text[]) "
                        + "AS u(uuid, props, identified, created_at, version, gone) "
                        + "WHERE p.team_id = $1 AND p.uuid = u.uuid AND p.version = u.version RETURNING 1) "
                        + "SELECT quarry_capture_persons_updated(count(*), $7::bigint) FROM changed";
        List<Object> params = new ArrayList<>(List.of(teamId, column(ordered, p -> p.uuid, UUID[]::new),
                column(ordered, p -> json.get(p.uuid), String[]::new),
                column(ordered, p -> p.identified, Boolean[]::new),
                column(ordered, p -> utc(p.createdAt), OffsetDateTime[]::new),
                column(ordered, p -> p.version, Long[]::new), (long) ordered.size()));
        if (!removed.isEmpty()) {
            String[] gone = new String[ordered.size()];
            for (int i = 0; i < gone.length; i++) {
                gone[i] = removed.get(ordered.get(i).uuid);
            }
            params.add(gone);
        }
        writes.add(conn.preparedQuery(sql).execute(Tuple.tuple(params)).replaceWithVoid());
    }

    /**
     * Writes the kept events; copies sharing (uuid, event, distinct_id, UTC day of timestamp) collapse into the last
     * one, and a copy already stored is replaced by it.
     *
     * @param upsert false: a plain INSERT, which fails the batch with 23505 (unique violation on the events' primary
     *               key) when a copy is already stored, so that the batch is retried with true: {@code ON CONFLICT …
     *               DO UPDATE}, the later copy replacing the stored one. Most batches hold no re-sent event, and the
     *               plain INSERT skips the upsert's arbiter-index check of every row and the three statement-level
     *               update triggers an upsert fires even when it updates nothing.
     */
    static Uni<Integer> insertEvents(SqlConnection conn, long teamId, List<CapturedEvent> events,
                                             List<UUID> persons, GroupResolution.Outcome groups, boolean upsert) {
        Map<EventKey, Integer> last = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            if (persons.get(i) != null && !groups.dropped().get(i)) {
                CapturedEvent e = events.get(i);
                EventKey key = new EventKey(e.uuid(), e.event(),
                        e.timestamp().atOffset(ZoneOffset.UTC).toLocalDate(), e.distinctId());
                last.remove(key);
                last.put(key, i);
            }
        }
        if (last.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Integer> rows = new ArrayList<>(last.values());
        List<Object> columns = new ArrayList<>(List.of(teamId,
                column(rows, i -> events.get(i).uuid(), UUID[]::new),
                column(rows, i -> events.get(i).event(), String[]::new),
                column(rows, i -> events.get(i).distinctId(), String[]::new),
                EventPropertiesUtf8.of(events, rows),
                column(rows, i -> utc(events.get(i).timestamp()), OffsetDateTime[]::new),
                column(rows, persons::get, UUID[]::new)));
        for (int g = 0; g < GroupResolution.MAX_GROUP_TYPES; g++) {
            int index = g;
            columns.add(column(rows, i -> groups.eventGroups().get(i) == null ? ""
                    : groups.eventGroups().get(i)[index], String[]::new));
        }
        columns.add(column(rows, i -> events.get(i).elementsChain(), String[]::new));
        return conn.preparedQuery(upsert ? INSERT_EVENTS + " " + REPLACE_STORED_COPY : INSERT_EVENTS)
                .execute(Tuple.tuple(columns))
                .map(result -> result.rowCount());
    }

    /**
     * The events of a batch from thirteen arrays, the properties objects as UTF-8 bytes ({@link EventPropertiesUtf8}:
     * copied as they are by the pg client, where it encodes a text char by char), parsed by PostgreSQL as their text
     * was; the team from {@code $1}.
     */
    private static final String INSERT_EVENTS = "INSERT INTO events (team_id, uuid, event, distinct_id, properties, "
            + "timestamp, person_id, group_0, group_1, group_2, group_3, group_4, elements_chain) "
            + "SELECT $1, u, e, d, convert_from(p, 'UTF8')::jsonb, t, pid, g0, g1, g2, g3, g4, ec FROM unnest($2::uuid[], "
            + "$3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::uuid[], $8::text[], $9::text[], $10::text[], "
            + "$11::text[], $12::text[], $13::text[]) AS x(u, e, d, p, t, pid, g0, g1, g2, g3, g4, ec)";

    /** A re-sent event replaces the stored copy with the same de-duplication key (the later copy wins). */
    private static final String REPLACE_STORED_COPY = "ON CONFLICT (team_id, uuid, event, distinct_id, timestamp_day) "
            + "DO UPDATE SET timestamp = EXCLUDED.timestamp, properties = EXCLUDED.properties, "
            + "person_id = EXCLUDED.person_id, group_0 = EXCLUDED.group_0, group_1 = EXCLUDED.group_1, "
            + "group_2 = EXCLUDED.group_2, group_3 = EXCLUDED.group_3, group_4 = EXCLUDED.group_4, "
            + "elements_chain = EXCLUDED.elements_chain, created_at = now()";

    /** PostHog's de-duplication key of an event: uuid, event, distinct id and the UTC day of its timestamp. */
    private record EventKey(UUID uuid, String event, java.time.LocalDate day, String distinctId) {
    }

    /** Distinct ids used without a person, so a later merge knows their events need an override. */
    private static void insertPersonless(SqlConnection conn, long teamId, List<String> distinctIds, List<Uni<Void>> writes) {
        if (distinctIds.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO personless_distinct_ids (team_id, distinct_id) "
                        + "SELECT $1, d FROM unnest($2::text[]) AS d ON CONFLICT DO NOTHING")
                .execute(Tuple.of(teamId, distinctIds.toArray(String[]::new))).replaceWithVoid());
    }

    /**
     * A concurrent batch that committed the same type or index first fails this one with 23505 on
     * {@code group_type_mappings} (a database error, so that the pipelined {@code COMMIT} ends the transaction as a
     * rollback), and the retry reads its mapping ({@link #takenMeanwhile}).
     */
    private static void insertGroupTypes(SqlConnection conn, long teamId, List<GroupResolution.GroupType> types, List<Uni<Void>> writes) {
        if (types.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO group_type_mappings (team_id, group_type, group_type_index, created_at) "
                        + "SELECT $1, t, i, c FROM unnest($2::text[], $3::int[], $4::timestamptz[]) AS x(t, i, c)")
                .execute(Tuple.of(teamId, column(types, GroupResolution.GroupType::type, String[]::new),
                        column(types, GroupResolution.GroupType::index, Integer[]::new),
                        column(types, t -> utc(t.createdAt()), OffsetDateTime[]::new)))
                .replaceWithVoid());
    }

    /** Whether {@code failure} is {@link #insertGroupTypes}' conflict with a group type another batch committed. */
    private static boolean takenMeanwhile(Throwable failure) {
        return failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                && pg.getConstraint() != null && pg.getConstraint().startsWith("group_type_mappings");
    }

    /** $group_set merges into the stored properties (jsonb ||); created_at only moves earlier. */
    private static void upsertGroups(SqlConnection conn, long teamId, List<GroupResolution.Group> groups, List<Uni<Void>> writes) {
        if (groups.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO groups (team_id, group_type_index, group_key, group_properties, "
                        + "created_at) SELECT $1, i, k, p::jsonb, c FROM unnest($2::int[], $3::text[], $4::text[], "
                        + "$5::timestamptz[]) AS x(i, k, p, c) ON CONFLICT (team_id, group_type_index, group_key) "
                        // a merge that would pass PostHog's person bound (PersonPropertiesSize) leaves the stored
                        // properties as they are: a group's properties are bounded as a person's are
                        + "DO UPDATE SET group_properties = CASE WHEN octet_length((groups.group_properties || "
                        + "EXCLUDED.group_properties)::text) <= " + PersonPropertiesSize.LIMIT_BYTES
                        + " THEN groups.group_properties || EXCLUDED.group_properties ELSE groups.group_properties END, "
                        + "created_at = LEAST(groups.created_at, EXCLUDED.created_at), updated_at = now(), "
                        + "version = groups.version + 1")
                .execute(Tuple.of(teamId, column(groups, GroupResolution.Group::index, Integer[]::new),
                        column(groups, GroupResolution.Group::key, String[]::new),
                        column(groups, g -> PersonPropertiesSize.bounded(g.properties()), String[]::new),
                        column(groups, g -> utc(g.createdAt()), OffsetDateTime[]::new)))
                .replaceWithVoid());
    }

    private static void insertWarnings(SqlConnection conn, long teamId, List<IngestionWarning> warnings, List<Uni<Void>> writes) {
        if (warnings.isEmpty()) {
            return;
        }
        writes.add(conn.preparedQuery("INSERT INTO ingestion_warnings (team_id, type, details, timestamp) "
                        + "SELECT $1, t, d::jsonb, ts FROM unnest($2::text[], $3::text[], $4::timestamptz[]) "
                        + "AS x(t, d, ts)")
                .execute(Tuple.of(teamId, column(warnings, IngestionWarning::type, String[]::new),
                        column(warnings, w -> w.details().toString(), String[]::new),
                        column(warnings, w -> utc(w.timestamp()), OffsetDateTime[]::new)))
                .replaceWithVoid());
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
