package dev.quarry.definitions;

import dev.quarry.data.ActivityLogEntries;
import dev.quarry.data.DefinitionEntity;
import dev.quarry.data.EventDefinitionEntity;
import dev.quarry.data.PropertyDefinitionEntity;
import dev.quarry.data.UserBasic;
import dev.quarry.data.UserEntity;
import dev.quarry.web.ValidationException;
import dev.quarry.data.Sessions;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheQuery;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Event and property definitions of one team: pages, lookups, creation and edits, through the Panache entities
 * {@link EventDefinitionEntity} and {@link PropertyDefinitionEntity} (each call its own session, see
 * {@link Sessions}); every query names the team. Which properties were seen with which events
 * ({@code event_properties}, kept by capture) is read with SQL on the reactive client.
 */
@ApplicationScoped
public class Definitions {
    /**
     * The longest description a definition or an action keeps (PostHog's is an unbounded text): a page of 100 of
     * them then always fits an answer; two 3 MB descriptions made the default list a 400 for everyone (a breaker's
     * finding), and a 7 MB one was stored though the edit's answer was refused.
     */
    public static final int MAX_DESCRIPTION = 4_096;

    private final Pool pool;

    public Definitions(Pool pool) {
        this.pool = pool;
    }

    public record Page<T>(long count, List<T> results) {
    }

    /**
     * What an edit sets; a null field is left as it is, except {@code description} and {@code propertyType}, which are
     * set (to null too) when their {@code …Set} flag says the body named them (PostHog's serializer takes
     * {@code "property_type": null} as "no type").
     */
    public record Edit(String description, boolean descriptionSet, List<String> tags, Boolean verified, Boolean hidden,
                       String propertyType, boolean propertyTypeSet) {
    }

    /**
     * A page of the team's event definitions narrowed and ordered as {@code listing} says (PostHog's list, see
     * {@link EventListing}), and how many match: the matching ids by one SQL statement on the reactive client (every
     * condition a bind parameter or a fixed fragment, walled to the team), the page's rows with their editors in one
     * read session.
     *
     * @param now the time {@code exclude_stale} counts back from
     */
    public Uni<Page<EventDefinition>> events(long teamId, EventListing listing, OffsetDateTime now, int limit,
                                             int offset) {
        List<Object> parameters = new ArrayList<>();
        parameters.add(teamId);
        StringBuilder where = new StringBuilder("team_id = $1");
        for (String term : searchTerms(listing.search())) {
            parameters.add("%" + escapeLike(term) + "%");
            where.append(" AND name ILIKE $").append(parameters.size()).append(" ESCAPE '\\'");
        }
        if (listing.prefix() != null) {
            parameters.add(escapeLike(listing.prefix()) + "%");
            where.append(listing.withPrefix() ? " AND name LIKE $" : " AND name NOT LIKE $").append(parameters.size())
                    .append(" ESCAPE '\\'");
        }
        if (listing.excludeHidden()) {
            where.append(" AND NOT hidden");
        }
        if (listing.excludeStale()) {
            parameters.add(now.minusDays(EventListing.STALE_EVENT_DAYS));
            where.append(" AND (last_seen_at IS NULL OR last_seen_at > $").append(parameters.size()).append(")");
        }
        if (listing.verified() != null) {
            parameters.add(CoreEvents.NAMES.toArray(String[]::new));
            where.append(listing.verified() ? " AND (verified OR name = ANY($" + parameters.size() + "))"
                    : " AND NOT verified AND NOT name = ANY($" + parameters.size() + ")");
        }
        if (!listing.excluded().isEmpty()) {
            parameters.add(listing.excluded().toArray(String[]::new));
            where.append(" AND NOT name = ANY($").append(parameters.size()).append(")");
        }
        if (!listing.names().isEmpty()) {
            parameters.add(listing.names().toArray(String[]::new));
            where.append(" AND name = ANY($").append(parameters.size()).append(")");
        }
        if (!listing.tags().isEmpty()) {
            parameters.add(listing.tags().toArray(String[]::new));
            where.append(" AND tags && $").append(parameters.size());
        }
        Tuple counted = Tuple.from(parameters);
        List<Object> paged = new ArrayList<>(parameters);
        paged.add(limit);
        paged.add(offset);
        String count = "SELECT count(*) FROM event_definitions WHERE " + where;
        String page = "SELECT id FROM event_definitions WHERE " + where + " ORDER BY " + listing.orderBy()
                + " LIMIT $" + (paged.size() - 1) + " OFFSET $" + paged.size();
        return pool.preparedQuery(count).execute(counted).map(rows -> rows.iterator().next().getLong(0))
                .flatMap(total -> pool.preparedQuery(page).execute(Tuple.from(paged)).flatMap(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(new Page<EventDefinition>(total, List.of()));
                    }
                    return Sessions.read(() -> EventDefinitionEntity.<EventDefinitionEntity>list(
                                    "teamId = ?1 and id in ?2", teamId, ids)
                            .flatMap(found -> editors(found).map(users -> {
                                Map<UUID, EventDefinitionEntity> byId = new HashMap<>();
                                found.forEach(row -> byId.put(row.id, row));
                                List<EventDefinition> results = new ArrayList<>();
                                for (UUID id : ids) {
                                    EventDefinitionEntity row = byId.get(id);
                                    if (row != null) { // deleted between the two reads
                                        results.add(EventDefinition.from(row, users));
                                    }
                                }
                                return new Page<>(total, results);
                            })));
                }));
    }

    public Uni<EventDefinition> event(long teamId, UUID id) {
        return Sessions.read(() -> EventDefinitionEntity.<EventDefinitionEntity>find("teamId = ?1 and id = ?2", teamId, id)
                .firstResult().flatMap(row -> withEditors(row, EventDefinition::from)));
    }

    public Uni<EventDefinition> eventByName(long teamId, String name) {
        return Sessions.read(() -> EventDefinitionEntity.<EventDefinitionEntity>find("teamId = ?1 and name = ?2", teamId, name)
                .firstResult().flatMap(row -> withEditors(row, EventDefinition::from)));
    }

    /**
     * A new definition (not yet seen in capture), {@code userId}'s edit. @throws ValidationException when the name
     * exists
     */
    public Uni<EventDefinition> createEvent(long teamId, String name, Edit edit, long userId) {
        OffsetDateTime now = now();
        EventDefinitionEntity row = new EventDefinitionEntity();
        row.id = UUID.randomUUID();
        row.teamId = teamId;
        row.name = name;
        row.description = edit.description();
        row.tags = (edit.tags() == null ? List.<String>of() : edit.tags()).toArray(String[]::new);
        row.verified = Boolean.TRUE.equals(edit.verified());
        row.verifiedAt = row.verified ? now : null;
        row.verifiedById = row.verified ? userId : null;
        row.updatedById = userId;
        row.hidden = Boolean.TRUE.equals(edit.hidden());
        row.createdAt = now;
        row.updatedAt = now;
        // a taken name is looked up first: the unique violation alone is the answer only in a race, since Hibernate
        // logs every violation it sees as two WARN lines (and PostgreSQL its ERROR)
        return Sessions.write(() -> EventDefinitionEntity.count("teamId = ?1 and name = ?2", teamId, name)
                        .flatMap(taken -> {
                            if (taken > 0) {
                                throw new ValidationException("unique", "Event definition with this name already exists.",
                                        "name");
                            }
                            return row.persist().call(Panache::flush);
                        })
                        .flatMap(ignored -> withEditors(row, EventDefinition::from)))
                .onFailure(Sessions::isUniqueViolation)
                .transform(e -> new ValidationException("unique", "Event definition with this name already exists.", "name"));
    }

    /** Applies {@code userId}'s edit; null when the team has no definition with this id. One transaction. */
    public Uni<EventDefinition> updateEvent(long teamId, UUID id, Edit edit, long userId) {
        return Sessions.write(() -> EventDefinitionEntity.<EventDefinitionEntity>find("teamId = ?1 and id = ?2", teamId, id)
                .firstResult().flatMap(row -> {
                    if (row == null) {
                        return Uni.createFrom().<EventDefinitionEntity>nullItem();
                    }
                    Logged before = Logged.of(row, null);
                    row.updatedAt = applyEdit(row, edit, userId);
                    return before.log(EVENT_SCOPE, row, null, userId).replaceWith(row);
                }).flatMap(row -> withEditors(row, EventDefinition::from)));
    }

    /**
     * Deletes the team's event definition with this id (PostHog's {@code EventDefinitionViewSet.destroy}); the events
     * and their (event, property) pairs stay, and capture records the name again when an event names it.
     *
     * @return false when the team has no such definition
     */
    public Uni<Boolean> deleteEvent(long teamId, UUID id, Long userId) {
        return deleteLogged("event_definitions", EVENT_SCOPE, teamId, id, userId);
    }

    /**
     * Deletes the team's property definition with this id (PostHog's {@code PropertyDefinitionViewSet.destroy}, any
     * type); capture records the name again when an event (or a person or group update) carries it.
     *
     * @return false when the team has no such definition
     */
    public Uni<Boolean> deleteProperty(long teamId, UUID id, Long userId) {
        return deleteLogged("property_definitions", PROPERTY_SCOPE, teamId, id, userId);
    }

    /** PostHog's activity log scopes of definitions. */
    static final String EVENT_SCOPE = "EventDefinition";
    static final String PROPERTY_SCOPE = "PropertyDefinition";

    /**
     * Deletes the definition and logs PostHog's {@code deleted} activity for it (by {@code userId}) in one statement.
     *
     * @param table {@code event_definitions} or {@code property_definitions} (a fixed name, never a caller's text)
     */
    private Uni<Boolean> deleteLogged(String table, String scope, long teamId, UUID id, Long userId) {
        return pool.preparedQuery("WITH gone AS (DELETE FROM " + table + " WHERE team_id = $1 AND id = $2 "
                        + "RETURNING name) INSERT INTO activity_log (team_id, id, scope, item_id, activity, user_id, "
                        + "detail) SELECT $1, gen_random_uuid(), $3, $2::text, 'deleted', $4, "
                        + "jsonb_build_object('changes', NULL, 'merge', NULL, 'trigger', NULL, 'name', name, "
                        + "'short_id', NULL, 'type', NULL) FROM gone")
                .execute(Tuple.of(teamId, id, scope, userId)).map(rows -> rows.rowCount() > 0);
    }

    /** What an edit of a definition can change, as PostHog's activity log compares it ({@code changed}). */
    private record Logged(String description, List<String> tags, boolean verified, boolean hidden,
                          String propertyType) {
        static Logged of(DefinitionEntity row, String propertyType) {
            return new Logged(row.description, List.of(row.tags), row.verified, row.hidden, propertyType);
        }

        /** Logs what changed from this state to {@code row}'s (nothing when nothing did), in the session. */
        Uni<Void> log(String scope, DefinitionEntity row, String propertyTypeAfter, long userId) {
            com.fasterxml.jackson.databind.node.ArrayNode changes =
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            ActivityLogEntries.change(changes, scope, "description", description, row.description);
            com.fasterxml.jackson.databind.node.ArrayNode before = changes.arrayNode();
            tags.forEach(before::add);
            com.fasterxml.jackson.databind.node.ArrayNode after = changes.arrayNode();
            for (String tag : row.tags) {
                after.add(tag);
            }
            ActivityLogEntries.change(changes, scope, "tags", before, after);
            ActivityLogEntries.change(changes, scope, "verified", verified, row.verified);
            ActivityLogEntries.change(changes, scope, "hidden", hidden, row.hidden);
            ActivityLogEntries.change(changes, scope, "property_type", propertyType, propertyTypeAfter);
            if (changes.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            com.fasterxml.jackson.databind.node.ObjectNode detail = ActivityLogEntries.detail(row.name, null);
            detail.set("changes", changes);
            return ActivityLogEntries.add(row.teamId, scope, row.id.toString(), userId, "changed", detail);
        }
    }

    /**
     * Property definitions of one type. {@code names}: only these names (PostHog's {@code properties=a,b});
     * {@code eventNames}: when given, each answer says whether it was seen with one of these events.
     */
    public Uni<Page<PropertyDefinition>> properties(long teamId, int type, List<String> names, String search,
                                                   Boolean numerical, int limit, int offset) {
        return properties(teamId, type, -1, names, search, numerical, limit, offset);
    }

    /**
     * As {@link #properties(long, int, List, String, Boolean, int, int)}, for one group type's properties too
     * ({@code type} 3 with its {@code groupTypeIndex} 0…4; -1 for event and person definitions), as PostHog filters
     * {@code coalesce(group_type_index, -1)}.
     */
    public Uni<Page<PropertyDefinition>> properties(long teamId, int type, int groupTypeIndex, List<String> names,
                                                   String search, Boolean numerical, int limit, int offset) {
        return properties(teamId, type, groupTypeIndex, names, search, numerical, PropertyListing.ALL, limit, offset);
    }

    /**
     * The rest of PostHog's property-definition list parameters ({@code PropertyDefinitionQuerySerializer}).
     *
     * @param excluded      names left out (PostHog's {@code excluded_properties}, and for event properties the ones
     *                      its ingestion sets and hides: {@code $set}, {@code $groups}, {@code $group_0} …)
     * @param onlyNames     null, or only these names ({@code filter_by_event_names}: the properties seen with
     *                      {@code event_names})
     * @param seenFirst     null, or these names sorted before the others ({@code is_seen_on_filtered_events} first)
     * @param featureFlag   null, or only ({@code true}) / none of ({@code false}) the {@code $feature/…} properties
     * @param excludeHidden leave out the definitions marked hidden
     * @param excludeDollar leave out every name starting with {@code $} (PostHog's {@code exclude_core_properties}
     *                      for event properties, with its core names in {@code excluded})
     */
    public record PropertyListing(List<String> excluded, List<String> onlyNames, List<String> seenFirst,
                                  Boolean featureFlag, boolean excludeHidden, boolean excludeDollar) {
        public static final PropertyListing ALL = new PropertyListing(List.of(), null, null, null, false, false);
    }

    /** As {@link #properties(long, int, int, List, String, Boolean, int, int)}, narrowed and ordered by {@code listing}. */
    public Uni<Page<PropertyDefinition>> properties(long teamId, int type, int groupTypeIndex, List<String> names,
                                                   String search, Boolean numerical, PropertyListing listing,
                                                   int limit, int offset) {
        Filter filter = new Filter("teamId = :team and type = :type and groupTypeIndex = :gti",
                Parameters.with("team", teamId).and("type", (short) type).and("gti", (short) groupTypeIndex));
        if (names != null) {
            filter = filter.and("name in :names", "names", names);
        }
        filter = searched(filter, search);
        if (Boolean.TRUE.equals(numerical)) {
            // PostHog's with_is_numerical_flag: only a true value filters, and never to these two names
            filter = filter.and("numerical = :numerical", "numerical", true)
                    .and("name not in :notNumerical", "notNumerical", List.of("distinct_id", "timestamp"));
        }
        if (!listing.excluded().isEmpty()) {
            filter = filter.and("name not in :excluded", "excluded", listing.excluded());
        }
        if (listing.onlyNames() != null) {
            filter = filter.and("name in :only", "only", listing.onlyNames());
        }
        if (listing.featureFlag() != null) {
            filter = filter.and((listing.featureFlag() ? "" : "not ") + "name like :flagPrefix", "flagPrefix",
                    "$feature/%");
        }
        if (listing.excludeHidden()) {
            filter = filter.and("hidden = :hidden", "hidden", false);
        }
        if (listing.excludeDollar()) {
            filter = filter.and("name not like :dollar", "dollar", "$%");
        }
        if ((names != null && names.isEmpty()) || (listing.onlyNames() != null && listing.onlyNames().isEmpty())) {
            return Uni.createFrom().item(new Page<>(0, List.of())); // "name = ANY('{}')": nothing, no statement
        }
        if (listing.seenFirst() != null && !listing.seenFirst().isEmpty()) {
            // PostHog's ORDER BY is_seen_on_filtered_events DESC, name
            Filter where = filter;
            Map<String, Object> ordered = new java.util.HashMap<>(where.parameters().map());
            ordered.put("seen", listing.seenFirst());
            return Sessions.read(() -> PropertyDefinitionEntity.count(where.hql(), where.parameters())
                    .flatMap(total -> PropertyDefinitionEntity.<PropertyDefinitionEntity>find(where.hql()
                                    + " order by case when name in :seen then 0 else 1 end, verified desc, name", ordered)
                            .range(offset, offset + limit - 1).list()
                            .flatMap(rows -> editors(rows).map(users -> new Page<>(total,
                                    rows.stream().map(row -> PropertyDefinition.from(row, users)).toList())))));
        }
        Filter where = filter;
        return page(where, (hql, parameters) -> PropertyDefinitionEntity.count(hql, parameters),
                (hql, sort, parameters) -> PropertyDefinitionEntity.<PropertyDefinitionEntity>find(hql, sort, parameters),
                Sort.by("verified", Sort.Direction.Descending).and("name"), // PostHog's verified DESC, name ASC
                PropertyDefinition::from, limit, offset);
    }

    /**
     * The most properties seen with the asked events that a property list narrows or orders by. The names are bound
     * one parameter each (past 65,535 the list was a 500, after seconds of the event loop expanding them: a breaker
     * sent 600,000 property keys with the public token); PostHog joins them in its database.
     */
    public static final int MAX_SEEN_PROPERTIES = 10_000;

    /**
     * The event properties seen with any of these events.
     *
     * @throws ValidationException (as a failed Uni) 400 naming {@code event_names} past {@link #MAX_SEEN_PROPERTIES}
     */
    public Uni<List<String>> propertiesOfEvents(long teamId, List<String> events) {
        return pool.preparedQuery("SELECT DISTINCT property FROM event_properties WHERE team_id = $1 AND event = ANY($2) "
                        + "ORDER BY property LIMIT $3")
                .execute(Tuple.of(teamId, events.toArray(String[]::new), MAX_SEEN_PROPERTIES + 1))
                .map(rows -> {
                    if (rows.size() > MAX_SEEN_PROPERTIES) {
                        throw new ValidationException("These events carry more than " + MAX_SEEN_PROPERTIES
                                + " distinct properties: search the property definitions by name instead.",
                                "event_names");
                    }
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getString(0)));
                    return out;
                });
    }

    public Uni<PropertyDefinition> property(long teamId, UUID id) {
        return Sessions.read(() -> PropertyDefinitionEntity.<PropertyDefinitionEntity>find("teamId = ?1 and id = ?2", teamId, id)
                .firstResult().flatMap(row -> withEditors(row, PropertyDefinition::from)));
    }

    /**
     * Applies the edit; a new {@code propertyType} also sets {@code is_numerical} (Numeric or not). Null when the team
     * has no definition with this id. One transaction.
     */
    public Uni<PropertyDefinition> updateProperty(long teamId, UUID id, Edit edit, long userId) {
        return Sessions.write(() -> PropertyDefinitionEntity.<PropertyDefinitionEntity>find("teamId = ?1 and id = ?2", teamId, id)
                .firstResult().flatMap(row -> {
                    if (row == null) {
                        return Uni.createFrom().nullItem();
                    }
                    boolean retyped = edit.propertyTypeSet()
                            && !java.util.Objects.equals(edit.propertyType(), row.propertyType);
                    Logged before = Logged.of(row, row.propertyType);
                    if (edit.propertyTypeSet()) {
                        row.propertyType = edit.propertyType();
                        row.numerical = "Numeric".equals(edit.propertyType());
                    }
                    row.updatedAt = applyEdit(row, edit, userId);
                    Uni<Void> logged = before.log(PROPERTY_SCOPE, row, row.propertyType, userId);
                    return retyped ? logged.call(() -> forgetCachedAnswers(teamId)).replaceWith(row)
                            : logged.replaceWith(row);
                }).flatMap(row -> withEditors(row, PropertyDefinition::from)));
    }

    /**
     * Drops the team's cached query answers, in the transaction that changes a property's type: HogQL reads a
     * property by its definition's type (hogql.PropertyTypes), so an answer computed with the old type must not be
     * served after the change. (PostHog's cache key holds no definitions: there a cached answer outlives the edit
     * until it goes stale; Quarry takes the next query's answer from the new type.) The project's definitions version
     * moves on with it, so a query that read the old type while this ran does not store its answer afterwards.
     */
    private static Uni<Integer> forgetCachedAnswers(long teamId) {
        // the version first: its row lock is held until commit, so a query storing its answer meanwhile waits for the
        // commit and then sees the new version (QueryCache.put), rather than storing after this DELETE has run
        return Panache.getSession().flatMap(session -> session
                .createNativeQuery("UPDATE teams SET definitions_version = definitions_version + 1 WHERE id = :team")
                .setParameter("team", teamId)
                .executeUpdate()
                .flatMap(bumped -> session.createNativeQuery("DELETE FROM query_cache WHERE team_id = :team")
                        .setParameter("team", teamId)
                        .executeUpdate()));
    }

    /** Event names with their properties, for the taxonomy tool: every event of the team, by name. */
    public Uni<List<Row>> eventPropertyRows(long teamId, String event) {
        return pool.preparedQuery("SELECT d.name, d.property_type, d.description FROM event_properties p "
                        + "JOIN property_definitions d ON d.team_id = p.team_id AND d.type = 1 AND d.name = p.property "
                        + "WHERE p.team_id = $1 AND p.event = $2 AND NOT d.hidden ORDER BY d.name")
                .execute(Tuple.of(teamId, event)).map(rows -> {
                    List<Row> out = new ArrayList<>();
                    rows.forEach(out::add);
                    return out;
                });
    }

    /** Descriptions of the named event definitions that have one. */
    public Uni<Map<String, String>> eventDescriptions(long teamId, List<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return Sessions.read(() -> EventDefinitionEntity.<EventDefinitionEntity>list(
                        "teamId = ?1 and name in ?2 and description is not null", teamId, names))
                .map(rows -> {
                    Map<String, String> out = new HashMap<>();
                    rows.forEach(row -> out.put(row.name, row.description));
                    return out;
                });
    }

    /**
     * Sets what the edit gives of the fields both definitions share (description, tags, verified — with
     * {@link #verifiedAt} and who verified, as PostHog's serializers set verified_by —, hidden) and {@code userId} as
     * the last editor; the edit's time comes back for {@code updated_at}.
     */
    private static OffsetDateTime applyEdit(DefinitionEntity row, Edit edit, long userId) {
        OffsetDateTime now = now();
        if (edit.descriptionSet()) {
            row.description = edit.description();
        }
        if (edit.tags() != null) {
            row.tags = edit.tags().toArray(String[]::new);
        }
        row.verifiedAt = verifiedAt(row.verified, row.verifiedAt, edit.verified(), now);
        if (edit.verified() != null) {
            row.verifiedById = !edit.verified() ? null : row.verified ? row.verifiedById : Long.valueOf(userId);
        }
        row.updatedById = userId;
        if (edit.verified() != null) {
            row.verified = edit.verified();
        }
        if (edit.hidden() != null) {
            row.hidden = edit.hidden();
        }
        return now;
    }

    /**
     * PostHog's verified_at on an edit: set when a definition becomes verified, cleared when it is unverified, kept
     * otherwise.
     */
    static OffsetDateTime verifiedAt(boolean wasVerified, OffsetDateTime verifiedAt, Boolean verified, OffsetDateTime now) {
        if (verified == null) {
            return verifiedAt;
        }
        if (!verified) {
            return null;
        }
        return wasVerified ? verifiedAt : now;
    }

    /** A LIKE pattern matching names that contain {@code search} (trimmed; its %, _ and \ taken literally). */
    static String containing(String search) {
        return "%" + escapeLike(search.trim()) + "%";
    }

    /** Now as PostgreSQL stores it (microseconds, UTC), so that what an edit answers equals what is read back. */
    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /** Counts the rows of an entity matching an HQL condition ({@code Entity.count}). */
    @FunctionalInterface
    private interface Count {
        Uni<Long> count(String hql, Parameters parameters);
    }

    /** Finds the rows of an entity matching an HQL condition, in an order ({@code Entity.find}). */
    @FunctionalInterface
    private interface Find<E> {
        PanacheQuery<E> find(String hql, Sort sort, Parameters parameters);
    }

    /**
     * One page of definitions ({@code limit} from {@code offset}) and how many match, in one read session, with the
     * users who edited and verified them (one more statement when any did).
     */
    private static <E extends DefinitionEntity, T> Uni<Page<T>> page(Filter where, Count count, Find<E> find, Sort sort,
            java.util.function.BiFunction<E, Map<Long, UserBasic>, T> answer, int limit, int offset) {
        return Sessions.read(() -> count.count(where.hql(), where.parameters())
                .flatMap(total -> find.find(where.hql(), sort, where.parameters())
                        .range(offset, offset + limit - 1).list()
                        .flatMap(rows -> editors(rows).map(users -> new Page<>(total,
                                rows.stream().map(row -> answer.apply(row, users)).toList())))));
    }

    /** The row as {@code answer} makes it with its editors (in the caller's session); null for null. */
    private static <E extends DefinitionEntity, T> Uni<T> withEditors(E row,
            java.util.function.BiFunction<E, Map<Long, UserBasic>, T> answer) {
        if (row == null) {
            return Uni.createFrom().nullItem();
        }
        return editors(List.of(row)).map(users -> answer.apply(row, users));
    }

    /** The users who last edited or verified these rows, by id: one statement, none when no row names one. */
    private static Uni<Map<Long, UserBasic>> editors(List<? extends DefinitionEntity> rows) {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (DefinitionEntity row : rows) {
            if (row.updatedById != null) {
                ids.add(row.updatedById);
            }
            if (row.verifiedById != null) {
                ids.add(row.verifiedById);
            }
        }
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return UserEntity.<UserEntity>list("id in ?1", ids).map(users -> {
            Map<Long, UserBasic> byId = new HashMap<>();
            users.forEach(user -> byId.put(user.id, UserBasic.of(user)));
            return byId;
        });
    }

    /** An HQL condition built from fixed fragments, with its named parameters. */
    /** The most words a definitions search matches (each one a condition on every row). */
    static final int MAX_SEARCH_TERMS = 50;

    /**
     * {@code filter} narrowed by a search as PostHog's {@code term_search_filter_sql} reads it: the text split on
     * spaces (NUL characters dropped), every word a case-insensitive substring of the name (in any order: "current
     * url" finds {@code $current_url}); Quarry takes a word's {@code %} and {@code _} literally. At most
     * {@link #MAX_SEARCH_TERMS} distinct words (a 400 beyond).
     */
    private static Filter searched(Filter filter, String search) {
        int i = 0;
        for (String term : searchTerms(search)) {
            filter = filter.and("name ilike :term" + i + " escape '\\'", "term" + i, "%" + escapeLike(term) + "%");
            i++;
        }
        return filter;
    }

    /** The distinct words of a search, as {@link #searched} reads them (none for null). */
    static java.util.Set<String> searchTerms(String search) {
        java.util.Set<String> terms = new java.util.LinkedHashSet<>();
        if (search == null) {
            return terms;
        }
        for (String term : search.replace("\u0000", "").split(" ")) {
            if (!term.isEmpty()) {
                terms.add(term);
            }
        }
        if (terms.size() > MAX_SEARCH_TERMS) {
            throw new dev.quarry.web.ValidationException("search matches at most " + MAX_SEARCH_TERMS + " words",
                    "search");
        }
        return terms;
    }

    private record Filter(String hql, Parameters parameters) {
        Filter and(String condition, String name, Object value) {
            return new Filter(hql + " and " + condition, parameters.and(name, value));
        }
    }

    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
