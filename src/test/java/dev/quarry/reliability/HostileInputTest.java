package dev.quarry.reliability;

import static dev.quarry.reliability.Hostile.map;
import static dev.quarry.reliability.Hostile.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.Plans;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Property-based hostile input over HTTP: for every endpoint family, valid bodies and parameters mutated at random
 * (wrong types, missing fields, huge and negative numbers, huge strings, deep nesting, unicode keys, garbage dates)
 * and raw hostile bodies (invalid UTF-8, gzip bombs, 10 MB and over-limit bodies). Every answer must be a 2xx or a
 * 4xx with PostHog's error body; never a 5xx, never a hang (30 s socket timeout). Reproducible from the seed
 * ({@link Hostile#SEED}, {@code -Dquarry.fuzz.seed}); each family draws from its own generator so they stay
 * independent of each other's order.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class HostileInputTest {
    private static final int PER_FAMILY = Integer.getInteger("quarry.fuzz.iterations", 60);
    private static final String PAGEVIEW = "[{\"id\":\"$pageview\",\"type\":\"events\",\"order\":0}]";
    private static Project team;
    private static String base;

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;
    private static long staticCohort;
    private static long pluginConfig;
    private static String personUuid;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Hostile");
        Plans.withoutRateLimits(pool, team.id()); // thousands of calls on one key: past PostHog's rate limits
        base = "/api/projects/" + team.id();
        Capture capture = Capture.to(team);
        for (int i = 0; i < 20; i++) {
            capture.event("$pageview", "u" + (i % 5), "2026-01-0" + (1 + i % 9) + "T12:00:00Z",
                    Map.of("$browser", i % 2 == 0 ? "Chrome" : "Firefox", "$set", Map.of("plan", "free")));
        }
        capture.send();
        staticCohort = as().contentType("application/json").body(map("name", "static", "is_static", true))
                .post(base + "/cohorts/").then().statusCode(201).extract().jsonPath().getLong("id");
        pluginConfig = as().contentType("application/json").body(map("plugin", 1, "enabled", true))
                .post(base + "/plugin_configs/").then().statusCode(201).extract().jsonPath().getLong("id");
        personUuid = as().contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", "select id from persons limit 1")))
                .post(base + "/query/").then().statusCode(200).extract().jsonPath().getString("results[0][0]");
    }

    private static RequestSpecification as() {
        return request().header("Authorization", "Bearer " + team.key());
    }

    private static Random random(String family) {
        return new Random(Hostile.SEED ^ family.hashCode());
    }

    private static void call(Hostile.Verdicts verdicts, String what, Supplier<Response> call) {
        try {
            verdicts.check(what, call.get());
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable e) {
            verdicts.fail(what, e); // a socket timeout (hang), a reset connection, a body Jackson cannot write
        }
    }

    // ---------------------------------------------------------------------------------------------------- capture

    private static Map<String, Object> validBatch() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("$browser", "Chrome");
        props.put("ключ 😀", "значение");
        props.put("$set", Map.of("plan", "pro"));
        return map("api_key", team.apiToken(), "sent_at", "2026-01-10T00:00:00Z", "batch", List.of(
                map("event", "fuzzed", "distinct_id", "fz", "timestamp", "2026-01-09T00:00:00Z", "properties", props),
                map("event", "$identify", "distinct_id", "fz2", "properties", map("$anon_distinct_id", "fz"))));
    }

    @Test
    void captureSurvivesMutatedBatches() {
        Random rnd = random("capture");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        JsonNode valid = Hostile.json(validBatch());
        List<String> paths = List.of("/batch/", "/capture/", "/e/", "/i/v0/e/", "/track/");
        for (int i = 0; i < PER_FAMILY * 3; i++) {
            JsonNode body = Hostile.mutate(valid, rnd);
            String path = paths.get(rnd.nextInt(paths.size()));
            String text = body.toString();
            call(verdicts, "POST " + path + " #" + i + " " + Hostile.abbreviate(text),
                    () -> request().contentType("application/json").body(text).post(path));
        }
        verdicts.assertNone();
    }

    @Test
    void captureRefusesHostileRawBodies() throws IOException, InterruptedException {
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        String token = team.apiToken();
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("invalid UTF-8", concat("{\"api_key\":\"" + token + "\",\"batch\":[{\"event\":\"",
                new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE}, "\",\"distinct_id\":\"x\"}]}"));
        bodies.put("invalid UTF-8 in a key", concat("{\"api_key\":\"" + token + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"x\",\"properties\":{\"",
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, "\":1}}]}"));
        bodies.put("truncated JSON", ("{\"api_key\":\"" + token + "\",\"batch\":[{\"event\":").getBytes(StandardCharsets.UTF_8));
        bodies.put("nested past Jackson's limit", ("[".repeat(100_000)).getBytes(StandardCharsets.UTF_8));
        bodies.put("deeply nested properties", ("{\"api_key\":\"" + token + "\",\"event\":\"deep\",\"distinct_id\":\"d\",\"properties\":{\"p\":"
                + "[".repeat(900) + "]".repeat(900) + "}}").getBytes(StandardCharsets.UTF_8));
        bodies.put("gzip bomb (1 GB of zeros)", gzipZeros(1024L * 1024 * 1024));
        bodies.put("gzip bomb (25 MB of zeros)", gzipZeros(25L * 1024 * 1024));
        bodies.put("gzip magic then garbage", new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7});
        bodies.put("form with garbage base64", "data=%%%not-base64".getBytes(StandardCharsets.UTF_8));
        bodies.put("form with nothing", "data=".getBytes(StandardCharsets.UTF_8));
        bodies.put("10 MB of garbage", garbage(10_000_000));
        bodies.put("10 MB valid JSON, wrong token", bigBatch("phc_wrong", 10_000_000));
        // events of 900 KB: PostHog's capture refuses an event past 1,000,000 bytes (413 event_too_big)
        bodies.put("7 MB valid JSON", bigEvents(token, 7 * 1024 * 1024, 900_000));
        bodies.put("one event of 2 MB", bigBatch(token, 2_000_000));
        bodies.put("9 MB valid JSON", bigBatch(token, 9 * 1024 * 1024));
        bodies.put("10,001 events", manyEvents(token, 10_001));
        bodies.put("number as token", "{\"api_key\":5,\"batch\":[]}".getBytes(StandardCharsets.UTF_8));
        bodies.put("batch of numbers", ("{\"api_key\":\"" + token + "\",\"batch\":[1,2,null,\"x\"]}").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
            for (String encoding : new String[] {null, "gzip"}) {
                String what = "POST /batch/ " + body.getKey() + (encoding == null ? "" : " (Content-Encoding: gzip)");
                call(verdicts, what, () -> {
                    RequestSpecification spec = request().contentType("application/json").body(body.getValue());
                    if (encoding != null) {
                        spec.header("Content-Encoding", encoding);
                    }
                    return spec.post("/batch/");
                });
            }
        }
        verdicts.assertNone();
        // The bodies within the limits were answered, those past them refused with a 4xx.
        request().contentType("application/json").body(bodies.get("7 MB valid JSON")).post("/batch/").then().statusCode(200);
        request().contentType("application/json").body(bodies.get("one event of 2 MB")).post("/batch/").then()
                .statusCode(413).body("code", org.hamcrest.Matchers.equalTo("event_too_big"));
        for (String over : List.of("9 MB valid JSON", "10 MB of garbage")) {
            request().contentType("application/json").body(bodies.get(over)).post("/batch/").then()
                    .statusCode(413).body("type", org.hamcrest.Matchers.equalTo("invalid_request"))
                    .body("code", org.hamcrest.Matchers.equalTo("payload_too_large"));
        }
        // Past the 10 MiB of the HTTP layer in front (locally Quarkus's HTTP server) that layer answers 413, from the
        // Content-Length alone. Sent as curl sends large bodies (Expect: 100-continue): a client that pushes the whole
        // body regardless finds the connection closed after the 413, as with any HTTP server.
        java.net.http.HttpResponse<String> tooLarge = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":"
                                + io.restassured.RestAssured.port + "/batch/"))
                        .expectContinue(true).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(garbage(30 * 1024 * 1024))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, tooLarge.statusCode());
        // inflating past 20 MiB: 413, as PostHog's capture answers a body it stops unzipping (EventTooBig)
        int bomb = request().contentType("application/json").body(bodies.get("gzip bomb (1 GB of zeros)")).post("/batch/").statusCode();
        assertEquals(413, bomb);
    }

    private static byte[] concat(String a, byte[] b, String c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(b);
        out.writeBytes(c.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] gzipZeros(long size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < size; written += zeros.length) {
                gz.write(zeros);
            }
        }
        return out.toByteArray();
    }

    private static byte[] garbage(int size) {
        byte[] bytes = new byte[size];
        new Random(Hostile.SEED).nextBytes(bytes);
        bytes[0] = '{';
        return bytes;
    }

    private static byte[] bigBatch(String token, int size) {
        String big = "x".repeat(size);
        return ("{\"api_key\":\"" + token + "\",\"batch\":[{\"event\":\"big\",\"distinct_id\":\"big\",\"properties\":{\"blob\":\""
                + big + "\"}}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** A batch of {@code size} bytes or so, in events of {@code eventSize} bytes of properties each. */
    private static byte[] bigEvents(String token, int size, int eventSize) {
        StringBuilder s = new StringBuilder("{\"api_key\":\"" + token + "\",\"batch\":[");
        for (int written = 0, i = 0; written < size; written += eventSize, i++) {
            s.append(i == 0 ? "" : ",").append("{\"event\":\"big\",\"distinct_id\":\"big\",\"properties\":{\"blob\":\"")
                    .append("x".repeat(eventSize)).append("\"}}");
        }
        return s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] manyEvents(String token, int count) {
        StringBuilder s = new StringBuilder("{\"api_key\":\"" + token + "\",\"batch\":[");
        for (int i = 0; i < count; i++) {
            s.append(i == 0 ? "" : ",").append("{\"event\":\"many\",\"distinct_id\":\"m\"}");
        }
        return s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------------ query

    static Map<String, Map<String, Object>> validQueries() {
        Map<String, Object> pageviews = map("kind", "EventsNode", "event", "$pageview", "math", "dau");
        Map<String, Object> range = map("date_from", "2026-01-01", "date_to", "2026-01-10");
        Map<String, Object> trends = map("kind", "TrendsQuery", "series", List.of(pageviews), "interval", "day",
                "dateRange", range, "breakdownFilter", map("breakdown", "$browser", "breakdown_type", "event"),
                "properties", List.of(map("key", "$browser", "value", "Chrome", "operator", "exact", "type", "event")));
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        out.put("HogQLQuery", map("kind", "HogQLQuery", "query",
                "select event, count() from events where timestamp > {from} group by event limit 10",
                "values", map("from", "2026-01-01"), "filters", map("dateRange", range)));
        out.put("HogQLMetadata", map("kind", "HogQLMetadata", "language", "hogQL", "query", "select event from events"));
        out.put("EventsQuery", map("kind", "EventsQuery", "select", List.of("*", "event", "properties.$browser", "count()"),
                "after", "2026-01-01", "limit", 10, "offset", 0, "orderBy", List.of("count() DESC"), "event", "$pageview"));
        out.put("TrendsQuery", trends);
        out.put("LifecycleQuery", map("kind", "LifecycleQuery", "series", List.of(map("kind", "EventsNode", "event", "$pageview")),
                "interval", "day", "dateRange", range));
        out.put("StickinessQuery", map("kind", "StickinessQuery", "series", List.of(map("kind", "EventsNode", "event", "$pageview")),
                "interval", "day", "dateRange", range));
        out.put("RetentionQuery", map("kind", "RetentionQuery", "dateRange", map("date_to", "2026-01-08"),
                "retentionFilter", map("period", "Day", "totalIntervals", 4,
                        "targetEntity", map("id", "$pageview", "type", "events"),
                        "returningEntity", map("id", "$pageview", "type", "events"))));
        out.put("ActorsQuery", map("kind", "ActorsQuery", "select", List.of("person", "id"), "limit", 10, "offset", 0,
                "search", "u", "source", map("kind", "InsightActorsQuery", "source", trends, "day", "2026-01-03")));
        return out;
    }

    @Test
    void everyQueryKindSurvivesMutatedBodies() {
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        for (Map.Entry<String, Map<String, Object>> kind : validQueries().entrySet()) {
            // The unmutated body is a correct answer.
            as().contentType("application/json").body(Map.of("query", kind.getValue())).post(base + "/query/")
                    .then().log().ifValidationFails().statusCode(200);
            Random rnd = random("query " + kind.getKey());
            JsonNode valid = Hostile.json(map("query", kind.getValue(), "refresh", "force_blocking",
                    "client_query_id", "fuzz", "filters_override", map("date_from", "-30d")));
            for (int i = 0; i < PER_FAMILY; i++) {
                JsonNode body = Hostile.mutate(valid, rnd);
                if (body.path("refresh").asText().contains("async") || body.path("async").asBoolean(false)) {
                    ((ObjectNode) body).put("refresh", "force_blocking").remove("async");
                }
                String text = body.toString();
                String path = rnd.nextInt(8) == 0 ? base + "/query/" + kind.getKey() + "/" : base + "/query/";
                call(verdicts, "POST " + path + " " + kind.getKey() + " #" + i + " " + Hostile.abbreviate(text),
                        () -> as().contentType("application/json").body(text).post(path));
            }
        }
        verdicts.assertNone();
    }

    /** Found by the load run: GROUP BY 1 was printed as a constant (a 500, then a 400) and ORDER BY 2 did not order. */
    @Test
    void positionalGroupByAndOrderBy() {
        List<List<Object>> rows = as().contentType("application/json").body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select properties.$browser, count() from events where event = '$pageview' group by 1 order by 2 desc, 1")))
                .post(base + "/query/").then().log().ifValidationFails().statusCode(200).extract().path("results");
        assertEquals(List.of(List.of("Chrome", 10), List.of("Firefox", 10)), rows);
        rows = as().contentType("application/json").body(Map.of("query", Map.of("kind", "HogQLQuery",
                        "query", "select distinct_id, count() from events where event = '$pageview' group by 1 order by 1 desc")))
                .post(base + "/query/").then().statusCode(200).extract().path("results");
        assertEquals("u4", rows.get(0).get(0));
    }

    @Test
    void queryIdsAndRawBodiesThatMakeNoSense() {
        Random rnd = random("query ids");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        List<String> ids = new ArrayList<>(Hostile.STRINGS);
        ids.addAll(List.of("x".repeat(1_000), "00000000-0000-0000-0000-000000000000", "..", "a/b", "%2e%2e",
                "HogQLQuery", "log"));
        for (String id : ids) {
            if (id.isEmpty() || id.contains("{")) { // RestAssured would read a brace as a path template
                continue;
            }
            call(verdicts, "GET query/" + Hostile.abbreviate(id), () -> as().get(base + "/query/{id}/", id));
            call(verdicts, "GET query/" + Hostile.abbreviate(id) + "/log", () -> as().get(base + "/query/{id}/log/", id));
            call(verdicts, "DELETE query/" + Hostile.abbreviate(id),
                    () -> as().queryParam("dequeue_only", Hostile.STRINGS.get(rnd.nextInt(Hostile.STRINGS.size()))).delete(base + "/query/{id}/", id));
            call(verdicts, "GET query/" + Hostile.abbreviate(id) + "?show_progress",
                    () -> as().queryParam("show_progress", Hostile.STRINGS.get(rnd.nextInt(Hostile.STRINGS.size()))).get(base + "/query/{id}/", id));
        }
        List<byte[]> raw = List.of("".getBytes(), "null".getBytes(), "[]".getBytes(), "\"query\"".getBytes(),
                "{\"query\":".getBytes(), new byte[] {(byte) 0xC3, 0x28}, ("[".repeat(50_000)).getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select " + "(".repeat(20_000) + "1" + ")".repeat(20_000)
                        + "\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select " + "1+".repeat(50_000) + "1\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select " + "-".repeat(50_000) + "1\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select " + "not ".repeat(50_000) + "1\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"" + "select * from (".repeat(5_000) + "select 1"
                        + ")".repeat(5_000) + "\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select [" + "[".repeat(20_000) + "]".repeat(20_001)
                        + "\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select f(" + "g(".repeat(20_000) + ")".repeat(20_001)
                        + "\"}}").getBytes(),
                ("{\"query\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],"
                        + "\"trendsFilter\":{\"formula\":\"" + "(".repeat(20_000) + "A" + ")".repeat(20_000) + "\"}}}").getBytes(),
                garbage(10_000_000));
        for (byte[] body : raw) {
            String what = "POST query raw " + Hostile.abbreviate(new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
            call(verdicts, what, () -> as().contentType("application/json").body(body).post(base + "/query/"));
        }
        call(verdicts, "POST query as text/plain", () -> as().contentType("text/plain").body("hi").post(base + "/query/"));
        call(verdicts, "PUT query", () -> as().contentType("application/json").body("{}").put(base + "/query/"));
        verdicts.assertNone();
    }

    // ---------------------------------------------------------------------------------------------------- persons

    @Test
    void personsEndpointsSurviveOddParameters() {
        Random rnd = random("persons");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        Map<String, String> lifecycle = new LinkedHashMap<>(Map.of("events", PAGEVIEW, "date_from", "2026-01-01",
                "date_to", "2026-01-10", "interval", "day", "target_date", "2026-01-03", "lifecycle_type", "new",
                "limit", "10", "offset", "0"));
        Map<String, String> stickiness = new LinkedHashMap<>(Map.of("entityId", "$pageview", "type", "events",
                "interval", "day", "date_from", "2026-01-01", "date_to", "2026-01-10", "stickiness_days", "2",
                "limit", "10", "offset", "0", "format", "json"));
        for (int i = 0; i < PER_FAMILY; i++) {
            Map<String, String> l = mutateParams(lifecycle, rnd);
            call(verdicts, "GET persons/lifecycle " + l, () -> as().queryParams(l).get(base + "/persons/lifecycle/"));
            Map<String, String> s = mutateParams(stickiness, rnd);
            call(verdicts, "GET persons/stickiness " + s, () -> as().queryParams(s).get(base + "/persons/stickiness/"));
            Map<String, String> v = mutateParams(Map.of("key", "plan", "value", "fr"), rnd);
            call(verdicts, "GET persons/values " + v, () -> as().queryParams(v).get(base + "/persons/values/"));
            Map<String, String> c = mutateParams(Map.of("person_id", personUuid), rnd);
            call(verdicts, "GET persons/cohorts " + c, () -> as().queryParams(c).get(base + "/persons/cohorts/"));
            String reset = Hostile.mutate(Hostile.json(map("distinct_id", "nobody-" + i)), rnd).toString();
            call(verdicts, "POST persons/reset_person_distinct_id " + Hostile.abbreviate(reset),
                    () -> as().contentType("application/json").body(reset).post(base + "/persons/reset_person_distinct_id/"));
            String odd = Hostile.string(rnd);
            if (!odd.isEmpty() && odd.length() < 200 && !odd.contains("{")) {
                call(verdicts, "DELETE persons/" + Hostile.abbreviate(odd), () -> as().delete(base + "/persons/{id}/", odd));
            }
        }
        verdicts.assertNone();
    }

    /** Drops, replaces or adds 1–3 parameters of a valid set, with hostile strings. */
    private static Map<String, String> mutateParams(Map<String, String> valid, Random rnd) {
        Map<String, String> params = new LinkedHashMap<>(valid);
        List<String> names = new ArrayList<>(params.keySet());
        names.addAll(List.of("limit", "offset", "format", "search", "properties", "breakdown", "date_from", "after",
                "before", "type_filter", "ключ"));
        for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
            String name = names.get(rnd.nextInt(names.size()));
            if (rnd.nextInt(4) == 0) {
                params.remove(name);
            } else {
                String value = rnd.nextInt(5) == 0 ? Hostile.value(rnd, 0).toString() : Hostile.string(rnd);
                params.put(name, value.replace("\u0000", "")); // a NUL cannot travel in a URL at all
            }
        }
        params.replaceAll((k, v) -> v.length() > 200 ? v.substring(0, 200) : v); // URLs stay under 4 KB
        return params;
    }

    // ---------------------------------------------------------------------------------------------------- cohorts

    @Test
    void cohortsCrudSurvivesMutatedBodies() {
        Random rnd = random("cohorts");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        Map<String, Object> filters = map("properties", map("type", "OR", "values", List.of(map("type", "AND", "values",
                List.of(map("key", "plan", "value", "free", "type", "person", "operator", "exact"),
                        map("key", "$pageview", "type", "behavioral", "value", "performed_event",
                                "event_type", "events", "time_value", 30, "time_interval", "day"))))));
        JsonNode create = Hostile.json(map("name", "fuzzed", "description", "d", "is_static", false, "filters", filters));
        JsonNode patch = Hostile.json(map("name", "renamed", "filters", filters, "deleted", false));
        JsonNode add = Hostile.json(map("person_ids", List.of(personUuid)));
        for (int i = 0; i < PER_FAMILY; i++) {
            String c = Hostile.mutate(create, rnd).toString();
            call(verdicts, "POST cohorts " + Hostile.abbreviate(c),
                    () -> as().contentType("application/json").body(c).post(base + "/cohorts/"));
            String p = Hostile.mutate(patch, rnd).toString();
            String id = rnd.nextBoolean() ? Long.toString(staticCohort) : Hostile.string(rnd);
            if (!id.isEmpty() && id.length() < 200 && !id.contains("{")) {
                call(verdicts, "PATCH cohorts/" + Hostile.abbreviate(id) + " " + Hostile.abbreviate(p),
                        () -> as().contentType("application/json").body(p).patch(base + "/cohorts/{id}/", id));
                call(verdicts, "GET cohorts/" + Hostile.abbreviate(id), () -> as().get(base + "/cohorts/{id}/", id));
                String a = Hostile.mutate(add, rnd).toString();
                call(verdicts, "PATCH cohorts/" + Hostile.abbreviate(id) + "/add_persons_to_static_cohort " + Hostile.abbreviate(a),
                        () -> as().contentType("application/json").body(a)
                                .patch(base + "/cohorts/{id}/add_persons_to_static_cohort/", id));
            }
            Map<String, String> page = mutateParams(Map.of("limit", "10", "offset", "0"), rnd);
            call(verdicts, "GET cohorts " + page, () -> as().queryParams(page).get(base + "/cohorts/"));
        }
        // The static cohort was un-deleted by a mutation or not; either way it is still answered.
        verdicts.assertNone();
    }

    // ---------------------------------------------------------------------------------------------------- plugins

    @Test
    void pluginConfigsAndLogsSurviveOddInput() {
        Random rnd = random("plugins");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        JsonNode config = Hostile.json(map("plugin", 7, "enabled", true, "order", 1, "config", map("url", "https://x")));
        JsonNode entries = Hostile.json(map("entries", List.of(
                map("type", "INFO", "message", "hello ключ", "timestamp", "2026-01-02T00:00:00.123456Z",
                        "source", "PLUGIN", "instance_id", "00000000-0000-0000-0000-000000000001"),
                map("type", "ERROR", "message", "boom"))));
        Map<String, String> logParams = new LinkedHashMap<>(Map.of("after", "2026-01-01T00:00:00Z",
                "before", "2026-01-03T00:00:00Z", "type_filter", "INFO", "limit", "10", "offset", "0", "search", "hel"));
        for (int i = 0; i < PER_FAMILY; i++) {
            String c = Hostile.mutate(config, rnd).toString();
            call(verdicts, "POST plugin_configs " + Hostile.abbreviate(c),
                    () -> as().contentType("application/json").body(c).post(base + "/plugin_configs/"));
            String id = rnd.nextInt(3) > 0 ? Long.toString(pluginConfig) : Hostile.string(rnd);
            if (id.isEmpty() || id.length() > 200 || id.contains("{")) {
                continue;
            }
            String e = Hostile.mutate(entries, rnd).toString();
            call(verdicts, "POST plugin_configs/" + Hostile.abbreviate(id) + "/logs " + Hostile.abbreviate(e),
                    () -> as().contentType("application/json").body(e).post(base + "/plugin_configs/{id}/logs/", id));
            Map<String, String> q = mutateParams(logParams, rnd);
            call(verdicts, "GET plugin_configs/" + Hostile.abbreviate(id) + "/logs " + q,
                    () -> as().queryParams(q).queryParam("type_filter", Hostile.STRINGS.get(rnd.nextInt(Hostile.STRINGS.size())).replace("\u0000", ""))
                            .get(base + "/plugin_configs/{id}/logs/", id));
            Map<String, String> page = mutateParams(Map.of("limit", "10", "offset", "0"), rnd);
            call(verdicts, "GET plugin_configs " + page, () -> as().queryParams(page).get(base + "/plugin_configs/"));
        }
        verdicts.assertNone();
    }

    // ------------------------------------------------------------------------------------------ auth and operator

    @Test
    void authAndOperatorInputsThatMakeNoSense() {
        Random rnd = random("auth");
        Hostile.Verdicts verdicts = new Hostile.Verdicts();
        for (int i = 0; i < PER_FAMILY / 2; i++) {
            String printable = Hostile.string(rnd).replaceAll("[\\u0000-\\u001f\\u007f-\\uffff]", "");
            String header = printable.length() > 2_000 ? printable.substring(0, 2_000) : printable;
            String project = Hostile.STRINGS.get(rnd.nextInt(Hostile.STRINGS.size()));
            call(verdicts, "GET project " + Hostile.abbreviate(project) + " as " + Hostile.abbreviate(header),
                    () -> request().header("Authorization", "Bearer " + header)
                            .get("/api/projects/{id}/", project.isEmpty() ? "1" : project));
            String body = Hostile.mutate(Hostile.json(map("personal_api_key", "phx_x", "query", map("kind", "HogQLQuery"))), rnd).toString();
            call(verdicts, "POST query with key in body " + Hostile.abbreviate(body),
                    () -> request().contentType("application/json").body(body).post(base + "/query/"));
            String op = Hostile.mutate(Hostile.json(map("name", "op", "timezone", "UTC", "scopes", List.of("*"),
                    "label", "l", "scoped_teams", List.of(team.id()), "persons", 1, "days", 1)), rnd).toString();
            call(verdicts, "POST admin/projects " + Hostile.abbreviate(op), () -> request().contentType("application/json")
                    .header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).body(op).post("/admin/projects"));
            call(verdicts, "POST admin/projects/:id/keys " + Hostile.abbreviate(op), () -> request().contentType("application/json")
                    .header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET).body(op)
                    .post("/admin/projects/{id}/keys", project.isEmpty() ? "x" : project));
        }
        verdicts.assertNone();
        assertTrue(Arrays.asList(401, 403).contains(request().header("Authorization", "Bearer phx_" + "a".repeat(4_000))
                .get(base + "/").statusCode()));
        // Past the HTTP layer's line and header limits (4 KB URL, 10 KiB headers as API Gateway) the HTTP
        // server answers 414/431 itself before Quarry sees the request: still a 4xx, never a 5xx or a hang.
        int longUrl = request().get(base + "/query/" + "x".repeat(10_000) + "/").statusCode();
        assertTrue(longUrl == 414 || longUrl == 400, "10 KB URL: " + longUrl);
        int bigHeader = request().header("Authorization", "Bearer phx_" + "a".repeat(20_000)).get(base + "/").statusCode();
        assertTrue(bigHeader == 431 || bigHeader == 400 || bigHeader == 413, "20 KB header: " + bigHeader);
    }
}
