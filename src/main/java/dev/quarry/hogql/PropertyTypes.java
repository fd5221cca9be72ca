package dev.quarry.hogql;

import dev.quarry.hogql.Schema.FieldDef;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The team's property definitions' types for the properties a query reads, and how a property access is read by
 * them — PostHog's {@code PropertySwapper} ({@code posthog/hogql/transforms/property_types.py}), which swaps each
 * {@code properties.x} of events ({@code properties.x}, {@code events.properties.x}) and persons
 * ({@code person.properties.x}, {@code events.person.properties.x}, {@code persons.properties.x}) for a typed read
 * when the team's definition of {@code x} (event definitions for events, person definitions for persons) has a
 * {@code property_type}:
 * <ul>
 * <li>{@code Numeric}: {@code toFloat(x)} — ClickHouse's {@code accurateCastOrNull(x, 'Float64')}: the property's text
 * (a JSON number or a numeric string alike) as Float64, NULL for text that is not a number (or a JSON
 * {@code true}); labelled {@code Nullable(Float64)};</li>
 * <li>{@code Boolean}: {@code toBool(transform(toString(x), ['true', 'false'], [1, 0], NULL))} — the text
 * {@code true} (a JSON true or the string "true") is true, {@code false} false, anything else NULL; labelled
 * {@code Nullable(Bool)};</li>
 * <li>{@code DateTime}: {@code toDateTime(x)} — the text parsed best-effort in the project's time zone (NULL when it
 * is not a time); labelled {@code Nullable(DateTime64(6, 'UTC'))} as HogQL's {@code toDateTime} of a string;</li>
 * <li>{@code String} or no type: the text, unchanged ({@code Nullable(String)}).</li>
 * </ul>
 * Only a single key after {@code properties} is typed (as PostHog: a chain of one; {@code properties['x']} as
 * {@code properties.x}); a nested path stays text, and so do PostHog's AI id properties ({@link #AI_STRING_IDS}). As
 * PostHog, a property passed straight to {@code toFloatOrZero}, {@code toIntOrZero} or {@code toFloatOrDefault} is
 * left as its text (those parse a string). Group properties are typed through the events' lazy group joins
 * ({@code events.group_0.properties.x … group_4}) by the group property definitions of that group type index, as
 * PostHog's {@code PropertyFinder} collects them (keyed {@code "<index>_<name>"}); the {@code groups} table read
 * directly is not (PostHog types it only under a {@code group_id} global, which HogQL queries do not set), and
 * neither are sessions (PostHog does not swap session properties).
 *
 * @param event event property name → its definition's property_type ({@code Numeric}, {@code Boolean},
 *     {@code DateTime}; {@code String} and untyped definitions are left out)
 * @param person person property name → its definition's property_type
 * @param group {@code "<group_type_index>_<name>"} → its group property definition's property_type
 */
public record PropertyTypes(Map<String, String> event, Map<String, String> person, Map<String, String> group) {

    /** No definitions looked up: every property is read as text (what a compile without a database does). */
    public static final PropertyTypes NONE = new PropertyTypes(Map.of(), Map.of(), Map.of());

    /** Calls whose argument is parsed as a string: a property passed straight to them stays text (PostHog). */
    static final Set<String> STRING_INPUT = Set.of("tofloatorzero", "tointorzero", "tofloatordefault");

    public PropertyTypes {
        event = event == null ? Map.of() : Map.copyOf(event);
        person = person == null ? Map.of() : Map.copyOf(person);
        group = group == null ? Map.of() : Map.copyOf(group);
    }

    /** Whether a definition's {@code property_type} changes how the property is read (String does not). */
    public static boolean typed(String propertyType) {
        return "Numeric".equals(propertyType) || "Boolean".equals(propertyType) || "DateTime".equals(propertyType);
    }

    /**
     * The property names a query may read as {@code <...>.properties.<name>} (a field chain ending with
     * {@code properties} and one key), for the caller to look their definitions up once: a superset (the same names
     * are asked for events and persons), bounded by the query's size. Placeholders are expanded first; a query that
     * does not expand gives none (compiling it reports why).
     */
    public static Set<String> names(SelectLike query, CompileSettings settings) {
        Set<String> names = new LinkedHashSet<>();
        SelectLike q;
        try {
            q = Placeholders.replace(query, settings.values(), settings.filters());
        } catch (HogQLException e) {
            return names;
        }
        Placeholders.Transformer.transform(q, e -> {
            if (e instanceof Expr.Field f && f.chain().size() >= 2
                    && f.chain().get(f.chain().size() - 2).equals("properties")) {
                names.add(f.chain().get(f.chain().size() - 1));
            } else if (e instanceof Expr.ArrayAccess a && a.array() instanceof Expr.Field f
                    && f.chain().get(f.chain().size() - 1).equals("properties")
                    && a.index() instanceof Expr.Constant k && k.value() instanceof String key) {
                names.add(key);
            }
            return e;
        });
        return names;
    }

    /**
     * PostHog's AI observability id properties, always text whatever their definition says (a trace id that looks like
     * a time must not become one: {@code _AI_STRING_ID_PROPERTIES} in property_types.py).
     */
    static final Set<String> AI_STRING_IDS = Set.of("$ai_trace_id", "$ai_session_id", "$ai_parent_id", "$ai_span_id",
            "$ai_generation_id", "$ai_experiment_id");

    /** The definition type a table field read with {@code path} has ({@code Numeric}…), or null to read it as text. */
    String of(FieldDef field, List<String> path) {
        if (path.size() != 1 || AI_STRING_IDS.contains(path.get(0))) {
            return null;
        }
        Map<String, String> types = Schema.isEventProperties(field) ? event
                : Schema.isPersonProperties(field) ? person : null;
        return types == null ? null : types.get(path.get(0));
    }

    /**
     * The definition type of a group's property read through the events' lazy join {@code group_<index>}, or null
     * to read it as text.
     */
    String ofGroup(int index, FieldDef field, List<String> path) {
        if (path.size() != 1 || !Schema.isGroupProperties(field) || AI_STRING_IDS.contains(path.get(0))) {
            return null;
        }
        return group.get(index + "_" + path.get(0));
    }

    /** The HogQL type of a property read by its definition {@code propertyType} (never null: see the class comment). */
    static String type(String propertyType) {
        return switch (propertyType) {
            case "Numeric" -> "Nullable(Float64)";
            case "Boolean" -> "Nullable(" + HogQLTypes.CLICKHOUSE_BOOL + ")";
            case "DateTime" -> HogQLTypes.asDateTime(HogQLTypes.JSON_PATH);
            default -> HogQLTypes.JSON_PATH;
        };
    }

    /**
     * Sets the types a resolved query reads its properties by ({@code Resolution.propertyType}), keeping as text a
     * property passed straight to a call that parses a string ({@link #STRING_INPUT}).
     */
    static void apply(Expr query, Resolver.Resolution res, PropertyTypes types) {
        res.propertyTypes = types;
        if (types.event.isEmpty() && types.person.isEmpty() && types.group.isEmpty()) {
            return;
        }
        Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && STRING_INPUT.contains(c.name().toLowerCase(java.util.Locale.ROOT))
                    && !c.args().isEmpty()) {
                Expr arg = c.args().get(0) instanceof Expr.Alias a ? a.expr() : c.args().get(0);
                if (arg instanceof Expr.Field f && res.refs.containsKey(f)) {
                    res.textProperties.add(res.refs.get(f));
                }
            }
            return e;
        });
    }

    /** The SQL of a field: {@code text} as is, or read by its definition type when {@code propertyType} is set. */
    static String sql(PostgresPrinter p, String propertyType, String text) {
        return propertyType == null ? text : print(p, text, propertyType);
    }

    /** The SQL of a property read by its definition, from {@code text}, the SQL of its text. */
    static String print(PostgresPrinter p, String text, String propertyType) {
        return switch (propertyType) {
            case "Numeric" -> "hogql_to_float(" + text + ")";
            case "Boolean" -> "(CASE " + text + " WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)";
            case "DateTime" -> Dates.toDateTime(p, new PostgresPrinter.Frag(text, HogQLTypes.JSON_PATH)).sql();
            default -> text;
        };
    }
}
