package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.ActivityLogEntity;
import dev.quarry.data.InsightEntity;
import dev.quarry.data.Sessions;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Saved insights of one team through the data module's {@link InsightEntity}, with PostHog's activity log entries
 * ({@link ActivityLogEntity}) written in the same transaction as each change. Views (one upserted row per insight and
 * user) and the trending ranking over them are SQL on the reactive client: an upsert and an aggregate. Every query
 * binds the team.
 */
@ApplicationScoped
public class Insights {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An insight with the users it names, read in the same statement. */
    private static final String WITH_USERS = "from InsightEntity i left join fetch i.createdBy left join fetch i.lastModifiedBy ";

    private final Pool pool;
    private final ObjectMapper mapper;
    private final Clock clock;
    /** List statements, bounded: {@link #LIST_TIMEOUT} each, {@link #LISTS_AT_ONCE} of a project's at once. */
    private final dev.quarry.web.BoundedReads lists;

    public Insights(Pool pool, ObjectMapper mapper, Clock clock) {
        this.pool = pool;
        this.lists = new dev.quarry.web.BoundedReads(pool, LIST_TIMEOUT, LISTS_AT_ONCE,
                "Too many insight lists are being read for this project at once. Try again shortly.");
        this.mapper = mapper;
        this.clock = clock;
    }

    /** What a create or PATCH sets; null fields stay as they are ({@code query} JSON null clears the query). */
    public record Changes(String name, boolean nameSet, String derivedName, boolean derivedNameSet, String description,
                          boolean descriptionSet, JsonNode query, List<String> tags, Boolean favorited, Boolean saved,
                          Boolean deleted) {
    }

    /** The longest a list statement may run (its search reads every insight of the project). */
    static final java.time.Duration LIST_TIMEOUT = java.time.Duration.ofSeconds(5);
    /** A project's list statements running at once on this instance; more are 429s. */
    static final int LISTS_AT_ONCE = 2;

    /**
     * The most stored query JSON one list page reads: what an answer can carry. The page stops before the insight that
     * would pass it, and its {@code next} continues there (each insight's answer holds its query, so a page of larger
     * queries could not be answered anyway).
     */
    static final long PAGE_QUERY_BYTES = dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES
            - dev.quarry.web.ResponseLimit.PAGE_ENVELOPE_BYTES;

    /** One listed insight and how a search matched it ({@code exact}, {@code similar}; null without a search). */
    public record Listed(Insight insight, String searchMatchType) {
    }

    public record Page(long count, List<Listed> results) {
    }

    /**
     * A page of the team's live (not deleted) insights under PostHog's list filters ({@link InsightListSql}): one
     * statement finds the page's ids and the total, a second reads those insights with their users.
     */
    public Uni<Page> list(long teamId, InsightListFilter filter, int limit, int offset) {
        InsightListSql.Statement statement = InsightListSql.page(filter, limit, offset);
        Tuple tuple = Tuple.of(teamId);
        statement.parameters().forEach(tuple::addValue);
        // a search reads every insight of the project (its texts and tags): bounded in time, so that no project's
        // list can hold the shared database for long (a breaker's 400 insights of 1,000 long tags each took 2 s a
        // search and slowed another project's answers to seconds)
        // and at most LISTS_AT_ONCE of a project's run at once (more: 429), so one project's searches take at
        // most that many of the database's cores
        return lists.run(teamId, conn -> conn.preparedQuery(statement.sql()).execute(tuple))
                .flatMap(rows -> {
            long total = 0;
            List<Long> ids = new ArrayList<>();
            java.util.Map<Long, String> matchTypes = new java.util.HashMap<>();
            long bytes = 0;
            for (Row row : rows) {
                total = row.getLong(0);
                Long id = row.getLong(1);
                if (id != null) {
                    // the page stops before the insight whose stored query would take it past what an answer can
                    // carry: those rows are not read at all (the first one always is)
                    bytes += row.getInteger(3);
                    if (!ids.isEmpty() && bytes > PAGE_QUERY_BYTES) {
                        break;
                    }
                    ids.add(id);
                    Boolean exact = row.getBoolean(2);
                    matchTypes.put(id, exact == null ? null : exact ? "exact" : "similar");
                }
            }
            long count = total;
            if (ids.isEmpty()) {
                return Uni.createFrom().item(new Page(count, List.of()));
            }
            return Sessions.read(() -> InsightEntity.<InsightEntity>list(WITH_USERS + "where i.teamId = ?1 and i.id in ?2",
                            teamId, ids))
                    .map(found -> {
                        java.util.Map<Long, Insight> byId = new java.util.HashMap<>();
                        found.forEach(e -> byId.put(e.id, Insight.from(e)));
                        List<Listed> page = new ArrayList<>();
                        for (Long id : ids) {
                            Insight insight = byId.get(id);
                            if (insight != null) { // deleted between the two reads: left out
                                page.add(new Listed(insight, matchTypes.get(id)));
                            }
                        }
                        return new Page(count, page);
                    });
        });
    }

    /** The insight (deleted ones too, as PostHog's retrieve), or null. */
    public Uni<Insight> find(long teamId, long id) {
        return Sessions.read(() -> InsightEntity.<InsightEntity>find(WITH_USERS + "where i.teamId = ?1 and i.id = ?2", teamId, id)
                .firstResult()).map(found -> found == null ? null : Insight.from(found));
    }

    /** The insight with this short id (deleted ones too), or null. */
    public Uni<Insight> findByShortId(long teamId, String shortId) {
        return Sessions.read(() -> InsightEntity.<InsightEntity>find(WITH_USERS + "where i.teamId = ?1 and i.shortId = ?2",
                teamId, shortId).firstResult()).map(found -> found == null ? null : Insight.from(found));
    }

    /** Stores a new insight by the user (created and modified now) and logs its creation; answers it as read back. */
    public Uni<Insight> create(long teamId, long userId, Changes c) {
        InsightEntity entity = new InsightEntity();
        entity.teamId = teamId;
        entity.shortId = newShortId();
        entity.name = c.name();
        entity.derivedName = c.derivedName();
        entity.description = c.description();
        entity.query = c.query() == null || c.query().isNull() ? null : c.query().toString();
        entity.tags = (c.tags() == null ? List.<String>of() : c.tags()).toArray(String[]::new);
        entity.favorited = Boolean.TRUE.equals(c.favorited());
        entity.saved = Boolean.TRUE.equals(c.saved());
        entity.createdById = userId;
        entity.lastModifiedById = userId;
        entity.createdAt = now();
        entity.lastModifiedAt = entity.createdAt;
        return Sessions.write(() -> entity.<InsightEntity>persist()
                        .flatMap(stored -> {
                            ObjectNode detail = detail(stored.id, stored.shortId, c.name());
                            detail.putNull("changes");
                            return log(teamId, stored.id, userId, "created", detail).replaceWith(stored.id);
                        }))
                .flatMap(id -> find(teamId, id));
    }

    /** Applies the changes and logs each changed field; soft delete is {@code deleted: true}. Null when absent. */
    public Uni<Insight> update(long teamId, long id, long userId, Changes c) {
        // Locked alone (PostgreSQL refuses FOR UPDATE on the nullable side of the users' outer joins); the answer is
        // read again with its users after the commit.
        return Sessions.write(() -> InsightEntity.<InsightEntity>find("teamId = ?1 and id = ?2", teamId, id)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                        .flatMap(entity -> {
                            if (entity == null) {
                                return Uni.createFrom().<Boolean>nullItem();
                            }
                            Insight before = Insight.from(entity);
                            ArrayNode changes = mapper.createArrayNode();
                            String name = c.nameSet() ? c.name() : before.name();
                            change(changes, "name", before.name(), name);
                            String derived = c.derivedNameSet() ? c.derivedName() : before.derivedName();
                            change(changes, "derived_name", before.derivedName(), derived);
                            String description = c.descriptionSet() ? c.description() : before.description();
                            change(changes, "description", before.description(), description);
                            JsonNode beforeQuery = Insight.parse(mapper, before.query());
                            JsonNode query = c.query() != null ? c.query() : beforeQuery;
                            // a large query is kept in the log by its length and digest (ActivityLogEntries)
                            dev.quarry.data.ActivityLogEntries.change(changes, "Insight", "query", beforeQuery, query);
                            List<String> tags = c.tags() != null ? c.tags() : before.tags();
                            if (!tags.equals(before.tags())) {
                                ObjectNode t = changes.addObject().put("type", "Insight").put("action", "changed").put("field", "tags");
                                before.tags().forEach(t.putArray("before")::add);
                                tags.forEach(t.putArray("after")::add);
                            }
                            boolean favorited = c.favorited() != null ? c.favorited() : before.favorited();
                            change(changes, "favorited", before.favorited(), favorited);
                            boolean saved = c.saved() != null ? c.saved() : before.saved();
                            change(changes, "saved", before.saved(), saved);
                            boolean deleted = c.deleted() != null ? c.deleted() : before.deleted();
                            change(changes, "deleted", before.deleted(), deleted);
                            String activity = deleted && !before.deleted() ? "deleted" : "updated";
                            entity.name = name;
                            entity.derivedName = derived;
                            entity.description = description;
                            entity.query = query == null || query.isNull() ? null : query.toString();
                            entity.tags = tags.toArray(String[]::new);
                            entity.favorited = favorited;
                            entity.saved = saved;
                            entity.deleted = deleted;
                            entity.lastModifiedAt = now();
                            entity.lastModifiedById = userId;
                            return (changes.isEmpty() ? Uni.createFrom().voidItem()
                                    : log(teamId, id, userId, activity, detail(id, before.shortId(), name).set("changes", changes)))
                                    .replaceWith(true);
                        }))
                .flatMap(found -> found == null ? Uni.createFrom().nullItem() : find(teamId, id));
    }

    /** Records that the user viewed the insight (one row per user, its time moved on). */
    public Uni<Void> viewed(long teamId, long insightId, long userId) {
        return pool.preparedQuery("INSERT INTO insight_viewed (team_id, insight_id, user_id, last_viewed_at) "
                        + "VALUES ($1, $2, $3, now()) ON CONFLICT (team_id, insight_id, user_id) "
                        + "DO UPDATE SET last_viewed_at = now()")
                .execute(Tuple.of(teamId, insightId, userId)).replaceWithVoid();
    }

    public record Trending(Insight insight, long viewCount, List<dev.quarry.data.UserBasic> viewers) {
    }

    /** Live insights viewed in the last {@code days} days, most viewers first. */
    public Uni<List<Trending>> trending(long teamId, int days, int limit) {
        return pool.preparedQuery("SELECT v.insight_id, count(*), "
                        + "array_agg(u.id ORDER BY v.last_viewed_at DESC), array_agg(u.uuid::text ORDER BY v.last_viewed_at DESC), "
                        + "array_agg(u.distinct_id ORDER BY v.last_viewed_at DESC), array_agg(u.first_name ORDER BY v.last_viewed_at DESC), "
                        + "array_agg(u.email ORDER BY v.last_viewed_at DESC) "
                        + "FROM insight_viewed v JOIN insights i ON i.team_id = v.team_id AND i.id = v.insight_id "
                        + "JOIN users u ON u.id = v.user_id "
                        + "WHERE v.team_id = $1 AND NOT i.deleted AND v.last_viewed_at >= now() - make_interval(days => $2) "
                        + "GROUP BY v.insight_id ORDER BY count(*) DESC, max(v.last_viewed_at) DESC LIMIT $3")
                .execute(Tuple.of(teamId, days, limit))
                .flatMap(rows -> {
                    List<Row> ranked = new ArrayList<>();
                    rows.forEach(ranked::add);
                    if (ranked.isEmpty()) {
                        return Uni.createFrom().item(List.<Trending>of());
                    }
                    Long[] ids = ranked.stream().map(r -> r.getLong(0)).toArray(Long[]::new);
                    return Sessions.read(() -> InsightEntity.<InsightEntity>list(WITH_USERS
                                    + "where i.teamId = ?1 and i.id in ?2", teamId, List.of(ids)))
                            .map(found -> {
                                List<Insight> insights = found.stream().map(Insight::from).toList();
                                List<Trending> out = new ArrayList<>();
                                for (Row r : ranked) {
                                    Insight insight = insights.stream().filter(i -> i.id() == r.getLong(0)).findFirst().orElseThrow();
                                    List<dev.quarry.data.UserBasic> viewers = new ArrayList<>();
                                    Long[] uid = r.getArrayOfLongs(2);
                                    for (int k = 0; k < Math.min(3, uid.length); k++) {
                                        viewers.add(new dev.quarry.data.UserBasic(uid[k], r.getArrayOfStrings(3)[k],
                                                r.getArrayOfStrings(4)[k], r.getArrayOfStrings(5)[k], r.getArrayOfStrings(6)[k]));
                                    }
                                    out.add(new Trending(insight, r.getLong(1), viewers));
                                }
                                return out;
                            });
                });
    }

    public record Activity(UUID id, String itemId, String activity, dev.quarry.data.UserBasic user, String detail,
                           java.time.OffsetDateTime createdAt) {
    }

    /** Activity of one insight ({@code itemId}) or of all insights (null), newest first. */
    public Uni<List<Activity>> activity(long teamId, String itemId, int limit, int offset) {
        String where = "from ActivityLogEntity a left join fetch a.user where a.teamId = :team and a.scope = 'Insight'"
                + (itemId == null ? "" : " and a.itemId = :item");
        Parameters parameters = Parameters.with("team", teamId);
        if (itemId != null) {
            parameters.and("item", itemId);
        }
        return Sessions.read(() -> ActivityLogEntity.<ActivityLogEntity>find(where + " order by a.createdAt desc, a.id",
                        parameters.map()).range(offset, offset + limit - 1).list())
                .map(rows -> rows.stream().map(a -> new Activity(a.id, a.itemId, a.activity, Insight.user(a.user), a.detail,
                        a.createdAt)).toList());
    }

    private ObjectNode detail(long id, String shortId, String name) {
        ObjectNode detail = mapper.createObjectNode();
        detail.putNull("merge");
        detail.putNull("trigger");
        detail.putNull("type");
        detail.put("name", name);
        detail.put("short_id", shortId);
        return detail;
    }

    /** Adds an activity log entry for the insight, in the session's transaction. */
    private static Uni<Void> log(long teamId, long insightId, long userId, String activity, ObjectNode detail) {
        return dev.quarry.data.ActivityLogEntries.add(teamId, "Insight", Long.toString(insightId), userId, activity,
                detail);
    }

    /** Now as PostgreSQL stores it (microseconds), from the injected clock. */
    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
    }

    private void change(ArrayNode changes, String field, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            ObjectNode c = changes.addObject().put("type", "Insight").put("action", "changed").put("field", field);
            c.set("before", mapper.valueToTree(before));
            c.set("after", mapper.valueToTree(after));
        }
    }

    /** PostHog's short id: 8 random letters and digits. */
    static String newShortId() {
        StringBuilder s = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            s.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }
}
