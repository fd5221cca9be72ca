package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Saved insights of one team in PostgreSQL, with PostHog's activity log entries written in the same transaction as
 * each change, and views recorded for trending. Every statement binds team_id.
 */
@ApplicationScoped
public class Insights {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;
    private final ObjectMapper mapper;

    public Insights(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** What a create or PATCH sets; null fields stay as they are. */
    public record Changes(String name, boolean nameSet, String derivedName, boolean derivedNameSet, String description,
                          boolean descriptionSet, JsonNode query, List<String> tags, Boolean favorited, Boolean saved,
                          Boolean deleted) {
    }

    public record Page(long count, List<Insight> results) {
    }

    /** Live (not deleted) insights, last modified first; {@code shortId} and {@code search} narrow the list. */
    public Uni<Page> list(long teamId, String shortId, String search, Boolean saved, Boolean favorited, int limit, int offset) {
        String where = "WHERE i.team_id = $1 AND NOT i.deleted AND ($2::text IS NULL OR i.short_id = $2) "
                + "AND ($3::text IS NULL OR coalesce(i.name, i.derived_name, '') ILIKE '%' || $3 || '%' "
                + "OR coalesce(i.description, '') ILIKE '%' || $3 || '%') AND ($4::bool IS NULL OR i.saved = $4) "
                + "AND ($5::bool IS NULL OR i.favorited = $5)";
        String pattern = search == null || search.isBlank() ? null
                : search.trim().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
        List<Object> params = Arrays.asList(teamId, shortId, pattern, saved, favorited);
        return pool.preparedQuery("SELECT count(*) FROM insights i " + where).execute(Tuple.tuple(params))
                .flatMap(count -> {
                    List<Object> paged = new ArrayList<>(params);
                    paged.add(limit);
                    paged.add(offset);
                    return pool.preparedQuery(Insight.SELECT + where + " ORDER BY i.last_modified_at DESC, i.id DESC "
                                    + "LIMIT $6 OFFSET $7")
                            .execute(Tuple.tuple(paged))
                            .map(rows -> new Page(count.iterator().next().getLong(0), all(rows)));
                });
    }

    /** The insight (deleted ones too, as PostHog's retrieve), or null. */
    public Uni<Insight> find(long teamId, long id) {
        return pool.preparedQuery(Insight.SELECT + "WHERE i.team_id = $1 AND i.id = $2").execute(Tuple.of(teamId, id))
                .map(rows -> rows.size() == 0 ? null : Insight.from(rows.iterator().next()));
    }

    public Uni<Insight> findByShortId(long teamId, String shortId) {
        return pool.preparedQuery(Insight.SELECT + "WHERE i.team_id = $1 AND i.short_id = $2").execute(Tuple.of(teamId, shortId))
                .map(rows -> rows.size() == 0 ? null : Insight.from(rows.iterator().next()));
    }

    public Uni<Insight> create(long teamId, long userId, Changes c) {
        String shortId = newShortId();
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO insights (team_id, short_id, name, derived_name, "
                                + "description, query, tags, favorited, saved, created_by_id, last_modified_by_id) "
                                + "VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, $9, $10, $10) RETURNING id")
                        .execute(Tuple.tuple(Arrays.asList(teamId, shortId, c.name(), c.derivedName(), c.description(),
                                c.query() == null ? null : c.query().toString(),
                                (c.tags() == null ? List.<String>of() : c.tags()).toArray(String[]::new),
                                Boolean.TRUE.equals(c.favorited()), Boolean.TRUE.equals(c.saved()), userId)))
                        .flatMap(rows -> {
                            long id = rows.iterator().next().getLong(0);
                            ObjectNode detail = detail(id, shortId, c.name());
                            detail.putNull("changes");
                            return log(conn, teamId, id, userId, "created", detail).replaceWith(id);
                        }))
                .flatMap(id -> find(teamId, id));
    }

    /** Applies the changes and logs each changed field; soft delete is {@code deleted: true}. Null when absent. */
    public Uni<Insight> update(long teamId, long id, long userId, Changes c) {
        return pool.withTransaction(conn -> conn.preparedQuery(Insight.SELECT + "WHERE i.team_id = $1 AND i.id = $2 FOR UPDATE OF i")
                .execute(Tuple.of(teamId, id))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().<Insight>nullItem();
                    }
                    Insight before = Insight.from(rows.iterator().next());
                    ArrayNode changes = mapper.createArrayNode();
                    String name = c.nameSet() ? c.name() : before.name();
                    change(changes, "name", before.name(), name);
                    String derived = c.derivedNameSet() ? c.derivedName() : before.derivedName();
                    change(changes, "derived_name", before.derivedName(), derived);
                    String description = c.descriptionSet() ? c.description() : before.description();
                    change(changes, "description", before.description(), description);
                    JsonNode beforeQuery = Insight.parse(mapper, before.query());
                    JsonNode query = c.query() != null ? c.query() : beforeQuery;
                    if (!Objects.equals(beforeQuery, query)) {
                        changes.addObject().put("type", "Insight").put("action", "changed").put("field", "query")
                                .<ObjectNode>set("before", beforeQuery).set("after", query);
                    }
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
                    return conn.preparedQuery("UPDATE insights SET name = $3, derived_name = $4, description = $5, "
                                    + "query = $6::text::jsonb, tags = $7, favorited = $8, saved = $9, deleted = $10, "
                                    + "last_modified_at = now(), last_modified_by_id = $11 WHERE team_id = $1 AND id = $2")
                            .execute(Tuple.tuple(Arrays.asList(teamId, id, name, derived, description,
                                    query == null || query.isNull() ? null : query.toString(), tags.toArray(String[]::new),
                                    favorited, saved, deleted, userId)))
                            .flatMap(x -> changes.isEmpty() ? Uni.createFrom().voidItem()
                                    : log(conn, teamId, id, userId, activity,
                                            detail(id, before.shortId(), name).set("changes", changes)))
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

    public record Trending(Insight insight, long viewCount, List<Insight.UserRef> viewers) {
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
                    return pool.preparedQuery(Insight.SELECT + "WHERE i.team_id = $1 AND i.id = ANY($2)")
                            .execute(Tuple.of(teamId, ids)).map(found -> {
                                List<Insight> insights = all(found);
                                List<Trending> out = new ArrayList<>();
                                for (Row r : ranked) {
                                    Insight insight = insights.stream().filter(i -> i.id() == r.getLong(0)).findFirst().orElseThrow();
                                    List<Insight.UserRef> viewers = new ArrayList<>();
                                    Long[] uid = r.getArrayOfLongs(2);
                                    for (int k = 0; k < Math.min(3, uid.length); k++) {
                                        viewers.add(new Insight.UserRef(uid[k], r.getArrayOfStrings(3)[k],
                                                r.getArrayOfStrings(4)[k], r.getArrayOfStrings(5)[k], r.getArrayOfStrings(6)[k]));
                                    }
                                    out.add(new Trending(insight, r.getLong(1), viewers));
                                }
                                return out;
                            });
                });
    }

    public record Activity(UUID id, String itemId, String activity, Insight.UserRef user, String detail,
                           java.time.OffsetDateTime createdAt) {
    }

    /** Activity of one insight ({@code itemId}) or of all insights (null), newest first. */
    public Uni<List<Activity>> activity(long teamId, String itemId, int limit, int offset) {
        return pool.preparedQuery("SELECT a.id, a.item_id, a.activity, u.id, u.uuid::text, u.distinct_id, u.first_name, "
                        + "u.email, a.detail::text, a.created_at FROM activity_log a LEFT JOIN users u ON u.id = a.user_id "
                        + "WHERE a.team_id = $1 AND a.scope = 'Insight' AND ($2::text IS NULL OR a.item_id = $2) "
                        + "ORDER BY a.created_at DESC, a.id LIMIT $3 OFFSET $4")
                .execute(Tuple.tuple(Arrays.asList(teamId, itemId, limit, offset)))
                .map(rows -> {
                    List<Activity> out = new ArrayList<>();
                    for (Row r : rows) {
                        Insight.UserRef user = r.getValue(3) == null ? null : new Insight.UserRef(r.getLong(3),
                                r.getString(4), r.getString(5), r.getString(6), r.getString(7));
                        out.add(new Activity(r.getUUID(0), r.getString(1), r.getString(2), user, r.getString(8),
                                r.getOffsetDateTime(9)));
                    }
                    return out;
                });
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

    private Uni<Void> log(SqlConnection conn, long teamId, long insightId, long userId, String activity, ObjectNode detail) {
        return conn.preparedQuery("INSERT INTO activity_log (team_id, id, scope, item_id, activity, user_id, detail) "
                        + "VALUES ($1, $2, 'Insight', $3, $4, $5, $6::text::jsonb)")
                .execute(Tuple.of(teamId, UUID.randomUUID(), Long.toString(insightId), activity, userId, detail.toString()))
                .replaceWithVoid();
    }

    private void change(ArrayNode changes, String field, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            ObjectNode c = changes.addObject().put("type", "Insight").put("action", "changed").put("field", field);
            c.set("before", mapper.valueToTree(before));
            c.set("after", mapper.valueToTree(after));
        }
    }

    private static List<Insight> all(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Insight> out = new ArrayList<>();
        rows.forEach(r -> out.add(Insight.from(r)));
        return out;
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
