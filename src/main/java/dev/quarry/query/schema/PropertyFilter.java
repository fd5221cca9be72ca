package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One of PostHog's property filters ({@code AnyPropertyFilter}) or a {@link PropertyGroupFilter} of them. A JSON
 * value becomes one here, once: an object is read by its {@code type} ({@code event} when absent, as PostHog's
 * {@code EventPropertyFilter} defaults it; {@code AND}/{@code OR} with {@code values} is a group), a list is an AND
 * group of its items (the list-or-group form a query's {@code properties} takes), and an empty object is PostHog's
 * {@code EmptyPropertyFilter} (matches everything). Each record declares its PostHog model's fields and no other, so
 * that an unknown field is a 400 naming it ({@link QuerySchema}); a filter without {@code key} and an unknown
 * {@code type} are 400s too. Operators and values are checked when the filter is turned into HogQL
 * ({@code hogql.PropertyFilters}), which also refuses the types Quarry has no data for (element, session, group …).
 *
 * <p>{@code value} stays a JSON value: PostHog allows a string, number or boolean, or a list of them.
 */
@JsonDeserialize(using = PropertyFilter.Reader.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface PropertyFilter permits PropertyGroupFilter, PropertyFilter.Keyed, PropertyFilter.Empty {

    /**
     * @param node a filter, a group, a list of them, or null/missing (null back)
     * @param where the field's name for messages, e.g. "TrendsQuery.properties"
     * @throws ValidationException 400 naming the unknown or malformed field
     */
    static PropertyFilter parse(JsonNode node, String where) {
        return QuerySchema.parseValue(node, PropertyFilter.class, where);
    }

    /**
     * PostHog's legacy {@code Property} dicts (a persons list's {@code properties} parameter, a project's
     * {@code test_account_filters}, a cohort's stored filters): the same filters, but PostHog's legacy model takes
     * and ignores fields the query schema forbids ({@code negation}, {@code bytecode}, {@code conditionHash} …). Only
     * a filter's {@link #LEGACY_FIELDS} are read, then {@link #parse} applies.
     */
    static PropertyFilter parseLegacy(JsonNode node, String where) {
        return parse(legacyFields(node), where);
    }

    /**
     * A list endpoint's {@code properties} query parameter (the persons and events lists): JSON text of legacy
     * property dicts, a list or a group, read by {@link #parseLegacy}; null when absent or blank.
     *
     * @throws ValidationException 400 naming {@code properties}: PostHog's "Properties are unparsable!" for text
     *     that is not a JSON list or object, the filter's own message for one that does not read
     */
    static PropertyFilter parseLegacyParameter(String json, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        if (json == null || json.isBlank()) {
            return null;
        }
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !(node.isArray() || node.isObject())) {
            throw new ValidationException("Properties are unparsable!", "properties");
        }
        try {
            return parseLegacy(node, "properties");
        } catch (ValidationException e) {
            throw new ValidationException(e.getMessage(), "properties");
        }
    }

    /** The fields of a legacy property dict that the records read ({@code values} for a group). */
    Set<String> LEGACY_FIELDS = Set.of("key", "value", "operator", "type", "label", "group_type_index",
            "cohort_name", "values");

    private static JsonNode legacyFields(JsonNode node) {
        if (node == null || !node.isContainerNode()) {
            return node;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(item -> out.add(legacyFields(item)));
            return out;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        node.fields().forEachRemaining(field -> {
            if (LEGACY_FIELDS.contains(field.getKey())) {
                out.set(field.getKey(), field.getKey().equals("values") ? legacyFields(field.getValue())
                        : field.getValue());
            }
        });
        return out;
    }

    /** A filter on one key: every PostHog property filter type but the group, the empty one and the cohort's id. */
    sealed interface Keyed extends PropertyFilter permits Event, Person, Element, Session, Cohort, HogQL,
            GroupProperty, Feature, Flag, DataWarehouse, DataWarehousePerson, EventMetadata, Recording, LogEntry,
            ErrorTrackingIssue, Log, RevenueAnalytics {
        /** The property (for {@code hogql}: the expression; for {@code cohort}: {@code id}). */
        String key();

        /** PostHog's operator name ({@code exact}, {@code icontains}, {@code is_set} …), null for the default. */
        String operator();

        /** A string, number or boolean, a list of them, or null. */
        JsonNode value();

        /** The PostHog {@code type} this record is. */
        String type();
    }

    /** PostHog's {@code EventPropertyFilter}: a property of the event ({@code operator} defaults to exact). */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Event(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Event {
            type = "event";
            requireKey(key);
        }
    }

    /** PostHog's {@code PersonPropertyFilter}: a property of the event's person (or of the person itself). */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Person(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Person {
            type = "person";
            requireKey(key);
        }
    }

    /** PostHog's {@code ElementPropertyFilter}: {@code tag_name}, {@code text}, {@code href} or {@code selector}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Element(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Element {
            type = "element";
            requireKey(key);
        }
    }

    /** PostHog's {@code SessionPropertyFilter}: a property of the event's session ({@code $session_duration} …). */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Session(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Session {
            type = "session";
            requireKey(key);
        }
    }

    /**
     * PostHog's {@code CohortPropertyFilter}: {@code value} is the cohort's id, {@code key} is always {@code id},
     * {@code operator} {@code in} (default) or {@code not_in}; {@code cohort_name} is the client's label.
     */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Cohort(String key, String label, String operator, String type, JsonNode value,
                  @JsonProperty("cohort_name") String cohortName) implements Keyed {
        public Cohort {
            type = "cohort";
            if (key == null) {
                key = "id";
            }
            // pydantic's int: a whole number, or text holding one
            boolean id = value != null && (value.isIntegralNumber() ? value.canConvertToLong()
                    : value.isTextual() && value.asText().matches("-?\\d{1,18}"));
            if (!id) {
                throw new ValidationException("Cohort filter \"value\" must be a cohort id", "value");
            }
        }

        /** The cohort's id. */
        public long cohortId() {
            return value.isTextual() ? Long.parseLong(value.asText()) : value.asLong();
        }
    }

    /** PostHog's {@code HogQLPropertyFilter}: {@code key} is a boolean HogQL expression. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record HogQL(String key, String label, String type, JsonNode value) implements Keyed {
        public HogQL {
            type = "hogql";
            requireKey(key);
        }

        @Override
        public String operator() {
            return null;
        }
    }

    /** PostHog's {@code GroupPropertyFilter}: a property of the event's group of {@code group_type_index}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record GroupProperty(String key, String label, String operator, String type, JsonNode value,
                         @JsonProperty("group_type_index") Integer groupTypeIndex) implements Keyed {
        public GroupProperty {
            type = "group";
            requireKey(key);
        }
    }

    /** PostHog's {@code FeaturePropertyFilter}: the event property {@code $feature/<key>}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Feature(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Feature {
            type = "feature";
            requireKey(key);
        }
    }

    /** PostHog's {@code FlagPropertyFilter}: a flag's evaluation ({@code flag_evaluates_to}). */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Flag(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Flag {
            type = "flag";
            requireKey(key);
        }
    }

    /** PostHog's {@code DataWarehousePropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record DataWarehouse(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public DataWarehouse {
            type = "data_warehouse";
            requireKey(key);
        }
    }

    /** PostHog's {@code DataWarehousePersonPropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record DataWarehousePerson(String key, String label, String operator, String type, JsonNode value)
            implements Keyed {
        public DataWarehousePerson {
            type = "data_warehouse_person_property";
            requireKey(key);
        }
    }

    /** PostHog's {@code EventMetadataPropertyFilter}: a column of the event ({@code distinct_id} …). */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record EventMetadata(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public EventMetadata {
            type = "event_metadata";
            requireKey(key);
        }
    }

    /** PostHog's {@code RecordingPropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Recording(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Recording {
            type = "recording";
            requireKey(key);
        }
    }

    /** PostHog's {@code LogEntryPropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record LogEntry(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public LogEntry {
            type = "log_entry";
            requireKey(key);
        }
    }

    /** PostHog's {@code ErrorTrackingIssueFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record ErrorTrackingIssue(String key, String label, String operator, String type, JsonNode value)
            implements Keyed {
        public ErrorTrackingIssue {
            type = "error_tracking_issue";
            requireKey(key);
        }
    }

    /** PostHog's {@code LogPropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Log(String key, String label, String operator, String type, JsonNode value) implements Keyed {
        public Log {
            type = "log";
            requireKey(key);
        }
    }

    /** PostHog's {@code RevenueAnalyticsPropertyFilter}. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record RevenueAnalytics(String key, String label, String operator, String type, JsonNode value)
            implements Keyed {
        public RevenueAnalytics {
            type = "revenue_analytics";
            requireKey(key);
        }
    }

    /** PostHog's {@code EmptyPropertyFilter} ({@code {}}): no condition. */
    @RegisterForReflection
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Empty() implements PropertyFilter {
    }

    /** PostHog's filter type names → their records; {@code AND}/{@code OR} are {@link PropertyGroupFilter}. */
    Map<String, Class<? extends PropertyFilter>> TYPES = Map.ofEntries(
            Map.entry("event", Event.class), Map.entry("person", Person.class), Map.entry("element", Element.class),
            Map.entry("session", Session.class), Map.entry("cohort", Cohort.class), Map.entry("hogql", HogQL.class),
            Map.entry("group", GroupProperty.class), Map.entry("feature", Feature.class), Map.entry("flag", Flag.class),
            Map.entry("data_warehouse", DataWarehouse.class),
            Map.entry("data_warehouse_person_property", DataWarehousePerson.class),
            Map.entry("event_metadata", EventMetadata.class), Map.entry("recording", Recording.class),
            Map.entry("log_entry", LogEntry.class), Map.entry("error_tracking_issue", ErrorTrackingIssue.class),
            Map.entry("log", Log.class), Map.entry("revenue_analytics", RevenueAnalytics.class));

    private static void requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new ValidationException("Property filter is missing \"key\"", "key");
        }
    }

    /** Reads a filter, group or list by the rules in the type's doc (Jackson creates it reflectively). */
    @RegisterForReflection
    final class Reader extends StdDeserializer<PropertyFilter> {
        public Reader() {
            super(PropertyFilter.class);
        }

        /** JSON levels a filter tree may span (a group is two: its object and its values); PostHog's UI uses four. */
        static final int MAX_JSON_DEPTH = 64;

        @Override
        public PropertyFilter deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode tree = p.readValueAsTree();
            if (deeperThan(tree, MAX_JSON_DEPTH)) {
                throw new ValidationException("Property filters are nested more than " + MAX_JSON_DEPTH / 2
                        + " groups deep", "properties");
            }
            return read(tree, ctxt);
        }

        /** Whether {@code node} has containers nested past {@code limit} levels (without recursion). */
        static boolean deeperThan(JsonNode node, int limit) {
            java.util.ArrayDeque<java.util.Map.Entry<JsonNode, Integer>> todo = new java.util.ArrayDeque<>();
            todo.push(java.util.Map.entry(node, 1));
            while (!todo.isEmpty()) {
                var next = todo.pop();
                if (!next.getKey().isContainerNode()) {
                    continue;
                }
                if (next.getValue() > limit) {
                    return true;
                }
                for (JsonNode child : next.getKey()) {
                    todo.push(java.util.Map.entry(child, next.getValue() + 1));
                }
            }
            return false;
        }

        @Override
        public PropertyFilter getNullValue(DeserializationContext ctxt) {
            return null;
        }

        private static PropertyFilter read(JsonNode node, DeserializationContext ctxt) throws IOException {
            if (node == null || node.isNull() || node.isMissingNode()) {
                return null;
            }
            if (node.isArray()) {
                List<PropertyFilter> values = new ArrayList<>(node.size());
                for (JsonNode item : node) {
                    PropertyFilter f = read(item, ctxt);
                    if (f != null) {
                        values.add(f);
                    }
                }
                return new PropertyGroupFilter(PropertyGroupFilter.AND, values);
            }
            if (!node.isObject()) {
                throw new ValidationException("A property filter must be an object or a list, got "
                        + node.getNodeType(), "properties");
            }
            if (node.isEmpty()) {
                return new Empty();
            }
            JsonNode typeNode = node.get("type");
            String type = typeNode == null || typeNode.isNull() ? "event" : typeNode.asText();
            if (type.equals(PropertyGroupFilter.AND) || type.equals(PropertyGroupFilter.OR)) {
                return ctxt.readTreeAsValue(node, PropertyGroupFilter.class);
            }
            Class<? extends PropertyFilter> cls = TYPES.get(type);
            if (cls == null || !(typeNode == null || typeNode.isTextual() || typeNode.isNull())) {
                throw new ValidationException("Unsupported property filter type \"" + type + "\"", "type");
            }
            return ctxt.readTreeAsValue(node, cls);
        }
    }
}
