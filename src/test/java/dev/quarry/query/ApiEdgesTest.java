package dev.quarry.query;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quarry.persons.LegacyFilter;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19's API edges, each as PostHog's models answer it:
 * <ul>
 * <li>a value of the wrong type in any field of POST query's body or of a query node is a 400 in pydantic's words
 * naming the field, never Jackson's text (which named {@code java.util.LinkedHashMap},
 * {@code dev.quarry.query.DashboardFilter}, tokens): swept over every record field, one level of nested records and
 * the series' EventsNode of every kind Quarry runs, and over the legacy persons parameters;</li>
 * <li>a {@code str} field takes only a JSON string (pydantic: "Input should be a valid string"): HogQLQuery
 * {@code "query": 1} was run as the text "1"; {@code localPathCleaningFilters[0].regex: 123} was taken;</li>
 * <li>{@code modifiers} is PostHog's HogQLQueryModifiers ({@code extra="forbid"}, enum modes):
 * {@code personsOnEventsMode: 7} was echoed back; enum-typed display fields ({@code display},
 * {@code breakdown_type}, {@code computedAs}, {@code toggledLifecycles} …) refuse values outside PostHog's enums;</li>
 * <li>a regex property filter whose value is a number: PostHog hands it to ClickHouse's {@code match} as a number
 * pattern, which ClickHouse refuses (ILLEGAL_TYPE_OF_ARGUMENT, a 400): a 400 here too;</li>
 * <li>a cached answer is byte-identical to the fresh one for every number (the cache kept jsonb, which reprinted
 * {@code 1.0E308} as a 309-digit integer and {@code 1.5E7} as {@code 15000000}), and so are async results.</li>
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ApiEdgesTest {
    /** Text that must never appear in an error detail: Java, Jackson or Quarry type names and Jackson's notes. */
    private static final List<String> JAVA_WORDS = List.of("java.", "javax.", "dev.quarry", "com.fasterxml",
            "Cannot deserialize", "Cannot construct", "JsonToken", "LinkedHashMap", "ArrayList", "through reference");
    /** A wrong value of each JSON shape. */
    private static final List<Object> WRONG = List.of(List.of(1, 2), Map.of("zz", 1), 7, "bogus");
    /** Inside nested nodes: a list and a number (each field's type refuses at least one). */
    private static final List<Object> WRONG_NESTED = List.of(List.of(1, 2), 7);

    private static Project team;

    @Inject
    QueryRunners runners;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("API edges");
        // v: 1e308 and 1.5e7 as posthog-node sends them (JSON numbers); n: 123
        given().contentType("application/json").body("{\"api_key\": \"" + team.apiToken() + "\", \"batch\": ["
                        + "{\"event\": \"big\", \"distinct_id\": \"ann\", \"timestamp\": \"2026-01-05T10:00:00Z\", "
                        + "\"properties\": {\"v\": 1e308, \"n\": 123}},"
                        + "{\"event\": \"big\", \"distinct_id\": \"bob\", \"timestamp\": \"2026-01-05T11:00:00Z\", "
                        + "\"properties\": {\"v\": 1.5e7, \"n\": 124}},"
                        + "{\"event\": \"big\", \"distinct_id\": \"bob\", \"timestamp\": \"2026-01-06T11:00:00Z\", "
                        + "\"properties\": {\"v\": 0.1, \"n\": 125}}]}")
                .post("/batch/").then().statusCode(200);
        Capture.to(team).event("small", "ann", "2026-01-05T12:00:00Z").send();
    }

    /** A key of the project: a fresh one every 100 calls, below the per-key query limits (HogQL 120 an hour). */
    private static String key;
    private static int calls;

    private static String key() {
        if (key == null || ++calls % 100 == 0) {
            key = team.keyWith(List.of("*"), List.of());
        }
        return key;
    }

    private static Response post(Object body) {
        return given().header("Authorization", "Bearer " + key()).contentType("application/json").body(body)
                .post("/api/environments/" + team.id() + "/query/");
    }

    private static Response query(Map<String, Object> query) {
        return post(Map.of("query", query, "refresh", "force_blocking"));
    }

    private static Map<String, Object> node(String kind, Object... fields) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("kind", kind);
        for (int i = 0; i < fields.length; i += 2) {
            n.put((String) fields[i], fields[i + 1]);
        }
        return n;
    }

    private static final Map<String, Object> EVENTS_NODE = Map.of("kind", "EventsNode", "event", "big");

    /** The smallest valid node of every kind Quarry runs. */
    private static Map<String, Map<String, Object>> minimalNodes() {
        Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
        nodes.put("HogQLQuery", node("HogQLQuery", "query", "select 1"));
        nodes.put("HogQLMetadata", node("HogQLMetadata", "language", "hogQL", "query", "select 1"));
        nodes.put("EventsQuery", node("EventsQuery", "select", List.of("event")));
        nodes.put("ActorsQuery", node("ActorsQuery"));
        nodes.put("TrendsQuery", node("TrendsQuery", "series", List.of(EVENTS_NODE)));
        nodes.put("FunnelsQuery", node("FunnelsQuery", "series", List.of(EVENTS_NODE, Map.of("kind", "EventsNode",
                "event", "small"))));
        nodes.put("RetentionQuery", node("RetentionQuery", "retentionFilter", Map.of()));
        nodes.put("LifecycleQuery", node("LifecycleQuery", "series", List.of(EVENTS_NODE)));
        nodes.put("StickinessQuery", node("StickinessQuery", "series", List.of(EVENTS_NODE)));
        nodes.put("PathsQuery", node("PathsQuery", "pathsFilter", Map.of()));
        return nodes;
    }

    private static String jsonName(RecordComponent c) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }

    private static boolean isAnySetter(RecordComponent c) {
        return c.getAccessor().getAnnotation(JsonAnySetter.class) != null
                || c.getAnnotation(JsonAnySetter.class) != null || Map.class.isAssignableFrom(c.getType())
                && c.getName().matches("display|displayOnly|chart");
    }

    /** The record a component holds, itself or as the elements of a list; null for anything else. */
    private static Class<?> recordOf(RecordComponent c) {
        if (c.getType().isRecord()) {
            return c.getType();
        }
        if (List.class.isAssignableFrom(c.getType()) && c.getGenericType() instanceof ParameterizedType p) {
            Type arg = p.getActualTypeArguments()[0];
            if (arg instanceof Class<?> k && k.isRecord()) {
                return k;
            }
        }
        return null;
    }

    /** Counts of the sweep: requests sent, 400s seen. */
    private static final class Tally {
        int sent;
        int refused;
        final List<String> leaks = new ArrayList<>();
    }

    private static void check(Response r, String what, Tally tally) {
        tally.sent++;
        int status = r.statusCode();
        assertNotEquals(500, status, what + ": " + r.asString());
        assertTrue(status == 200 || status == 202 || status == 400, what + " → " + status + " " + r.asString());
        if (status != 400) {
            return;
        }
        tally.refused++;
        String detail = r.jsonPath().getString("detail");
        assertNotNull(detail, what);
        for (String word : JAVA_WORDS) {
            if (detail.contains(word)) {
                tally.leaks.add(what + " → " + detail);
            }
        }
        if (detail.startsWith("Invalid value for ") || detail.startsWith("Unknown or unsupported field ")) {
            assertNotNull(r.jsonPath().getString("attr"), what + ": a field error names the field: " + detail);
        }
    }

    @Test
    void wrongTypesInEveryQueryFieldAre400sInPydanticsWords() {
        Tally tally = new Tally();
        minimalNodes().forEach((kind, minimal) -> {
            Class<?> type = runners.get(kind).queryType();
            for (RecordComponent c : type.getRecordComponents()) {
                String name = jsonName(c);
                if (name.equals("kind") || isAnySetter(c)) {
                    continue;
                }
                for (Object wrong : WRONG) {
                    Map<String, Object> q = new HashMap<>(minimal);
                    q.put(name, wrong);
                    check(query(q), kind + "." + name + " = " + wrong, tally);
                }
                Class<?> nested = recordOf(c);
                if (nested == null) {
                    continue;
                }
                for (RecordComponent sub : nested.getRecordComponents()) {
                    String subName = jsonName(sub);
                    if (subName.equals("kind") || isAnySetter(sub)) {
                        continue;
                    }
                    for (Object wrong : WRONG_NESTED) {
                        Map<String, Object> inner = new HashMap<>();
                        if (nested.getSimpleName().equals("EventsNode")) {
                            inner.putAll(EVENTS_NODE);
                        }
                        inner.put(subName, wrong);
                        Map<String, Object> q = new HashMap<>(minimal);
                        q.put(name, List.class.isAssignableFrom(c.getType()) ? List.of(inner) : inner);
                        check(query(q), kind + "." + name + "." + subName + " = " + wrong, tally);
                    }
                }
            }
        });
        // POST query's own fields, and the dashboard filter's
        for (RecordComponent c : QueryRequest.Body.class.getRecordComponents()) {
            String name = jsonName(c);
            if (name.equals("query")) {
                continue;
            }
            for (Object wrong : WRONG) {
                Map<String, Object> body = new HashMap<>();
                body.put("query", minimalNodes().get("HogQLQuery"));
                body.put(name, wrong);
                check(post(body), "QueryRequest." + name + " = " + wrong, tally);
            }
        }
        for (RecordComponent c : DashboardFilter.class.getRecordComponents()) {
            for (Object wrong : WRONG) {
                Map<String, Object> body = new HashMap<>();
                body.put("query", minimalNodes().get("TrendsQuery"));
                body.put("filters_override", Map.of(jsonName(c), wrong));
                check(post(body), "filters_override." + jsonName(c) + " = " + wrong, tally);
            }
        }
        assertEquals(List.of(), tally.leaks, "details naming Java types");
        // the sweep is not vacuous: most wrong values are refused
        assertTrue(tally.sent > 400, "sent " + tally.sent);
        assertTrue(tally.refused > tally.sent / 2, tally.refused + " of " + tally.sent + " refused");
    }

    @Test
    void wrongTypesInLegacyPersonsParametersNameNoJavaType() {
        Tally tally = new Tally();
        Map<String, Object> funnel = Map.of("events", List.of(Map.of("id", "big", "order", 0),
                Map.of("id", "small", "order", 1)), "funnel_step", 1);
        for (RecordComponent c : LegacyFilter.class.getRecordComponents()) {
            for (Object wrong : WRONG) {
                Map<String, Object> body = new HashMap<>(funnel);
                body.put(jsonName(c), wrong);
                Response r = given().header("Authorization", "Bearer " + key()).contentType("application/json")
                        .body(body).post("/api/environments/" + team.id() + "/persons/funnel/");
                check(r, "persons/funnel " + jsonName(c) + " = " + wrong, tally);
            }
        }
        assertEquals(List.of(), tally.leaks, "details naming Java types");
        assertTrue(tally.refused > 20, tally.refused + " of " + tally.sent + " refused");
    }

    @Test
    void theReportedWrongTypesAreRefusedNamingTheField() {
        // was: {"detail": "... Cannot deserialize value of type `dev.quarry.query.DashboardFilter` from Array ..."}
        post(Map.of("query", minimalNodes().get("HogQLQuery"), "filters_override", List.of(1))).then()
                .statusCode(400).body("attr", equalTo("filters_override"))
                .body("detail", containsString("Input should be a valid dictionary"));
        // was: `java.util.LinkedHashMap<java.lang.String,...>` from Array value
        query(node("HogQLQuery", "query", "select 1", "values", List.of(1))).then().statusCode(400)
                .body("attr", equalTo("values")).body("detail", containsString("Input should be a valid dictionary"));
        query(node("TrendsQuery", "series", Map.of("a", 1))).then().statusCode(400)
                .body("attr", equalTo("series")).body("detail", containsString("Input should be a valid list"));
        // pydantic's strict str: "query": 1 was run as the HogQL text "1"
        query(node("HogQLQuery", "query", 1)).then().statusCode(400).body("attr", equalTo("query"))
                .body("detail", equalTo("Invalid value for HogQLQuery.query: Input should be a valid string"));
        query(node("HogQLQuery", "query", true)).then().statusCode(400).body("attr", equalTo("query"));
        // PathCleaningFilter.regex is a str: 123 was taken
        query(node("PathsQuery", "pathsFilter", Map.of("localPathCleaningFilters",
                List.of(Map.of("regex", 123, "alias", "x"))))).then().statusCode(400).body("attr", equalTo("regex"))
                .body("detail", containsString("Input should be a valid string"));
        // a list element of the wrong type names the list
        query(node("ActorsQuery", "orderBy", List.of(7))).then().statusCode(400).body("attr", equalTo("orderBy"));
    }

    @Test
    void modifiersAreHogQLQueryModifiers() {
        String allowed = "Input should be 'disabled', 'person_id_no_override_properties_on_events', "
                + "'person_id_override_properties_on_events' or 'person_id_override_properties_joined'";
        for (Object mode : List.of(7, "bogus", true)) {
            query(node("HogQLQuery", "query", "select 1", "modifiers", Map.of("personsOnEventsMode", mode))).then()
                    .statusCode(400).body("attr", equalTo("personsOnEventsMode"))
                    .body("detail", equalTo("Invalid value for HogQLQuery.modifiers.personsOnEventsMode: " + allowed));
        }
        query(node("TrendsQuery", "series", List.of(EVENTS_NODE), "modifiers", Map.of("inCohortVia", "sideways")))
                .then().statusCode(400).body("attr", equalTo("inCohortVia"));
        query(node("HogQLQuery", "query", "select 1", "modifiers", Map.of("optimiseEverything", true))).then()
                .statusCode(400).body("attr", equalTo("optimiseEverything"));
        query(node("HogQLQuery", "query", "select 1", "modifiers", List.of())).then().statusCode(400)
                .body("attr", equalTo("modifiers"));
        // PostHog's values are taken and answered as sent, the team defaults filling in the rest
        Map<String, Object> modifiers = Map.of("personsOnEventsMode", "person_id_override_properties_joined",
                "inCohortVia", "leftjoin_conjoined", "sessionTableVersion", "v3", "debug", false,
                "bounceRateDurationSeconds", 10, "customChannelTypeRules", List.of());
        Map<String, Object> answered = new java.util.HashMap<>(DEFAULT_MODIFIERS);
        answered.putAll(modifiers);
        query(node("HogQLQuery", "query", "select 1", "modifiers", modifiers)).then().statusCode(200)
                .body("modifiers", equalTo(answered));
    }

    /** HogQLQueryModifiers as PostHog's create_default_modifiers_for_team resolves an empty one (unset fields null). */
    static final Map<String, Object> DEFAULT_MODIFIERS = defaultModifiers();

    private static Map<String, Object> defaultModifiers() {
        Map<String, Object> m = new java.util.HashMap<>();
        for (String unset : List.of("bounceRateDurationSeconds", "customChannelTypeRules", "dataWarehouseEventsModifiers",
                "debug", "formatCsvAllowDoubleQuotes", "optimizeProjections", "personsJoinMode", "propertyGroupsMode",
                "s3TableUseInvalidColumns", "timings", "usePreaggregatedTableTransforms",
                "useWebAnalyticsPreAggregatedTables")) {
            m.put(unset, null);
        }
        m.putAll(Map.of("bounceRatePageViewMode", "count_pageviews", "convertToProjectTimezone", true,
                "inCohortVia", "auto", "materializationMode", "legacy_null_as_null", "optimizeJoinedFilters", false,
                "personsArgMaxVersion", "auto", "personsOnEventsMode", "person_id_override_properties_joined",
                "sessionTableVersion", "auto", "sessionsV2JoinMode", "string", "useMaterializedViews", true));
        m.put("usePresortedEventsTable", false);
        return m;
    }

    /**
     * Every answer but HogQLMetadata's carries the modifiers it was computed with, as PostHog's runners answer
     * {@code self.modifiers}: sent ones as sent ({@code materializationMode: auto} resolved), the rest defaulted.
     */
    @Test
    void answersCarryTheirResolvedModifiers() {
        Map<String, Object> trends = new java.util.HashMap<>(DEFAULT_MODIFIERS);
        trends.put("timings", false);
        query(node("TrendsQuery", "series", List.of(EVENTS_NODE), "modifiers", Map.of("timings", false,
                "materializationMode", "auto"))).then().statusCode(200).body("modifiers", equalTo(trends));
        for (Map<String, Object> n : List.of(node("StickinessQuery", "series", List.of(EVENTS_NODE)),
                node("LifecycleQuery", "series", List.of(EVENTS_NODE)),
                node("RetentionQuery", "retentionFilter", Map.of()),
                node("FunnelsQuery", "series", List.of(EVENTS_NODE, EVENTS_NODE)),
                node("EventsQuery", "select", List.of("event")),
                node("ActorsQuery", "select", List.of("person")),
                node("HogQLQuery", "query", "select 1"))) {
            query(n).then().log().ifValidationFails().statusCode(200).body("modifiers", equalTo(DEFAULT_MODIFIERS));
        }
        query(node("HogQLMetadata", "language", "hogQL", "query", "select 1")).then().statusCode(200)
                .body("modifiers", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void enumTypedFieldsRefuseValuesOutsidePostHogsEnums() {
        String series = "series";
        Object[][] cases = {
                {node("TrendsQuery", series, List.of(EVENTS_NODE), "trendsFilter", Map.of("display", "Pie")), "display"},
                {node("TrendsQuery", series, List.of(EVENTS_NODE), "trendsFilter",
                        Map.of("aggregationAxisFormat", "bytes")), "aggregationAxisFormat"},
                {node("TrendsQuery", series, List.of(EVENTS_NODE), "trendsFilter", Map.of("yAxisScaleType", 7)),
                        "yAxisScaleType"},
                {node("TrendsQuery", series, List.of(EVENTS_NODE), "breakdownFilter",
                        Map.of("breakdown_type", "planet")), "breakdown_type"},
                {node("FunnelsQuery", series, List.of(EVENTS_NODE, EVENTS_NODE), "funnelsFilter",
                        Map.of("breakdownAttributionType", "middle_touch")), "breakdownAttributionType"},
                {node("FunnelsQuery", series, List.of(EVENTS_NODE, EVENTS_NODE), "funnelsFilter",
                        Map.of("layout", "diagonal")), "layout"},
                {node("RetentionQuery", "retentionFilter", Map.of("meanRetentionCalculation", "median")),
                        "meanRetentionCalculation"},
                {node("RetentionQuery", "retentionFilter", Map.of("retentionReference", "first")),
                        "retentionReference"},
                {node("StickinessQuery", series, List.of(EVENTS_NODE), "stickinessFilter",
                        Map.of("computedAs", "sometimes")), "computedAs"},
                {node("LifecycleQuery", series, List.of(EVENTS_NODE), "lifecycleFilter",
                        Map.of("toggledLifecycles", List.of("new", "zombie"))), "toggledLifecycles"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> q = (Map<String, Object>) c[0];
            query(q).then().statusCode(400).body("attr", equalTo(c[1]))
                    .body("detail", containsString("Input should be '"));
        }
        // PostHog's values, including a chart filter's display (was refused: "display" was bound to the record's
        // map of display-only fields)
        query(node("StickinessQuery", series, List.of(EVENTS_NODE), "stickinessFilter",
                Map.of("display", "ActionsBar", "computedAs", "cumulative"))).then().statusCode(200);
        query(node("LifecycleQuery", series, List.of(EVENTS_NODE), "lifecycleFilter",
                Map.of("toggledLifecycles", List.of("new", "dormant"), "showLegend", true))).then().statusCode(200);
        query(node("TrendsQuery", series, List.of(EVENTS_NODE), "trendsFilter",
                Map.of("display", "CalendarHeatmap", "aggregationAxisFormat", "currency", "yAxisScaleType", "log10")))
                .then().statusCode(200);
        query(node("RetentionQuery", "retentionFilter", Map.of("meanRetentionCalculation", "weighted",
                "retentionReference", "previous", "display", "ActionsTable"))).then().statusCode(200);
    }

    @Test
    void aRegexFilterWithANumberIsRefusedAsClickHouseRefusesIt() {
        Map<String, Object> number = Map.of("key", "n", "type", "event", "operator", "regex", "value", 123);
        query(node("EventsQuery", "select", List.of("count()"), "after", "2026-01-01", "before", "2026-01-10",
                "properties", List.of(number))).then().statusCode(400)
                .body("detail", equalTo("Operator \"regex\" needs a string pattern, got the number 123"));
        query(node("TrendsQuery", "series", List.of(EVENTS_NODE), "dateRange", Map.of("date_from", "2026-01-01",
                "date_to", "2026-01-10"), "properties", List.of(Map.of("key", "n", "type", "event",
                "operator", "not_regex", "value", 12)))).then().statusCode(400)
                .body("detail", startsWith("Operator \"not_regex\" needs a string pattern"));
        // the pattern as a string matches the stored number's text: 123 and 124 (1 of them is on 01-06: 125)
        query(node("EventsQuery", "select", List.of("count()"), "after", "2026-01-01", "before", "2026-01-10",
                "properties", List.of(Map.of("key", "n", "type", "event", "operator", "regex", "value", "^12[34]$"))))
                .then().statusCode(200).body("results", equalTo(List.of(List.of(2))));
    }

    /**
     * PostHog's {@code update_property} (posthog/api/person.py {@code _set_properties}) sends a {@code $set} event
     * through {@code capture_internal}, so the value is what its ingestion makes of a captured {@code $set}: Node's
     * {@code JSON.parse} reads a 30-digit number as a double, and the person's properties are written with
     * {@code JSON.stringify}: {@code 1.2345678901234568e+29}, the text HogQL then reads as the Numeric definition
     * says (Float64). Every person write path gives
     * the same value: update_property, PATCH/PUT persons/:id and a captured {@code $set}.
     */
    @Test
    void aThirtyDigitPersonPropertyIsWhatPostHogsIngestionStores() {
        String uuid = given().header("Authorization", "Bearer " + team.key()).queryParam("distinct_id", "ann")
                .get("/api/environments/" + team.id() + "/persons/").then().statusCode(200).extract()
                .path("results[0].uuid");
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"key\": \"big\", \"value\": 123456789012345678901234567890}")
                .post("/api/environments/" + team.id() + "/persons/" + uuid + "/update_property/")
                .then().statusCode(202);
        // PostHog's person update (PATCH or PUT persons/:id/ {"properties"}) is the same $set
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"properties\": {\"patched\": 123456789012345678901234567890}}")
                .patch("/api/environments/" + team.id() + "/persons/" + uuid + "/").then().statusCode(202);
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"properties\": {\"put\": \"x\"}, \"name\": \"ignored\"}")
                .put("/api/environments/" + team.id() + "/persons/" + uuid + "/").then().statusCode(202);
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json").body("{}")
                .patch("/api/environments/" + team.id() + "/persons/" + uuid + "/").then().statusCode(400)
                .body("attr", equalTo("properties"));
        given().header("Authorization", "Bearer " + team.key()).contentType("application/json")
                .body("{\"properties\": [1]}")
                .patch("/api/environments/" + team.id() + "/persons/" + uuid + "/").then().statusCode(400)
                .body("attr", equalTo("properties"));
        given().contentType("application/json").body("{\"api_key\": \"" + team.apiToken() + "\", \"batch\": ["
                        + "{\"event\": \"$set\", \"distinct_id\": \"ann\", \"timestamp\": \"2026-01-07T10:00:00Z\", "
                        + "\"properties\": {\"$set\": {\"captured\": 123456789012345678901234567890}}}]}")
                .post("/batch/").then().statusCode(200);
        query(node("HogQLQuery", "query", "select properties.big, properties.patched, properties.captured, "
                + "properties.put from persons where id = '" + uuid + "'")).then().statusCode(200)
                // the three are Numeric person properties (their definitions were typed from the number), read as
                // PostHog's PropertySwapper reads them: Float64 (posthog/hogql/transforms/property_types.py)
                .body(org.hamcrest.Matchers.containsString("\"results\":[[1.2345678901234568e+29,"
                        + "1.2345678901234568e+29,1.2345678901234568e+29,\"x\"]]"));
    }

    /** The raw text of a response's {@code results} value (numbers as written, not as parsed). */
    private static String rawResults(String body) {
        int start = body.indexOf("\"results\":");
        assertTrue(start >= 0, body);
        int depth = 0;
        boolean inString = false;
        for (int i = start + 10; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (inString) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    inString = false;
                }
                continue;
            }
            if (ch == '"') {
                inString = true;
            } else if (ch == '[' || ch == '{') {
                depth++;
            } else if (ch == ']' || ch == '}') {
                depth--;
                if (depth == 0) {
                    return body.substring(start, i + 1);
                }
            }
        }
        fail("unterminated results: " + body);
        return null;
    }

    @Test
    void cachedAnswersRenderEveryNumberAsTheFreshOne() {
        // max(v) per day: 1e+308 on 01-05, 0.1 on 01-06; min(v): 15000000.0, 0.1 (PostgreSQL's avg of 1e308 overflows
        // its sum of squares: issue 19's float-overflow item, not this one)
        List<Map<String, Object>> series = new ArrayList<>();
        for (String math : List.of("max", "min")) {
            series.add(Map.of("kind", "EventsNode", "event", "big", "math", math, "math_property", "v"));
        }
        Map<String, Object> trends = node("TrendsQuery", "series", series, "interval", "day",
                "dateRange", Map.of("date_from", "2026-01-04", "date_to", "2026-01-07"));
        Map<String, Object> hogql = node("HogQLQuery", "query", "select 1e308, -1.5e7, 1e-7, 0.1 + 0.2, "
                + "18446744073709551615, 12345678.0, toFloat(properties.v) from events where event = 'big' "
                + "order by timestamp");
        for (Map<String, Object> q : List.of(trends, hogql)) {
            String fresh = post(Map.of("query", q, "refresh", "force_blocking")).then().log().ifValidationFails()
                    .statusCode(200)
                    .body("is_cached", equalTo(false)).extract().asString();
            String cached = post(Map.of("query", q)).then().statusCode(200).body("is_cached", equalTo(true))
                    .extract().asString();
            assertEquals(rawResults(fresh), rawResults(cached));
        }
        String fresh = rawResults(post(Map.of("query", trends, "refresh", "force_blocking")).asString());
        // the values themselves, as the fresh answer writes them (PostHog's orjson text: web.PostHogNumbers)
        assertTrue(fresh.contains("1e+308") && fresh.contains("15000000.0") && !fresh.contains("000000000000000000"),
                fresh);
        // the async path keeps its results as rendered too
        String id = post(Map.of("query", trends, "refresh", "force_async")).then().statusCode(202).extract()
                .path("query_status.id");
        String status = null;
        for (int i = 0; i < 200; i++) {
            status = given().header("Authorization", "Bearer " + key())
                    .get("/api/environments/" + team.id() + "/query/" + id + "/").asString();
            if (status.contains("\"complete\":true")) {
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
        assertTrue(status.contains("\"complete\":true"), status);
        // {"query_status": {…, "results": {"results": [...], …}}}: the answer's own results
        assertEquals(fresh, rawResults(status.substring(status.indexOf("\"results\":{") + "\"results\":{".length())),
                "async results as rendered");
    }
}
