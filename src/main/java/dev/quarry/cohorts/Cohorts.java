package dev.quarry.cohorts;

import dev.quarry.data.ActivityLogEntries;
import dev.quarry.data.CohortEntity;
import dev.quarry.data.Sessions;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Cohort rows of one team, through the data module's {@link CohortEntity} (every query binds the team). The members
 * (cohort_people) and the count they give are the cohort calculation's, analytical SQL on the reactive client.
 */
@ApplicationScoped
public class Cohorts {
    private final Pool pool;
    private final Clock clock;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public Cohorts(Pool pool, Clock clock, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.pool = pool;
        this.clock = clock;
        this.mapper = mapper;
    }

    /** PostHog's activity log scope of cohorts. */
    static final String SCOPE = "Cohort";

    /** Cohort rows with the user who created them (PostHog's created_by). */
    private static final String WITH_USER = "from CohortEntity c left join fetch c.createdBy ";

    /** One page of a team's live cohorts and how many it has in all. */
    public record Page(long count, List<Cohort> rows) {
    }

    /** The team's cohort (deleted ones too), or null. */
    public Uni<Cohort> find(long teamId, long id) {
        return Sessions.read(() -> CohortEntity.<CohortEntity>find(WITH_USER + "where c.teamId = ?1 and c.id = ?2",
                        teamId, id).firstResult())
                .map(entity -> entity == null ? null : Cohort.from(entity));
    }

    /** The team's cohorts with these ids (deleted ones too); ids of other teams' cohorts find nothing. */
    public Uni<List<Cohort>> findAll(long teamId, java.util.Collection<Long> ids) {
        return Sessions.read(() -> CohortEntity.<CohortEntity>list(WITH_USER + "where c.teamId = ?1 and c.id in ?2",
                        teamId, List.copyOf(ids)))
                .map(found -> found.stream().map(Cohort::from).toList());
    }

    /** Live cohorts, newest first: {@code limit} rows from {@code offset}, with the team's total. */
    public Uni<Page> list(long teamId, int limit, int offset) {
        return list(teamId, limit, offset, null, null);
    }

    /**
     * Live cohorts, newest first, {@code limit} rows from {@code offset} with how many match in all: those whose name
     * contains {@code search} in any case (PostHog's exact, {@code icontains} matches; null: all) and, when
     * {@code isStatic} is not null, only static or only dynamic ones.
     */
    public Uni<Page> list(long teamId, int limit, int offset, String search, Boolean isStatic) {
        StringBuilder where = new StringBuilder("team_id = $1 AND NOT deleted");
        List<Object> params = new ArrayList<>(List.of(teamId));
        if (search != null) {
            params.add("%" + search.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%");
            where.append(" AND lower(name) LIKE $").append(params.size()).append(" ESCAPE '\\'");
        }
        if (isStatic != null) {
            params.add(isStatic);
            where.append(" AND is_static = $").append(params.size());
        }
        params.add(limit);
        params.add(offset);
        // the page's ids with the JSON each cohort carries, and the total; the page stops before the cohort whose
        // filters would take it past what an answer can carry, and those rows are never read (the breaker's F8: a
        // page of 100 cohorts of 2 MB filters each was read whole before it was cut)
        String sql = "SELECT (SELECT count(*) FROM cohorts WHERE " + where + "), p.id, p.json_bytes FROM (SELECT 1) AS one "
                + "LEFT JOIN LATERAL (SELECT id, json_bytes FROM cohorts WHERE " + where + " ORDER BY id DESC LIMIT $"
                + (params.size() - 1) + " OFFSET $" + params.size() + ") AS p ON true";
        return pool.preparedQuery(sql).execute(Tuple.from(params)).flatMap(rows -> {
            long total = 0;
            long bytes = 0;
            List<Long> ids = new ArrayList<>();
            for (io.vertx.mutiny.sqlclient.Row row : rows) {
                total = row.getLong(0);
                Long id = row.getLong(1);
                if (id == null) {
                    continue;
                }
                bytes += row.getInteger(2);
                if (!ids.isEmpty() && bytes > PAGE_JSON_BYTES) {
                    break;
                }
                ids.add(id);
            }
            long count = total;
            if (ids.isEmpty()) {
                return Uni.createFrom().item(new Page(count, List.of()));
            }
            return Sessions.read(() -> CohortEntity.<CohortEntity>find(WITH_USER
                            + "where c.teamId = ?1 and c.id in ?2 order by c.id desc", teamId, ids).list())
                    .map(found -> new Page(count, found.stream().map(Cohort::from).toList()));
        });
    }

    /** The most cohort JSON (filters, groups, query) one list page reads: what an answer can carry. */
    static final long PAGE_JSON_BYTES = dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES
            - dev.quarry.web.ResponseLimit.PAGE_ENVELOPE_BYTES;

    /**
     * Stores a new cohort (created now; a static one counts 0 members, a dynamic one is uncounted until calculated).
     * {@code filters} and {@code groups} are JSON text; null groups are stored as PostHog's empty list; {@code userId}
     * is the user whose key created it (PostHog's created_by: {@code request.user}).
     */
    public Uni<Cohort> insert(long teamId, Long userId, String name, String description, String filters, String groups,
                              boolean isStatic) {
        CohortEntity entity = new CohortEntity();
        entity.teamId = teamId;
        entity.createdById = userId;
        entity.name = name;
        entity.description = description;
        entity.filters = filters;
        entity.groups = groups == null ? "[]" : groups;
        entity.isStatic = isStatic;
        entity.count = isStatic ? 0 : null;
        entity.createdAt = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
        return Sessions.write(() -> entity.<CohortEntity>persist()
                        .call(saved -> ActivityLogEntries.add(teamId, SCOPE, Long.toString(saved.id), userId, "created",
                                ActivityLogEntries.detail(name, null))))
                .map(Cohort::from);
    }

    /**
     * Creates the team's static cohort with its first members (PostHog's {@code _create_static_person_ids}: person
     * uuids, or those its {@code query} lists: {@link CohortFromQuery}; those the team has no person for are skipped;
     * {@code query} JSON text or null) in ONE statement, so a failure leaves neither the cohort
     * nor some of its members: the cohort row with its member count and {@code last_calculation}, and its
     * {@code cohort_people} rows, read from {@code persons} under the team's id only.
     *
     * @return the new cohort's id
     */
    public Uni<Long> insertStatic(long teamId, Long userId, String name, String description, String filters,
                                  String groups, String query, List<UUID> personUuids) {
        OffsetDateTime now = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
        return pool.preparedQuery("WITH members AS (SELECT p.uuid FROM persons p WHERE p.team_id = $1 "
                        + "AND p.uuid = ANY($7)), "
                        + "cohort AS (INSERT INTO cohorts (team_id, created_by_id, name, description, filters, groups, "
                        + "is_static, count, last_calculation, created_at, query) VALUES ($1, $2, $3, $4, "
                        + "$5::text::jsonb, $6::text::jsonb, true, (SELECT count(*) FROM members), now(), $8, "
                        + "$9::text::jsonb) RETURNING id), "
                        + "added AS (INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                        + "SELECT $1, cohort.id, members.uuid FROM cohort, members ON CONFLICT DO NOTHING), "
                        + "logged AS (INSERT INTO activity_log (team_id, id, scope, item_id, activity, user_id, detail) "
                        + "SELECT $1, gen_random_uuid(), '" + SCOPE + "', cohort.id::text, 'created', $2, "
                        + "$10::text::jsonb FROM cohort) "
                        + "SELECT id FROM cohort")
                .execute(Tuple.from(new Object[] {teamId, userId, name, description, filters,
                        groups == null ? "[]" : groups, personUuids.toArray(UUID[]::new), now, query,
                        ActivityLogEntries.detail(name, null).toString()}))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Edits the team's cohort: each non-null argument replaces its field ({@code filters}, {@code groups} JSON text),
     * and the version moves on. The row is locked for the edit. Null when the team has no such cohort.
     */
    public Uni<Cohort> update(long teamId, long id, String name, String description, String filters, String groups,
                              Boolean deleted) {
        return update(teamId, id, null, name, description, filters, groups, deleted);
    }

    /**
     * {@link #update(long, long, String, String, String, String, Boolean)} made by {@code userId}: what changed is
     * logged as PostHog's activity ({@code updated}, or {@code deleted} when the edit deletes the cohort) in the same
     * transaction.
     */
    public Uni<Cohort> update(long teamId, long id, Long userId, String name, String description, String filters,
                              String groups, Boolean deleted) {
        return update(teamId, id, userId, name, description, filters, groups, deleted, null);
    }

    /**
     * {@link #update(long, long, Long, String, String, String, String, Boolean)}, with {@code referencesCheck} (when
     * not null: the edit changes what the cohort references) run first in the same transaction, under the project's
     * cohort-references lock: two edits that each add half of a loop (A names B, B names A) are checked one after
     * the other, so the second sees the first and is refused (checked apart, both were stored; breaker pass 9).
     */
    public Uni<Cohort> update(long teamId, long id, Long userId, String name, String description, String filters,
                              String groups, Boolean deleted, java.util.function.Supplier<Uni<Void>> referencesCheck) {
        return Sessions.write(() -> (referencesCheck == null ? Uni.createFrom().voidItem()
                        : lockReferences(teamId).chain(() -> referencesCheck.get()))
                .chain(() -> CohortEntity.<CohortEntity>find("teamId = ?1 and id = ?2", teamId, id)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                        .flatMap(entity -> {
                            if (entity == null) {
                                return Uni.createFrom().nullItem();
                            }
                            com.fasterxml.jackson.databind.node.ArrayNode changes = mapper.createArrayNode();
                            if (name != null) {
                                ActivityLogEntries.change(changes, SCOPE, "name", entity.name, name);
                                entity.name = name;
                            }
                            if (description != null) {
                                ActivityLogEntries.change(changes, SCOPE, "description", entity.description, description);
                                entity.description = description;
                            }
                            if (filters != null) {
                                ActivityLogEntries.change(changes, SCOPE, "filters", json(entity.filters), json(filters));
                                entity.filters = filters;
                            }
                            if (groups != null) {
                                ActivityLogEntries.change(changes, SCOPE, "groups", json(entity.groups), json(groups));
                                entity.groups = groups;
                            }
                            boolean wasDeleted = entity.deleted;
                            if (deleted != null) {
                                ActivityLogEntries.change(changes, SCOPE, "deleted", entity.deleted, deleted);
                                entity.deleted = deleted;
                            }
                            entity.version++;
                            if (changes.isEmpty()) {
                                return Uni.createFrom().item(entity);
                            }
                            String activity = entity.deleted && !wasDeleted ? "deleted" : "updated";
                            com.fasterxml.jackson.databind.node.ObjectNode detail =
                                    ActivityLogEntries.detail(entity.name, null);
                            detail.set("changes", changes);
                            return ActivityLogEntries.add(teamId, SCOPE, Long.toString(id), userId, activity, detail)
                                    .replaceWith(entity);
                        })))
                .flatMap(entity -> entity == null ? Uni.createFrom().nullItem() : find(teamId, id));
    }

    /** The project's cohort-references lock, held until the transaction ends. */
    private static Uni<Void> lockReferences(long teamId) {
        return io.quarkus.hibernate.reactive.panache.Panache.getSession().flatMap(session -> session
                        .createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))::text",
                                String.class)
                        .setParameter("lock", "quarry.cohort_references." + teamId)
                        .getSingleResult())
                .replaceWithVoid();
    }

    /** Stored JSON text as a tree for a change entry (null and unreadable text: JSON null). */
    private com.fasterxml.jackson.databind.JsonNode json(String text) {
        if (text == null) {
            return mapper.nullNode();
        }
        try {
            return mapper.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return mapper.nullNode();
        }
    }

    /** Adds the team's persons with these uuids (others are ignored); returns how many the cohort now has. */
    public Uni<Integer> addStaticMembers(long teamId, long cohortId, List<UUID> personUuids) {
        return addStaticMembers(teamId, cohortId, personUuids, null);
    }

    /**
     * {@link #addStaticMembers(long, long, List)} of persons a query listed ({@link CohortFromQuery}), storing that
     * {@code query} (JSON text) as the cohort's in the same transaction; a null query leaves the stored one.
     */
    public Uni<Integer> addStaticMembers(long teamId, long cohortId, List<UUID> personUuids, String query) {
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO cohort_people (team_id, cohort_id, person_id) "
                        + "SELECT p.team_id, $2, p.uuid FROM persons p WHERE p.team_id = $1 AND p.uuid = ANY($3) "
                        + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(teamId, cohortId, personUuids.toArray(UUID[]::new)))
                .call(x -> query == null ? Uni.createFrom().voidItem() : conn.preparedQuery("UPDATE cohorts SET query = "
                                + "$3::text::jsonb WHERE team_id = $1 AND id = $2")
                        .execute(Tuple.of(teamId, cohortId, query)).replaceWithVoid())
                .flatMap(x -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now() "
                                + "WHERE team_id = $1 AND id = $2 RETURNING count")
                        .execute(Tuple.of(teamId, cohortId)))
                .map(rows -> rows.iterator().next().getInteger(0)));
    }

    /**
     * Removes the team's person with this uuid from a static cohort and updates its count.
     * @return false when the person is not a member
     */
    public Uni<Boolean> removeStaticMember(long teamId, long cohortId, UUID personUuid) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM cohort_people "
                        + "WHERE team_id = $1 AND cohort_id = $2 AND person_id = $3")
                .execute(Tuple.of(teamId, cohortId, personUuid))
                .flatMap(deleted -> conn.preparedQuery("UPDATE cohorts SET count = (SELECT count(*) FROM cohort_people "
                                + "WHERE team_id = $1 AND cohort_id = $2), last_calculation = now() "
                                + "WHERE team_id = $1 AND id = $2")
                        .execute(Tuple.of(teamId, cohortId)).map(x -> deleted.rowCount() > 0)));
    }

    /** The live cohorts a person belongs to (dynamic and static), by id. */
    public Uni<List<Cohort>> ofPerson(long teamId, UUID personUuid) {
        return pool.preparedQuery("SELECT cohort_id FROM cohort_people WHERE team_id = $1 AND person_id = $2")
                .execute(Tuple.of(teamId, personUuid))
                .flatMap(rows -> {
                    List<Long> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getLong(0)));
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(List.<Cohort>of());
                    }
                    return Sessions.read(() -> CohortEntity.<CohortEntity>list(WITH_USER
                                    + "where c.teamId = ?1 and c.deleted = false and c.id in ?2 order by c.id",
                                    teamId, ids))
                            .map(found -> found.stream().map(Cohort::from).toList());
                });
    }

    /**
     * Live dynamic cohorts due for recalculation, least recently calculated first. A cohort that failed waits
     * {@code baseMinutes} × 2^(errors − 1) after its last error (at most 64 × base), and one that failed more than 20
     * times in a row is left until someone changes it, like PostHog's errors_calculating back-off.
     */
    public Uni<List<Cohort>> dueDynamic(long baseMinutes) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return Sessions.read(() -> CohortEntity.<CohortEntity>list("deleted = false and isStatic = false "
                        + "and errorsCalculating <= 20 order by lastCalculation nulls first, teamId, id"))
                .map(found -> found.stream()
                        .filter(c -> c.errorsCalculating == 0 || c.lastErrorAt == null
                                || c.lastErrorAt.isBefore(now.minusMinutes(backOffMinutes(baseMinutes, c.errorsCalculating))))
                        .map(Cohort::from).toList());
    }

    /** The wait after the {@code errors}-th failure in a row: base × 2^(errors − 1), at most 64 × base, in minutes. */
    static long backOffMinutes(long baseMinutes, int errors) {
        return (long) (baseMinutes * Math.pow(2, Math.min(errors - 1, 6)));
    }
}
