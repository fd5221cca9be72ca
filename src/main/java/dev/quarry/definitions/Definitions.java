package dev.quarry.definitions;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Event and property definitions of one team: pages, lookups, creation and edits. Every statement binds team_id. */
@ApplicationScoped
public class Definitions {
    private final Pool pool;

    public Definitions(Pool pool) {
        this.pool = pool;
    }

    public record Page<T>(long count, List<T> results) {
    }

    /** What an edit sets; a null field is left as it is. */
    public record Edit(String description, boolean descriptionSet, List<String> tags, Boolean verified, Boolean hidden,
                       String propertyType) {
    }

    /** Event definitions, most recently seen first; {@code search} is a case-insensitive substring of the name. */
    public Uni<Page<EventDefinition>> events(long teamId, String search, int limit, int offset) {
        String where = "WHERE team_id = $1 AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%')";
        String pattern = search == null || search.isBlank() ? null : escapeLike(search.trim());
        return pool.preparedQuery("SELECT count(*) FROM event_definitions " + where).execute(Tuple.of(teamId, pattern))
                .flatMap(count -> pool.preparedQuery("SELECT " + EventDefinition.COLUMNS + " FROM event_definitions "
                                + where + " ORDER BY last_seen_at DESC NULLS LAST, name LIMIT $3 OFFSET $4")
                        .execute(Tuple.of(teamId, pattern, limit, offset))
                        .map(rows -> {
                            List<EventDefinition> out = new ArrayList<>();
                            rows.forEach(r -> out.add(EventDefinition.from(r)));
                            return new Page<>(count.iterator().next().getLong(0), out);
                        }));
    }

    public Uni<EventDefinition> event(long teamId, UUID id) {
        return pool.preparedQuery("SELECT " + EventDefinition.COLUMNS + " FROM event_definitions WHERE team_id = $1 AND id = $2")
                .execute(Tuple.of(teamId, id)).map(rows -> rows.size() == 0 ? null : EventDefinition.from(rows.iterator().next()));
    }

    public Uni<EventDefinition> eventByName(long teamId, String name) {
        return pool.preparedQuery("SELECT " + EventDefinition.COLUMNS + " FROM event_definitions WHERE team_id = $1 AND name = $2")
                .execute(Tuple.of(teamId, name)).map(rows -> rows.size() == 0 ? null : EventDefinition.from(rows.iterator().next()));
    }

    /** A new definition (not yet seen in capture). @throws ValidationException when the name exists */
    public Uni<EventDefinition> createEvent(long teamId, String name, Edit edit) {
        boolean verified = Boolean.TRUE.equals(edit.verified());
        return pool.preparedQuery("INSERT INTO event_definitions (team_id, id, name, description, tags, verified, verified_at, hidden) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 THEN now() END, $7) RETURNING " + EventDefinition.COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(teamId, UUID.randomUUID(), name, edit.description(),
                        (edit.tags() == null ? List.<String>of() : edit.tags()).toArray(String[]::new), verified,
                        Boolean.TRUE.equals(edit.hidden()))))
                .map(rows -> EventDefinition.from(rows.iterator().next()))
                .onFailure(Definitions::isUniqueViolation)
                .transform(e -> new ValidationException("unique", "Event definition with this name already exists.", "name"));
    }

    public Uni<EventDefinition> updateEvent(long teamId, UUID id, Edit edit) {
        return pool.preparedQuery("UPDATE event_definitions SET "
                        + "description = CASE WHEN $3 THEN $4 ELSE description END, tags = coalesce($5, tags), "
                        + "verified_at = CASE WHEN $6 AND NOT verified THEN now() WHEN NOT $6 THEN NULL ELSE verified_at END, "
                        + "verified = coalesce($6, verified), hidden = coalesce($7, hidden), updated_at = now() "
                        + "WHERE team_id = $1 AND id = $2 RETURNING " + EventDefinition.COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(teamId, id, edit.descriptionSet(), edit.description(),
                        edit.tags() == null ? null : edit.tags().toArray(String[]::new), edit.verified(), edit.hidden())))
                .map(rows -> rows.size() == 0 ? null : EventDefinition.from(rows.iterator().next()));
    }

    /**
     * Property definitions of one type. {@code names}: only these names (PostHog's {@code properties=a,b});
     * {@code eventNames}: when given, each answer says whether it was seen with one of these events.
     */
    public Uni<Page<PropertyDefinition>> properties(long teamId, int type, List<String> names, String search,
                                                   Boolean numerical, int limit, int offset) {
        String where = "WHERE team_id = $1 AND type = $2 AND ($3::text[] IS NULL OR name = ANY($3)) "
                + "AND ($4::text IS NULL OR name ILIKE '%' || $4 || '%') AND ($5::bool IS NULL OR is_numerical = $5)";
        String pattern = search == null || search.isBlank() ? null : escapeLike(search.trim());
        String[] nameArray = names == null ? null : names.toArray(String[]::new);
        List<Object> params = Arrays.asList(teamId, (short) type, nameArray, pattern, numerical);
        return pool.preparedQuery("SELECT count(*) FROM property_definitions " + where).execute(Tuple.tuple(params))
                .flatMap(count -> {
                    List<Object> paged = new ArrayList<>(params);
                    paged.add(limit);
                    paged.add(offset);
                    return pool.preparedQuery("SELECT " + PropertyDefinition.COLUMNS + " FROM property_definitions "
                                    + where + " ORDER BY name LIMIT $6 OFFSET $7").execute(Tuple.tuple(paged))
                            .map(rows -> {
                                List<PropertyDefinition> out = new ArrayList<>();
                                rows.forEach(r -> out.add(PropertyDefinition.from(r)));
                                return new Page<>(count.iterator().next().getLong(0), out);
                            });
                });
    }

    /** The event properties seen with any of these events. */
    public Uni<List<String>> propertiesOfEvents(long teamId, List<String> events) {
        return pool.preparedQuery("SELECT DISTINCT property FROM event_properties WHERE team_id = $1 AND event = ANY($2) "
                        + "ORDER BY property")
                .execute(Tuple.of(teamId, events.toArray(String[]::new)))
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getString(0)));
                    return out;
                });
    }

    public Uni<PropertyDefinition> property(long teamId, UUID id) {
        return pool.preparedQuery("SELECT " + PropertyDefinition.COLUMNS + " FROM property_definitions WHERE team_id = $1 AND id = $2")
                .execute(Tuple.of(teamId, id)).map(rows -> rows.size() == 0 ? null : PropertyDefinition.from(rows.iterator().next()));
    }

    public Uni<PropertyDefinition> updateProperty(long teamId, UUID id, Edit edit) {
        return pool.preparedQuery("UPDATE property_definitions SET "
                        + "description = CASE WHEN $3 THEN $4 ELSE description END, tags = coalesce($5, tags), "
                        + "verified_at = CASE WHEN $6 AND NOT verified THEN now() WHEN NOT $6 THEN NULL ELSE verified_at END, "
                        + "verified = coalesce($6, verified), hidden = coalesce($7, hidden), "
                        + "property_type = coalesce($8, property_type), "
                        + "is_numerical = CASE WHEN $8::text IS NULL THEN is_numerical ELSE $8 = 'Numeric' END, updated_at = now() "
                        + "WHERE team_id = $1 AND id = $2 RETURNING " + PropertyDefinition.COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(teamId, id, edit.descriptionSet(), edit.description(),
                        edit.tags() == null ? null : edit.tags().toArray(String[]::new), edit.verified(), edit.hidden(),
                        edit.propertyType())))
                .map(rows -> rows.size() == 0 ? null : PropertyDefinition.from(rows.iterator().next()));
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
    public Uni<java.util.Map<String, String>> eventDescriptions(long teamId, List<String> names) {
        return pool.preparedQuery("SELECT name, description FROM event_definitions WHERE team_id = $1 AND name = ANY($2) "
                        + "AND description IS NOT NULL")
                .execute(Tuple.of(teamId, names.toArray(String[]::new)))
                .map(rows -> {
                    java.util.Map<String, String> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(r.getString(0), r.getString(1)));
                    return out;
                });
    }

    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static boolean isUniqueViolation(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
    }
}
