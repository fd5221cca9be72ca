package dev.quarry.hogql;

import dev.quarry.hogql.Schema.FieldDef;
import dev.quarry.hogql.Schema.Kind;
import dev.quarry.hogql.Schema.TableDef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HogQL's {@code sessions} table, as PostHog's sessions table (v2) exposes it: one row per {@code $session_id} of the
 * team's events, read from the view {@code hogql_sessions} (migration V85_1, which states each column's meaning).
 * The printer's team guard applies to it as to every table. Sessions are keyed by the id as a UUIDv7 (V93_1: one
 * session for "0190A…", "0190a…" and the 32-digit form without hyphens, as ClickHouse's UUID parsing;
 * {@code session_id} answers the lower-case canonical text, as PostHog's
 * {@code toString(reinterpretAsUUID(session_id_v7))}). A read is pruned by the outer query's time range as PostHog
 * prunes its raw sessions ({@link SessionRanges}); {@code $channel_type} follows PostHog's default channel rules
 * (V89_1). Columns PostHog has that Quarry does not compute ({@code $urls}, {@code $vitals_lcp}, the rarer ad ids …)
 * are unknown fields here (a 400).
 */
public final class SessionsTable {
    /** The HogQL name. */
    public static final String NAME = "sessions";

    /**
     * A session property as PostHog's {@code sessions/property_definitions} lists it: {@code propertyType} is
     * PostHog's property type (Numeric, String, DateTime, Boolean, Duration).
     */
    public record Property(String name, String propertyType) {
        /** Whether PostHog marks it numerical (integer and float columns). */
        public boolean numerical() {
            return propertyType.equals("Numeric") || propertyType.equals("Duration");
        }
    }

    private static final String TEXT = "Nullable(String)";

    /** All fields in PostHog's order (LAZY_SESSIONS_FIELDS), the ones Quarry computes. */
    private static final List<FieldDef> FIELDS = List.of(
            new FieldDef("id", "id", "String", Kind.COLUMN),
            new FieldDef("session_id", "session_id", "String", Kind.COLUMN),
            new FieldDef("distinct_id", "distinct_id", "String", Kind.COLUMN),
            new FieldDef("$start_timestamp", "$start_timestamp", Schema.DATETIME, Kind.COLUMN),
            new FieldDef("$end_timestamp", "$end_timestamp", Schema.DATETIME, Kind.COLUMN),
            new FieldDef("$num_uniq_urls", "$num_uniq_urls", "Int64", Kind.COLUMN),
            text("$entry_current_url"), text("$entry_pathname"), text("$entry_hostname"),
            text("$end_current_url"), text("$end_pathname"), text("$end_hostname"),
            text("$entry_referring_domain"), text("$entry_referrer"),
            text("$entry_utm_source"), text("$entry_utm_campaign"), text("$entry_utm_medium"),
            text("$entry_utm_term"), text("$entry_utm_content"),
            text("$entry_gclid"), text("$entry_gad_source"), text("$entry_fbclid"), text("$entry_msclkid"),
            new FieldDef("$pageview_count", "$pageview_count", "Int64", Kind.COLUMN),
            new FieldDef("$autocapture_count", "$autocapture_count", "Int64", Kind.COLUMN),
            new FieldDef("$screen_count", "$screen_count", "Int64", Kind.COLUMN),
            text("$channel_type"),
            new FieldDef("$session_duration", "$session_duration", "Int64", Kind.COLUMN),
            new FieldDef("duration", "duration", "Int64", Kind.COLUMN),
            new FieldDef("$is_bounce", "$is_bounce", "Nullable(Bool)", Kind.COLUMN),
            text("$exit_current_url"), text("$exit_pathname"),
            // the key events join on (their stored session_key, V97_1); no identifier, so HogQL text cannot name it
            new FieldDef(Schema.SESSION_KEY, "session_key", "UUID", Kind.COLUMN));

    /** Left out of {@code *}, as PostHog's avoid_asterisk_fields. */
    private static final List<String> NOT_IN_ASTERISK = List.of("id", "duration", "$exit_current_url", "$exit_pathname",
            Schema.SESSION_KEY);

    /** Not listed as properties, as PostHog's hidden fields. */
    private static final List<String> HIDDEN = List.of("id", "session_id", "distinct_id", "duration", "$num_uniq_urls",
            "$exit_current_url", "$exit_pathname", Schema.SESSION_KEY);

    /** The table definition registered in {@link Schema}. */
    static final TableDef DEF;

    static {
        Map<String, FieldDef> fields = new LinkedHashMap<>();
        FIELDS.forEach(f -> fields.put(f.name(), f));
        DEF = new TableDef(NAME, "hogql_sessions", Map.copyOf(fields),
                FIELDS.stream().map(FieldDef::name).filter(n -> !NOT_IN_ASTERISK.contains(n)).toList(), null);
    }

    private SessionsTable() {}

    private static FieldDef text(String name) {
        return new FieldDef(name, name, TEXT, Kind.COLUMN);
    }

    /** Whether {@code name} is a session property a filter can use (any field of the table). */
    public static boolean isField(String name) {
        return DEF.field(name) != null && !name.equals(Schema.SESSION_KEY);
    }

    /**
     * The session properties PostHog lists (hidden fields left out), in its order; {@code search}: words that must
     * all be in the name (case-insensitive), as PostHog's search; null or blank for all.
     */
    public static List<Property> properties(String search) {
        List<String> words = search == null ? List.of()
                : java.util.Arrays.stream(search.toLowerCase(java.util.Locale.ROOT).split("\\W+"))
                        .filter(w -> !w.isEmpty()).toList();
        return FIELDS.stream()
                .filter(f -> !HIDDEN.contains(f.name()))
                .filter(f -> words.stream().allMatch(w -> f.name().toLowerCase(java.util.Locale.ROOT).contains(w)))
                .map(f -> new Property(f.name(), propertyType(f)))
                .toList();
    }

    /** Operators true for a missing value: an event without a session passes them, as PostHog's LEFT JOIN does. */
    /** Operators that compare a property as a number (PropertyFilters: {@code toFloat} of the value). */
    private static final java.util.Set<String> NUMERIC = java.util.Set.of("gt", "gte", "min", "lt", "lte", "max",
            "between", "not_between");

    private static final java.util.Set<String> TRUE_ON_NULL = java.util.Set.of("is_not", "not_in", "not_icontains",
            "not_regex", "is_not_set");

    /**
     * A {@code session} property filter on events, as PostHog's (the event's {@code session.<key>} through its
     * {@code $session_id}): {@code properties.$session_id IN (SELECT session_id FROM sessions WHERE <op on key>)},
     * and, for operators a missing value passes (is_not, not_in, not_icontains, not_regex, is_not_set), also events
     * without a session. String operators read the column as text; {@code $is_bounce} as PostHog lists its values,
     * "1" / "0" (true / false accepted too).
     *
     * @throws PropertyFilters.InvalidFilterException an unknown session property, or a value the operator cannot use
     */
    static Expr filter(String key, String operator, com.fasterxml.jackson.databind.JsonNode value) {
        FieldDef f = DEF.field(key);
        if (f == null || key.equals(Schema.SESSION_KEY)) {
            throw new PropertyFilters.InvalidFilterException("Unknown session property \"" + key + "\"");
        }
        Expr column = Expr.Field.of(key);
        String base = HogQLTypes.base(f.type());
        if (base.equals("Bool")) {
            column = Expr.Call.of("if", new Expr.IsNull(column, false), new Expr.Constant(null),
                    Expr.Call.of("if", column, new Expr.Constant("1"), new Expr.Constant("0")));
            value = boolValues(value);
        } else if (base.equals("Int64") && !NUMERIC.contains(operator.toLowerCase(java.util.Locale.ROOT))) {
            // as PostHog compares a filter's string values; the numeric operators read the number as a float, the
            // same value the text would give (both round to the nearest double), without text once a session
            column = Expr.Call.of("toString", column);
        }
        Expr cond = PropertyFilters.operator(column, operator, value);
        // the event's stored session key against the sessions' own (V97_1: uuids, NULL when the event has none; a
        // sessions row's key is never NULL, so NOT IN has no NULL on its right side)
        Expr sessionId = Expr.Field.of(Schema.SESSION_KEY);
        Expr sessionKey = Expr.Field.of(Schema.SESSION_KEY);
        if (!TRUE_ON_NULL.contains(operator.toLowerCase(java.util.Locale.ROOT))) {
            return new Expr.Compare("in", sessionId, SelectQuery.of(List.of(sessionKey), NAME, cond));
        }
        // these operators never answer NULL, so "no session fails it" is "passes" for any event without one
        return new Expr.Or(List.of(new Expr.IsNull(sessionId, false), new Expr.Compare("not in", sessionId,
                SelectQuery.of(List.of(sessionKey), NAME, new Expr.Not(cond)))));
    }

    private static com.fasterxml.jackson.databind.JsonNode boolValues(com.fasterxml.jackson.databind.JsonNode value) {
        if (value == null || value.isNull()) {
            return value;
        }
        var nodes = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        if (value.isArray()) {
            var out = nodes.arrayNode();
            value.forEach(v -> out.add(boolValues(v)));
            return out;
        }
        String t = value.asText();
        return value.isValueNode() && (t.equals("true") || t.equals("false"))
                ? nodes.textNode(t.equals("true") ? "1" : "0") : value;
    }

    private static String propertyType(FieldDef f) {
        if (f.name().equals("$session_duration")) {
            return "Duration";
        }
        String base = HogQLTypes.base(f.type());
        if (base.equals("Int64")) {
            return "Numeric";
        }
        if (base.equals(Schema.DATETIME)) {
            return "DateTime";
        }
        return base.equals("Bool") ? "Boolean" : "String";
    }
}
