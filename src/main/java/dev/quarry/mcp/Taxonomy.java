package dev.quarry.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.definitions.Definitions;
import dev.quarry.definitions.PropertyDefinition;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.SessionsTable;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.QueryContext;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PostHog's read_taxonomy tool: the project's events by popularity, an event's properties, an entity's (person,
 * session) properties, and sample values of an event, person or session property, as the plain text the tool returns. Event names
 * and counts come from a HogQL query over the last 30 days (the compiler's team wall), properties from the
 * definitions capture keeps. Property names typed by the caller become HogQL field nodes, never HogQL text.
 */
@ApplicationScoped
public class Taxonomy {
    static final int SAMPLE_VALUES = 25;

    private final Definitions definitions;
    private final dev.quarry.query.QueryPlans plans;
    private final ObjectMapper mapper;
    private final dev.quarry.query.TeamLanes lanes;
    @jakarta.inject.Inject Clock clock;
    @jakarta.inject.Inject dev.quarry.actions.Actions actions;
    @jakarta.inject.Inject dev.quarry.groups.Groups groups;

    public Taxonomy(Definitions definitions, dev.quarry.query.QueryPlans plans, ObjectMapper mapper,
                    dev.quarry.query.TeamLanes lanes) {
        this.definitions = definitions;
        this.plans = plans;
        this.mapper = mapper;
        this.lanes = lanes;
    }

    /**
     * @throws ValidationException for a malformed query (the tool's argument validation error); the HogQL it runs
     *     is compiled in the project's lane, off the event loop
     */
    public Uni<String> read(Team team, JsonNode query) {
        if (query == null || !query.isObject() || !query.path("kind").isTextual()) {
            throw new ValidationException("query.kind is required", "query");
        }
        return lanes.run(team.id(), () -> readKind(team, query));
    }

    private Uni<String> readKind(Team team, JsonNode query) {
        return switch (query.get("kind").asText()) {
            case "events" -> events(team, bounded(query, "limit", 500, 1, 500), bounded(query, "offset", 0, 0, Integer.MAX_VALUE));
            case "event_properties" -> eventProperties(team, text(query, "event_name"));
            case "entity_properties" -> switch (String.valueOf(entity(text(query, "entity")))) {
                case "person" -> entityProperties(team, "person");
                case "session" -> Uni.createFrom().item(sessionProperties());
                default -> groupEntity(team, text(query, "entity"), null);
            };
            case "event_property_values" -> eventPropertyValues(team, text(query, "event_name"), text(query, "property_name"));
            case "entity_property_values" -> switch (String.valueOf(entity(text(query, "entity")))) {
                case "person" -> entityPropertyValues(team, "person", text(query, "property_name"));
                case "session" -> sessionPropertyValues(team, text(query, "property_name"));
                default -> groupEntity(team, text(query, "entity"), text(query, "property_name"));
            };
            case "action_properties" -> actionProperties(team, actionId(query));
            case "action_property_values" -> actionPropertyValues(team, actionId(query), text(query, "property_name"));
            default -> throw new ValidationException("Unknown taxonomy query kind: " + query.get("kind").asText(), "query");
        };
    }

    private Uni<String> events(Team team, int limit, int offset) {
        return rows(team, "SELECT event, count() AS c FROM events WHERE timestamp >= now() - interval 30 day GROUP BY event "
                        + "ORDER BY c DESC, event LIMIT " + limit + " OFFSET " + offset, Map.of())
                .flatMap(rows -> {
                    List<String> names = new ArrayList<>();
                    rows.forEach(r -> names.add(r.getString(0)));
                    return descriptions(team.id(), names).map(desc -> {
                        StringBuilder out = new StringBuilder("events:");
                        for (String name : names) {
                            String d = desc.get(name);
                            out.append("\n- `").append(name).append('`');
                            if (d != null && !d.isBlank()) {
                                out.append(" - ").append(d.replace('\n', ' '));
                            }
                        }
                        return out.toString();
                    });
                });
    }

    private Uni<Map<String, String>> descriptions(long teamId, List<String> names) {
        return names.isEmpty() ? Uni.createFrom().item(Map.of()) : definitions.eventDescriptions(teamId, names);
    }

    /**
     * Event properties PostHog's taxonomy never offers an agent. Its EventTaxonomyQuery leaves out the keys its
     * "not useful for AI" pattern finds anywhere in the name (ClickHouse {@code match}, unanchored: {@code $set}
     * covers {@code $set_once}), and the tool keeps only keys with a property definition, which PostHog's ingestion
     * never writes for {@code $groups} and {@code $group_0} … {@code $group_4}.
     */
    static final java.util.regex.Pattern NOT_FOR_AGENTS = java.util.regex.Pattern.compile("(\\$set|\\$time|"
            + "\\$set_once|\\$sent_at|distinct_id|\\$ip|\\$feature/|\\$feature_enrollment/|\\$feature_interaction/|"
            + "\\$product_tour|__|survey_dismiss|survey_responded|phjs|partial_filter_chosen|changed_action|window-id|"
            + "changed_event|partial_filter)");

    /** Whether {@link #NOT_FOR_AGENTS} or ingestion's own group keys leave this property out of the taxonomy. */
    static boolean omitted(String property) {
        return property.equals("$groups") || property.matches("\\$group_[0-4]")
                || NOT_FOR_AGENTS.matcher(property).find();
    }

    private Uni<String> eventProperties(Team team, String event) {
        return definitions.eventByName(team.id(), event).flatMap(def -> definitions.eventPropertyRows(team.id(), event)
                .map(all -> {
                    List<Row> rows = all.stream().filter(r -> !omitted(r.getString(0))).toList();
                    if (rows.isEmpty()) {
                        return "No properties were captured with the event `" + event + "`; check the event name with the "
                                + "events query.";
                    }
                    String prefix = def != null && def.description() != null && !def.description().isBlank()
                            ? "Description of `" + event + "`: " + def.description() + "\n\n" : "";
                    Map<String, List<String[]>> byType = new LinkedHashMap<>();
                    for (Row r : rows) {
                        byType.computeIfAbsent(r.getString(1) == null ? "String" : r.getString(1), k -> new ArrayList<>())
                                .add(new String[] {r.getString(0), r.getString(2)});
                    }
                    return prefix + yaml(byType);
                }));
    }

    /**
     * The properties seen with the action's events, grouped by type (PostHog samples the events matching the action;
     * Quarry lists the properties recorded with the events its steps name, or every event property when a step
     * matches any event). A missing or deleted action: PostHog's "does not exist in the taxonomy" text.
     */
    private Uni<String> actionProperties(Team team, long actionId) {
        return actions.find(team.id(), actionId).flatMap(action -> {
            if (action == null || action.deleted()) {
                return Uni.createFrom().item(actionNotFound(actionId));
            }
            List<String> events = stepEvents(action.steps());
            Uni<List<String[]>> found = events != null && events.isEmpty() ? Uni.createFrom().item(List.<String[]>of())
                    : events == null
                    ? definitions.properties(team.id(), 1, null, null, null, 1000, 0).map(page -> page.results().stream()
                            .filter(d -> !d.hidden())
                            .map(d -> new String[] {d.name(), d.propertyType(), d.description()}).toList())
                    : Uni.join().all(events.stream().map(e -> definitions.eventPropertyRows(team.id(), e)).toList())
                            .andFailFast().map(lists -> lists.stream().flatMap(List::stream)
                                    .filter(r -> !omitted(r.getString(0)))
                                    .map(r -> new String[] {r.getString(0), r.getString(1), r.getString(2)}).toList());
            return found.map(rows -> {
                Map<String, String[]> byName = new java.util.TreeMap<>();
                rows.forEach(r -> byName.putIfAbsent(r[0], r));
                if (byName.isEmpty()) {
                    return "Properties do not exist in the taxonomy for the action " + actionId + ".";
                }
                Map<String, List<String[]>> byType = new LinkedHashMap<>();
                for (String[] r : byName.values()) {
                    byType.computeIfAbsent(r[1] == null ? "String" : r[1], k -> new ArrayList<>())
                            .add(new String[] {r[0], r[2]});
                }
                return yaml(byType);
            });
        });
    }

    /** Sample values of an event property among the action's events of the last 30 days, most frequent first. */
    private Uni<String> actionPropertyValues(Team team, long actionId, String property) {
        return actions.find(team.id(), actionId).flatMap(action -> {
            if (action == null || action.deleted()) {
                return Uni.createFrom().item(actionNotFound(actionId));
            }
            // the action was read on the event loop: its HogQL compiles back in the project's lane
            return lanes.run(team.id(), () -> rows(team, "SELECT toString({tx_field}) AS v, count() AS c FROM events WHERE {tx_action} "
                            + "AND timestamp >= now() - interval 30 day AND {tx_field} IS NOT NULL GROUP BY v "
                            + "ORDER BY c DESC, v LIMIT " + SAMPLE_VALUES,
                    Map.of("tx_field", Expr.Field.of("properties", property), "tx_action",
                            dev.quarry.actions.ActionSteps.condition(actionId, action.steps(), "action_id"))))
                    .map(rows -> valuesText(rows, property, "the action `" + actionId + "`"));
        });
    }

    private static String actionNotFound(long actionId) {
        return "Action " + actionId + " does not exist in the taxonomy. Verify that the action ID is correct and try again.";
    }

    /** The event names the action's steps match, or null when a step matches any event. */
    private List<String> stepEvents(String stepsJson) {
        List<String> events = new ArrayList<>();
        try {
            for (JsonNode step : mapper.readTree(stepsJson == null ? "[]" : stepsJson)) {
                JsonNode event = step.path("event");
                if (!event.isTextual() || event.asText().isEmpty()) {
                    return null;
                }
                if (!events.contains(event.asText())) {
                    events.add(event.asText());
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Stored action steps are not JSON", e);
        }
        return events;
    }

    /** PostHog's tool takes the action id as an integer (a numeric string is read as one). */
    private static long actionId(JsonNode query) {
        JsonNode v = query.path("action_id");
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual() && v.asText().matches("[0-9]{1,18}")) {
            return Long.parseLong(v.asText());
        }
        throw new ValidationException("action_id must be an integer", "action_id");
    }

    private Uni<String> entityProperties(Team team, String entity) {
        return definitions.properties(team.id(), 2, null, null, null, 1000, 0).map(page -> byType(entity, page));
    }

    /** An entity's visible property definitions as YAML grouped by type (untyped ones as String), or the empty text. */
    private String byType(String entity, dev.quarry.definitions.Definitions.Page<PropertyDefinition> page) {
            if (page.results().isEmpty()) {
                return "No properties were captured for the entity `" + entity + "`.";
            }
            Map<String, List<String[]>> byType = new LinkedHashMap<>();
            for (PropertyDefinition d : page.results()) {
                if (!d.hidden()) {
                    byType.computeIfAbsent(d.propertyType() == null ? "String" : d.propertyType(), k -> new ArrayList<>())
                            .add(new String[] {d.name(), d.description()});
                }
            }
            return yaml(byType);
    }

    /**
     * The entity {@code session}: PostHog lists its session properties (the HogQL sessions table's columns, as
     * {@code sessions/property_definitions}) grouped by type; a duration is listed as Numeric, as in PostHog's taxonomy.
     */
    static String sessionProperties() {
        Map<String, List<String[]>> byType = new LinkedHashMap<>();
        for (SessionsTable.Property p : SessionsTable.properties(null)) {
            String type = p.propertyType().equals("Duration") ? "Numeric" : p.propertyType();
            byType.computeIfAbsent(type, k -> new ArrayList<>()).add(new String[] {p.name(), null});
        }
        return yaml(byType);
    }

    /** Sample values of a session property: the most frequent among the project's sessions (all time). */
    private Uni<String> sessionPropertyValues(Team team, String property) {
        if (SessionsTable.properties(null).stream().noneMatch(p -> p.name().equals(property))) {
            return Uni.createFrom().item("The property " + property + " does not exist in the taxonomy.");
        }
        Map<String, Object> values = Map.of("tx_field", Expr.Field.of(property));
        return rows(team, "SELECT toString({tx_field}) AS v, count() AS c FROM sessions WHERE {tx_field} IS NOT NULL "
                        + "GROUP BY v ORDER BY c DESC, v LIMIT " + SAMPLE_VALUES, values)
                .map(rows -> valuesText(rows, property, "the entity `session`"));
    }

    private Uni<String> eventPropertyValues(Team team, String event, String property) {
        Map<String, Object> values = Map.of("tx_event", event, "tx_field", Expr.Field.of("properties", property));
        return rows(team, "SELECT toString({tx_field}) AS v, count() AS c FROM events WHERE event = {tx_event} "
                        + "AND timestamp >= now() - interval 30 day AND {tx_field} IS NOT NULL GROUP BY v ORDER BY c DESC, v "
                        + "LIMIT " + SAMPLE_VALUES, values)
                .map(rows -> valuesText(rows, property, "the event `" + event + "`"));
    }

    private Uni<String> entityPropertyValues(Team team, String entity, String property) {
        Map<String, Object> values = Map.of("tx_field", Expr.Field.of("properties", property));
        return rows(team, "SELECT toString({tx_field}) AS v, count() AS c FROM persons WHERE {tx_field} IS NOT NULL "
                        + "GROUP BY v ORDER BY c DESC, v LIMIT " + SAMPLE_VALUES, values)
                .map(rows -> valuesText(rows, property, "the entity `" + entity + "`"));
    }

    private static String valuesText(io.vertx.mutiny.sqlclient.RowSet<Row> rows, String property, String of) {
        List<String> found = new ArrayList<>();
        rows.forEach(r -> found.add(r.getString(0)));
        if (found.isEmpty()) {
            return "No values found for property `" + property + "` on " + of + ".";
        }
        StringBuilder out = new StringBuilder("property: ").append(property).append("\nsample_values:");
        for (String v : found) {
            out.append("\n- ").append(v.replace('\n', ' '));
        }
        return out.toString();
    }

    private static String yaml(Map<String, List<String[]>> byType) {
        StringBuilder out = new StringBuilder("properties:");
        byType.forEach((type, props) -> {
            out.append("\n  ").append(type).append(':');
            for (String[] p : props) {
                out.append("\n    - name: ").append(p[0]);
                if (p[1] != null && !p[1].isBlank()) {
                    out.append("\n      description: ").append(p[1].replace('\n', ' '));
                }
            }
        });
        return out.toString();
    }

    /** The entity named (person or session, also in the plural the CLI accepts), or null. */
    private static String entity(String entity) {
        String e = entity.toLowerCase(java.util.Locale.ROOT);
        return switch (e) {
            case "person", "persons" -> "person";
            case "session", "sessions" -> "session";
            default -> null;
        };
    }

    /**
     * A group type of the project named as the entity (PostHog's taxonomy lists its group types beside person and
     * session): its properties from the group property definitions (type 3 of its index), or the most common values
     * of {@code property} among its groups; another name is PostHog's {@code entity_not_found} text, listing the
     * project's entities.
     */
    private Uni<String> groupEntity(Team team, String entity, String property) {
        return groups.types(team.id()).flatMap(types -> {
            for (dev.quarry.groups.Groups.GroupType type : types) {
                if (type.groupType().equals(entity)) {
                    return property == null ? groupProperties(team, entity, type.groupTypeIndex())
                            : groupPropertyValues(team, entity, type.groupTypeIndex(), property);
                }
            }
            StringBuilder names = new StringBuilder("person, session");
            types.forEach(t -> names.append(", ").append(t.groupType()));
            return Uni.createFrom().item("Entity " + entity + " not found. Available entities: " + names);
        });
    }

    private Uni<String> groupProperties(Team team, String entity, int index) {
        return definitions.properties(team.id(), dev.quarry.capture.DefinitionsRecorder.GROUP, index, null, null, null,
                1000, 0).map(page -> byType(entity, page));
    }

    private Uni<String> groupPropertyValues(Team team, String entity, int index, String property) {
        Map<String, Object> values = Map.of("tx_field", Expr.Field.of("properties", property), "tx_index", (long) index);
        // the group types were read on the event loop: the HogQL compiles back in the project's lane
        return lanes.run(team.id(), () -> rows(team, "SELECT toString({tx_field}) AS v, count() AS c FROM groups "
                        + "WHERE index = {tx_index} AND {tx_field} IS NOT NULL GROUP BY v ORDER BY c DESC, v LIMIT "
                        + SAMPLE_VALUES, values))
                .map(rows -> valuesText(rows, property, "the entity `" + entity + "`"));
    }

    private static String text(JsonNode query, String field) {
        JsonNode v = query.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new ValidationException(field + ": Field required", field);
        }
        return v.asText();
    }

    private static int bounded(JsonNode query, String field, int fallback, int min, int max) {
        JsonNode v = query.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw new ValidationException(field + " must be an integer from " + min + " to " + max, field);
        }
        return v.asInt();
    }

    /** The rows of one HogQL statement (constant template text, values as placeholders), run from the lane. */
    private Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> rows(Team team, String template, Map<String, Object> values) {
        InsightSql sql = new InsightSql(new QueryContext(team, mapper, clock.instant()), "ReadTaxonomy");
        return plans.execute(team, sql.run(template, values));
    }
}
