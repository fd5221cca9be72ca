package dev.quarry.hogql;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tables HogQL can read, their fields and types, and how they map to PostgreSQL. */
public final class Schema {

    /** How a field is read. */
    public enum Kind {
        /** A plain column. */
        COLUMN,
        /** A jsonb column; a chain after it is a property path. */
        JSON,
        /** events.person_id: coalesce(override, person_id) through person_overrides. */
        PERSON_ID,
        /** A lazy join to persons on this table's person id. */
        PERSON_JOIN,
        /** query_log.event_date = event_time::date. */
        DATE_OF,
        /** events.session: a lazy join to the sessions table ({@link SessionsTable}) on the event's $session_id. */
        SESSION_JOIN,
        /**
         * events.group_N: a lazy join to the groups table on the event's {@code $group_N} with index N (PostHog's
         * {@code events.group_0 … group_4}); {@code column} holds N.
         */
        GROUP_JOIN,
        /** An expression over the table's row: {@code column} is SQL written here, {@code {t}} the table's alias. */
        SQL
    }

    /** column: the PostgreSQL column (already safe: written here, never from user text). */
    public record FieldDef(String name, String column, String type, Kind kind) {}

    /** asterisk: the fields {@code *} expands to, in order. */
    public record TableDef(String name, String pgTable, Map<String, FieldDef> fields, List<String> asterisk,
            String personIdColumn) {
        public FieldDef field(String n) {
            return fields.get(n);
        }
    }

    public static final String DATETIME = "DateTime64(6, 'UTC')";

    /** events' person id as stored, before merges (see the events table below). */
    public static final String STORED_PERSON_ID = "#stored_person_id";

    /**
     * events' session key as the sessions table keys it: the stored column {@code events.session_key} (V97_1: the
     * $session_id's UUID, any spelling PostHog reads; NULL for other text or none), and the sessions table's own
     * key of the same name (a uuid). For the session filters and joins built in Java: compared uuid to uuid, with no
     * text made per event. Not in *; its name is no identifier, so HogQL text cannot name it.
     */
    public static final String SESSION_KEY = "#session_key";

    /** The merged-persons table (old person id, the person it was merged into). */
    public static final String PERSON_OVERRIDES = "#person_overrides";
    /** The persons table's stored length of its properties as text (V125_60): built into ASTs only, as above. */
    public static final String PROPERTIES_BYTES = "#properties_bytes";

    private static final Map<String, TableDef> TABLES = new LinkedHashMap<>();

    private static void table(String name, String pg, String personIdColumn, List<String> asterisk, FieldDef... defs) {
        Map<String, FieldDef> m = new LinkedHashMap<>();
        for (FieldDef d : defs) {
            m.put(d.name(), d);
        }
        TABLES.put(name, new TableDef(name, pg, Map.copyOf(m), asterisk, personIdColumn));
    }

    /**
     * Event properties kept as stored generated columns (migration V18_1: {@code properties ->> name}), read by the
     * printer instead of the JSON path, as PostHog reads its materialised columns. Keys: property names.
     */
    public static final Map<String, String> HOT_EVENT_PROPERTIES = Map.ofEntries(
            Map.entry("$browser", "mat_browser"), Map.entry("$os", "mat_os"),
            Map.entry("$device_type", "mat_device_type"), Map.entry("$current_url", "mat_current_url"),
            Map.entry("$pathname", "mat_pathname"), Map.entry("$host", "mat_host"),
            Map.entry("$referring_domain", "mat_referring_domain"), Map.entry("utm_source", "mat_utm_source"),
            Map.entry("utm_medium", "mat_utm_medium"), Map.entry("utm_campaign", "mat_utm_campaign"),
            Map.entry("utm_content", "mat_utm_content"), Map.entry("utm_term", "mat_utm_term"));

    private static final FieldDef EVENT_PROPERTIES = new FieldDef("properties", "properties", "JSON", Kind.JSON);
    private static final FieldDef PERSON_PROPERTIES = new FieldDef("properties", "properties", "JSON", Kind.JSON);

    /** Whether {@code field} is the events' {@code properties} (typed by event property definitions). */
    static boolean isEventProperties(FieldDef field) {
        return field == EVENT_PROPERTIES;
    }

    /** Whether {@code field} is the groups' {@code properties} (typed by group property definitions through group_N). */
    static boolean isGroupProperties(FieldDef field) {
        return field.kind() == Kind.JSON && field.column().equals("group_properties");
    }

    /** Whether {@code field} is the persons' {@code properties} (typed by person property definitions). */
    static boolean isPersonProperties(FieldDef field) {
        return field == PERSON_PROPERTIES;
    }

    /**
     * The column holding {@code field.path} as text when it is a hot event property ({@link #HOT_EVENT_PROPERTIES}),
     * else null (read the JSON path).
     */
    public static String hotColumn(FieldDef field, List<String> path) {
        return field == EVENT_PROPERTIES && path.size() == 1 ? HOT_EVENT_PROPERTIES.get(path.get(0)) : null;
    }

    /**
     * The type of a field read with a property path after it ({@code properties.$browser}, {@code person.properties.a.b}):
     * a path into JSON, or a hot property column, is text ({@link HogQLTypes#JSON_PATH}); {@code query_log.event_date}
     * is a Date; otherwise the field's own type.
     */
    public static String fieldType(FieldDef field, List<String> path) {
        if (field.kind() == Kind.DATE_OF) {
            return "Date";
        }
        if (hotColumn(field, path) != null || (field.kind() == Kind.JSON && !path.isEmpty())) {
            return HogQLTypes.JSON_PATH;
        }
        return field.type();
    }

    private static FieldDef col(String name, String type) {
        return new FieldDef(name, name, type, Kind.COLUMN);
    }

    static {
        table("events", "events", "person_id",
                List.of("uuid", "event", "properties", "timestamp", "distinct_id", "elements_chain", "created_at"),
                col("uuid", "UUID"),
                col("event", "String"),
                col("distinct_id", "String"),
                EVENT_PROPERTIES,
                col("timestamp", DATETIME),
                col("created_at", DATETIME),
                new FieldDef("person_id", "person_id", "UUID", Kind.PERSON_ID),
                new FieldDef("person", null, "Person", Kind.PERSON_JOIN),
                new FieldDef("session", null, "Session", Kind.SESSION_JOIN),
                // The person id as stored on the event, before merges (no person_overrides join): for statements
                // built in Java that read a person's events in the (team, person, time) index's order and handle
                // merged persons apart (funnels). Not in *; its name is no identifier, so HogQL text cannot name it
                // unquoted.
                new FieldDef(STORED_PERSON_ID, "person_id", "UUID", Kind.COLUMN),
                col("elements_chain", "String"),
                // The event's groups (capture resolves $groups through the project's group types); '' when none.
                new FieldDef("$group_0", "group_0", "String", Kind.COLUMN),
                new FieldDef("$group_1", "group_1", "String", Kind.COLUMN),
                new FieldDef("$group_2", "group_2", "String", Kind.COLUMN),
                new FieldDef("$group_3", "group_3", "String", Kind.COLUMN),
                new FieldDef("$group_4", "group_4", "String", Kind.COLUMN),
                // PostHog's lazy joins to the event's groups: events.group_0.properties.x, group_0.key, …
                new FieldDef("group_0", "0", "Group", Kind.GROUP_JOIN),
                new FieldDef("group_1", "1", "Group", Kind.GROUP_JOIN),
                new FieldDef("group_2", "2", "Group", Kind.GROUP_JOIN),
                new FieldDef("group_3", "3", "Group", Kind.GROUP_JOIN),
                new FieldDef("group_4", "4", "Group", Kind.GROUP_JOIN),
                // PostHog's top-level $session_id / $window_id columns (events.py: non-nullable Strings that
                // ClickHouse fills from the properties at ingestion): the property as text, '' when it is missing.
                new FieldDef("$session_id", "coalesce({t}.\"properties\" ->> '$session_id', '')", "String", Kind.SQL),
                new FieldDef("$window_id", "coalesce({t}.\"properties\" ->> '$window_id', '')", "String", Kind.SQL),
                new FieldDef(SESSION_KEY, "session_key", "Nullable(UUID)", Kind.COLUMN));
        // The person-day rollup (migration V18_3): one row per event name, local day (team timezone) and person,
        // with how many events and the first and last one's time; person_id reads through overrides like on events.
        table("events_person_days", "events_person_days", "person_id",
                List.of("event", "day", "person_id", "events", "first_timestamp", "last_timestamp"),
                col("event", "String"),
                col("day", "Date"),
                new FieldDef("person_id", "person_id", "UUID", Kind.PERSON_ID),
                new FieldDef("person", null, "Person", Kind.PERSON_JOIN),
                col("events", "Int64"),
                new FieldDef("first_timestamp", "first_at", DATETIME, Kind.COLUMN),
                new FieldDef("last_timestamp", "last_at", DATETIME, Kind.COLUMN));
        // Per-person activity bitmaps (migration V40_1): one row per event name, local month (its first day) and
        // person; bit d-1 of days is set when the person did the event on day d. person_id reads through overrides.
        table("events_person_months", "events_person_months", "person_id",
                List.of("event", "month", "person_id", "days"),
                col("event", "String"),
                col("month", "Date"),
                new FieldDef("person_id", "person_id", "UUID", Kind.PERSON_ID),
                new FieldDef("person", null, "Person", Kind.PERSON_JOIN),
                col("days", "Int64"));
        // Daily event counts per hot property value (migration V55_1): one row per event name, local day, property
        // and value ('' when missing; property_value, as "value" names the runners' result columns) per fold state;
        // a key's count is the sum of its rows.
        table("events_property_days", "events_property_days", null,
                List.of("event", "day", "property", "property_value", "events"),
                col("event", "String"),
                col("day", "Date"),
                col("property", "String"),
                new FieldDef("property_value", "value", "String", Kind.COLUMN),
                col("events", "Int64"));
        // Merged persons (old person id -> the person it was merged into), for statements built in Java that
        // handle merged persons apart; person_id on the other tables reads through it. Name not an identifier.
        table(PERSON_OVERRIDES, "person_overrides", null,
                List.of("old_person_id", "override_person_id"),
                col("old_person_id", "UUID"),
                col("override_person_id", "UUID"));
        table("persons", "persons", null,
                List.of("id", "created_at", "properties", "is_identified"),
                new FieldDef("id", "uuid", "UUID", Kind.COLUMN),
                col("created_at", DATETIME),
                PERSON_PROPERTIES,
                col("is_identified", "Bool"),
                // the properties' length as text (V125_60), for list pages chosen by size; not HogQL's
                new FieldDef(PROPERTIES_BYTES, "properties_bytes", "Int64", Kind.COLUMN));
        // PostHog's groups table: one row per (group type index, key), properties as $group_set made them.
        table("groups", "groups", null,
                List.of("index", "key", "created_at", "updated_at", "properties"),
                new FieldDef("index", "group_type_index", "Int64", Kind.COLUMN),
                new FieldDef("key", "group_key", "String", Kind.COLUMN),
                col("created_at", DATETIME),
                col("updated_at", DATETIME),
                new FieldDef("properties", "group_properties", "JSON", Kind.JSON));
        table("person_distinct_ids", "person_distinct_ids", "person_id",
                List.of("distinct_id", "person_id"),
                col("distinct_id", "String"),
                col("person_id", "UUID"),
                // the order the id was first stored in (V122_2; NULL before it), not in *: persons list their ids so
                col("created_order", "Int64"),
                new FieldDef("person", null, "Person", Kind.PERSON_JOIN));
        table("cohort_people", "cohort_people", "person_id",
                List.of("cohort_id", "person_id"),
                col("cohort_id", "Int64"),
                col("person_id", "UUID"),
                new FieldDef("person", null, "Person", Kind.PERSON_JOIN));
        // PostHog's query_log (query_log_archive) fields, in its order, then the fields of Quarry's own query log
        // (contract Part A item 7) PostHog's lacks: team_id, exception, kind, and hogql (the HogQL text). Where the
        // two clash, Quarry's wins: `query` is the PostgreSQL statement that ran (bound values not inlined; also
        // readable as `postgres`, not in *), and `status` is Cancelled for a query stopped by DELETE query/:id
        // (ClickHouse has no such type; exception_code still says 394, its QUERY_WAS_CANCELLED).
        table("query_log", "query_log", null,
                List.of("event_date", "event_time", "query_id", "endpoint", "query", "query_start_time",
                        "query_duration_ms", "hogql_name", "created_by", "read_rows", "read_bytes", "result_rows",
                        "result_bytes", "memory_usage", "status", "exception_code", "is_personal_api_key_request",
                        "cpu_microseconds", "RealTimeMicroseconds", "S3ListObjects", "S3HeadObject",
                        "S3GetObjectAttributes", "S3GetObject", "ReadBufferFromS3Bytes", "team_id", "exception",
                        "kind", "hogql"),
                new FieldDef("event_date", "event_time", "Date", Kind.DATE_OF),
                col("event_time", DATETIME),
                col("query_id", "String"),
                col("endpoint", "Nullable(String)"),
                col("query", "String"),
                col("query_start_time", "Nullable(" + DATETIME + ")"),
                col("query_duration_ms", "Int64"),
                new FieldDef("hogql_name", "name", "Nullable(String)", Kind.COLUMN),
                col("created_by", "Nullable(Int64)"),
                col("read_rows", "Nullable(Int64)"),
                col("read_bytes", "Nullable(Int64)"),
                col("result_rows", "Nullable(Int64)"),
                col("result_bytes", "Nullable(Int64)"),
                col("memory_usage", "Nullable(Int64)"),
                col("status", "String"),
                col("exception_code", "Nullable(Int32)"),
                col("is_personal_api_key_request", HogQLTypes.CLICKHOUSE_BOOL),
                col("cpu_microseconds", "Nullable(Int64)"),
                new FieldDef("RealTimeMicroseconds", "real_time_microseconds", "Nullable(Int64)", Kind.COLUMN),
                new FieldDef("S3ListObjects", "s3_unused", "Nullable(Int64)", Kind.COLUMN),
                new FieldDef("S3HeadObject", "s3_unused", "Nullable(Int64)", Kind.COLUMN),
                new FieldDef("S3GetObjectAttributes", "s3_unused", "Nullable(Int64)", Kind.COLUMN),
                new FieldDef("S3GetObject", "s3_unused", "Nullable(Int64)", Kind.COLUMN),
                new FieldDef("ReadBufferFromS3Bytes", "s3_unused", "Nullable(Int64)", Kind.COLUMN),
                col("team_id", "Int64"),
                col("exception", "Nullable(String)"),
                col("kind", "String"),
                col("hogql", "String"),
                new FieldDef("postgres", "query", "String", Kind.COLUMN));
        TABLES.put(SessionsTable.NAME, SessionsTable.DEF);
    }

    private Schema() {}

    public static TableDef table(String name) {
        return TABLES.get(name);
    }

    public static TableDef persons() {
        return TABLES.get("persons");
    }

    public static List<String> tableNames() {
        return List.copyOf(TABLES.keySet());
    }
}
