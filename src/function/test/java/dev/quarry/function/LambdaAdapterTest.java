package dev.quarry.function;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The function build (-Pfunction; run by the default build's {@code ./mvnw test}, see pom.xml): API Gateway HTTP API
 * payload 2.0 events, and the REST API (payload 1.0) events that the capture routes receive (template.yaml,
 * CaptureApi), shaped as API Gateway delivers them, are handed to the packaged Lambda handler through the Lambda
 * runtime API that Quarkus's test mode serves ({@code POST /_lambda_} queues one raw event and answers the handler's
 * raw response), and the handler's API Gateway response is checked field by field.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class LambdaAdapterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The project API token the SDK request fixtures (src/test/resources/capture-fixtures) were made with. */
    private static final String FIXTURE_TOKEN = "phc_fixtureToken00000000000000000000000000";
    /** What a REST API Lambda proxy response may hold; any other field is "Malformed Lambda proxy response" (502). */
    private static final Set<String> REST_RESPONSE_FIELDS =
            Set.of("statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded");
    private static Project project;

    @Inject
    Pool pool;

    @BeforeEach
    void project() {
        // The function build has no HTTP server: every call goes to the test-mode Lambda runtime API's port.
        RestAssured.port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
        if (project == null) {
            project = TestProjects.create("Lambda adapter");
            // The project captures under the fixtures' token, so the SDKs' exact bytes land in it.
            pool.preparedQuery("UPDATE teams SET api_token = $1 WHERE id = $2")
                    .execute(Tuple.of(FIXTURE_TOKEN, project.id())).await().atMost(Duration.ofSeconds(10));
        }
    }

    // ---- REST API (payload 1.0) events: the capture routes, BinaryMediaTypes '*/*' so every body is base64 -------

    /** posthog-node's default through the REST API: gzip labelled application/json, base64 in the event; a retry. */
    @Test
    void restApiGzipBatchLabelledJson() throws IOException {
        byte[] gzip = fixture("posthog-node.json.gz");
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Content-Encoding", "gzip",
                "User-Agent", "posthog-node/5.70.0", "Accept", "*/*");
        JsonNode response = invoke(restEvent("POST", "/batch", "/batch/", Map.of(), headers, gzip));
        assertRestResponse(response);
        assertEquals(1, MAPPER.readTree(body(response)).get("status").asInt());
        assertEquals(3, count("fixture node"));
        assertEquals(3, count("fixture node", "properties.plan = 'café ✓'"));

        // The SDK's retry, to /batch without the slash as the Java SDK sends it: same uuids, nothing new.
        assertRestResponse(invoke(restEvent("POST", "/batch", "/batch", Map.of(),
                Map.of("Content-Type", "application/json; charset=utf-8", "Content-Encoding", "gzip"), gzip)));
        assertEquals(3, count("fixture node"));
    }

    /** posthog-js gzip-js: text/plain raw gzip, with its query string (which the event carries decoded). */
    @Test
    void restApiPosthogJsGzipJs() throws IOException {
        JsonNode response = invoke(restEvent("POST", "/e", "/e/",
                Map.of("compression", "gzip-js", "ip", "0", "_", "1772445600000", "ver", "1.449.2"),
                Map.of("Content-Type", "text/plain", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
                fixture("posthog-js-gzip-js.bin")));
        assertRestResponse(response);
        assertEquals(4, count("fixture js gzip"));
        assertEquals(4, count("fixture js gzip", "properties.title = 'Préférences — ✓ “quoted”'"));
    }

    /** posthog-js base64 mode: a ~31 KB form body {@code data=<urlencoded base64>} with ?compression=base64. */
    @Test
    void restApiBase64Form() throws IOException {
        JsonNode response = invoke(restEvent("POST", "/e", "/e/",
                Map.of("compression", "base64", "ip", "0", "_", "1772445600000", "ver", "1.449.2"),
                Map.of("Content-Type", "application/x-www-form-urlencoded"), fixture("posthog-js-base64.form")));
        assertRestResponse(response);
        assertEquals(60, count("fixture js base64"));
    }

    /** Uncompressed JSON (posthog-python's default) to /capture/: base64 in the event too, under '*' + '/*'. */
    @Test
    void restApiPlainJson() throws IOException {
        byte[] json = batch("lambda rest plain", "py-1", "py-2").getBytes(StandardCharsets.UTF_8);
        JsonNode response = invoke(restEvent("POST", "/capture", "/capture/", Map.of(),
                Map.of("Content-Type", "application/json", "User-Agent", "posthog-python/6.7.0"), json));
        assertRestResponse(response);
        assertEquals(2, count("lambda rest plain"));
    }

    /**
     * A gateway that decompressed the body (a REST API with compression enabled does) but passed
     * {@code Content-Encoding: gzip} on: the plain JSON is read as it is, not refused as broken gzip.
     */
    @Test
    void restApiBodyAlreadyDecompressedButLabelledGzip() throws IOException {
        byte[] json = batch("lambda rest decompressed", "gw-1").getBytes(StandardCharsets.UTF_8);
        JsonNode response = invoke(restEvent("POST", "/batch", "/batch/", Map.of(),
                Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"), json));
        assertRestResponse(response);
        assertEquals(1, count("lambda rest decompressed"));
    }

    /** A REST API request outside the capture group still gets the function's PostHog 404, in the REST shape. */
    @Test
    void restApiUnknownRouteIsAPostHogError() throws IOException {
        JsonNode response = invoke(restEvent("POST", "/batch", "/no-such-route", Map.of(),
                Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(REST_RESPONSE_FIELDS.containsAll(fieldNames(response)), response.toString());
        assertEquals(404, response.get("statusCode").asInt(), response.toString());
    }

    private static void assertRestResponse(JsonNode response) throws IOException {
        assertTrue(REST_RESPONSE_FIELDS.containsAll(fieldNames(response)), "REST proxy response fields: " + response);
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals("{\"status\":1}", body(response));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * An API Gateway REST API Lambda proxy request event (payload format 1.0) as AWS documents it ("Input format of a
     * Lambda function for proxy integration"): headers as sent (case kept) in {@code headers} and
     * {@code multiValueHeaders}, query parameters decoded, the path without the stage, and the body base64-encoded
     * because the API's BinaryMediaTypes is {@code '*' + '/*'}.
     */
    private static ObjectNode restEvent(String method, String resource, String path, Map<String, String> query,
                                        Map<String, String> headers, byte[] body) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("resource", resource);
        event.put("path", path);
        event.put("httpMethod", method);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "abc123.execute-api.eu-west-1.amazonaws.com");
        all.put("X-Forwarded-For", "203.0.113.9");
        all.put("X-Forwarded-Port", "443");
        all.put("X-Forwarded-Proto", "https");
        all.putAll(headers);
        ObjectNode single = event.putObject("headers");
        ObjectNode multi = event.putObject("multiValueHeaders");
        all.forEach((name, value) -> {
            single.put(name, value);
            multi.putArray(name).add(value);
        });
        if (query.isEmpty()) {
            event.putNull("queryStringParameters");
            event.putNull("multiValueQueryStringParameters");
        } else {
            ObjectNode params = event.putObject("queryStringParameters");
            ObjectNode multiParams = event.putObject("multiValueQueryStringParameters");
            query.forEach((name, value) -> {
                params.put(name, value);
                multiParams.putArray(name).add(value);
            });
        }
        event.putNull("pathParameters");
        event.putNull("stageVariables");
        ObjectNode context = event.putObject("requestContext");
        context.put("resourceId", "a1b2c3");
        context.put("resourcePath", resource);
        context.put("httpMethod", method);
        context.put("extendedRequestId", "BQGojGkqoAMFdQA=");
        context.put("requestTime", "02/Mar/2026:10:00:00 +0000");
        context.put("path", "/ingest" + path);
        context.put("accountId", "123456789012");
        context.put("protocol", "HTTP/1.1");
        context.put("stage", "ingest");
        context.put("domainPrefix", "abc123");
        context.put("requestTimeEpoch", 1772445600000L);
        context.put("requestId", UUID.randomUUID().toString());
        ObjectNode identity = context.putObject("identity");
        identity.putNull("cognitoIdentityPoolId");
        identity.putNull("accountId");
        identity.putNull("caller");
        identity.put("sourceIp", "203.0.113.9");
        identity.put("userAgent", headers.getOrDefault("User-Agent", "test"));
        identity.putNull("user");
        context.put("domainName", "abc123.execute-api.eu-west-1.amazonaws.com");
        context.put("deploymentId", "d1e2f3");
        context.put("apiId", "abc123");
        event.put("body", Base64.getEncoder().encodeToString(body));
        event.put("isBase64Encoded", true);
        return event;
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = LambdaAdapterTest.class.getResourceAsStream("/capture-fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }

    // ---- HTTP API (payload 2.0) events: every other route ---------------------------------------------------------

    /** posthog-node's default: gzip JSON labelled application/json; API Gateway base64-encodes the bytes. */
    @Test
    void gzipBatchLabelledJsonArrivesBase64Encoded() throws IOException {
        byte[] body = gzip(batch("lambda gzip", "node-1", "node-2").getBytes(StandardCharsets.UTF_8));
        JsonNode response = invoke(event("POST", "/batch/", "",
                Map.of("content-type", "application/json", "content-encoding", "gzip", "user-agent", "posthog-node/5.70.0"),
                Base64.getEncoder().encodeToString(body), true));
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals(1, MAPPER.readTree(body(response)).get("status").asInt());
        assertEquals(2, count("lambda gzip"));

        // The SDK's retry of the same batch: same uuids, nothing new.
        assertEquals(200, invoke(event("POST", "/batch", "",
                Map.of("content-type", "application/json; charset=utf-8", "content-encoding", "gzip"),
                Base64.getEncoder().encodeToString(body), true)).get("statusCode").asInt());
        assertEquals(2, count("lambda gzip"));
    }

    /**
     * A method the route does not take is DRF's 405 with {@code Allow} in the function too, whose routes come from its
     * committed copy of the OpenAPI document (the function is built without the OpenAPI extension).
     */
    @Test
    void aWrongMethodIsA405WithAllow() throws IOException {
        JsonNode response = invoke(event("POST", "/api/environments/" + project.id() + "/persons/", "",
                Map.of("content-type", "application/json", "authorization", "Bearer " + project.key()), "{}", false));
        assertEquals(405, response.get("statusCode").asInt(), response.toString());
        String allow = null;
        for (var header : (Iterable<java.util.Map.Entry<String, JsonNode>>) () -> response.get("headers").fields()) {
            if (header.getKey().equalsIgnoreCase("allow")) {
                allow = header.getValue().asText();
            }
        }
        assertEquals("GET, HEAD, OPTIONS", allow, response.toString());
        assertEquals("method_not_allowed", MAPPER.readTree(body(response)).get("code").asText());
        // as DRF: the key is checked first, and a literal action's path is not given to the persons/:id route
        JsonNode noKey = invoke(event("POST", "/api/environments/" + project.id() + "/persons/", "",
                Map.of("content-type", "application/json"), "{}", false));
        assertEquals(401, noKey.get("statusCode").asInt(), noKey.toString());
        JsonNode funnel = invoke(event("DELETE", "/api/environments/" + project.id() + "/persons/funnel/", "",
                Map.of("authorization", "Bearer " + project.key()), null, false));
        assertEquals(405, funnel.get("statusCode").asInt(), funnel.toString());
        assertEquals("method_not_allowed", MAPPER.readTree(body(funnel)).get("code").asText());
        JsonNode keyInBody = invoke(event("PATCH", "/api/environments/" + project.id() + "/persons/values/", "",
                Map.of("content-type", "application/json"), "{\"personal_api_key\": \"" + project.key() + "\"}", false));
        assertEquals(405, keyInBody.get("statusCode").asInt(), keyInBody.toString());
    }

    /** A JSON body as text (isBase64Encoded false), how API Gateway passes an uncompressed JSON request. */
    @Test
    void textJsonBody() throws IOException {
        JsonNode response = invoke(event("POST", "/e/", "", Map.of("content-type", "application/json"),
                batch("lambda text", "js-1"), false));
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals(1, count("lambda text"));
    }

    /** posthog-js's base64 mode: a form body {@code data=<urlencoded base64>}, in both of API Gateway's encodings. */
    @Test
    void formBodyBase64EncodedAndAsText() throws IOException {
        String json = batch("lambda form", "form-1", "form-2", "form-3");
        String form = "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("content-type", "application/x-www-form-urlencoded");
        JsonNode asText = invoke(event("POST", "/e/", "compression=base64&ver=1.449.2", headers, form, false));
        assertEquals(200, asText.get("statusCode").asInt(), asText.toString());
        JsonNode asBase64 = invoke(event("POST", "/e/", "compression=base64&ver=1.449.2", headers,
                Base64.getEncoder().encodeToString(form.getBytes(StandardCharsets.UTF_8)), true));
        assertEquals(200, asBase64.get("statusCode").asInt(), asBase64.toString());
        assertEquals(3, count("lambda form"));
    }

    /**
     * A response near Lambda's 6 MB limit: one a little under it is delivered whole; one over it becomes PostHog's
     * 400 {@code response_too_large} telling the caller to page or go async (the runtime would refuse it and API
     * Gateway would answer a bare 500).
     */
    @Test
    void responsesNearTheSixMegabyteLimit() throws IOException {
        capture("lambda big", "big-1");
        JsonNode under = invoke(query("select " + inflated(5_800_000) + " from events where event = 'lambda big'"));
        assertEquals(200, under.get("statusCode").asInt());
        String text = body(under);
        assertTrue(text.length() > 5_800_000, "length " + text.length());
        assertEquals(5_800_000, MAPPER.readTree(text).get("results").get(0).get(0).asText().length());

        JsonNode over = invoke(query("select " + inflated(6_400_000) + " from events where event = 'lambda big'"));
        assertEquals(400, over.get("statusCode").asInt());
        JsonNode error = MAPPER.readTree(body(over));
        assertEquals("invalid_request", error.get("type").asText());
        assertEquals("response_too_large", error.get("code").asText());
        assertTrue(error.get("detail").asText().contains("Ask for less"), error.toString());
        assertFalse(body(over).contains("_lambda_"));
    }

    /** An HogQL expression whose value is {@code n} letters, built in PostgreSQL (n a multiple of 10,000). */
    private static String inflated(int n) {
        return "replaceAll(replaceAll('" + "a".repeat(n / 10_000) + "', 'a', '" + "a".repeat(100) + "'), 'a', '"
                + "a".repeat(100) + "')";
    }

    private long count(String eventName) throws IOException {
        return count(eventName, "true");
    }

    /** The project's events of that name matching a HogQL condition. */
    private long count(String eventName, String where) throws IOException {
        JsonNode response = invoke(query("select count() from events where event = '" + eventName + "' and " + where));
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        return MAPPER.readTree(body(response)).get("results").get(0).get(0).asLong();
    }

    private ObjectNode query(String hogql) throws IOException {
        ObjectNode body = MAPPER.createObjectNode();
        body.putObject("query").put("kind", "HogQLQuery").put("query", hogql);
        body.put("refresh", "force_blocking");
        return event("POST", "/api/environments/" + project.id() + "/query/", "",
                Map.of("content-type", "application/json", "authorization", "Bearer " + project.key()),
                MAPPER.writeValueAsString(body), false);
    }

    private void capture(String eventName, String... distinctIds) throws IOException {
        JsonNode response = invoke(event("POST", "/batch/", "", Map.of("content-type", "application/json"),
                batch(eventName, distinctIds), false));
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
    }

    private static String batch(String eventName, String... distinctIds) throws IOException {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("api_key", FIXTURE_TOKEN);
        body.put("sent_at", "2026-03-02T10:00:01.000Z");
        var batch = body.putArray("batch");
        for (String distinctId : distinctIds) {
            ObjectNode event = batch.addObject();
            event.put("event", eventName);
            event.put("distinct_id", distinctId);
            event.put("uuid", UUID.nameUUIDFromBytes((eventName + distinctId).getBytes(StandardCharsets.UTF_8)).toString());
            event.put("timestamp", "2026-03-02T10:00:00.000Z");
            event.putObject("properties").put("$lib", "posthog-node");
        }
        return MAPPER.writeValueAsString(body);
    }

    /** An API Gateway HTTP API (payload format 2.0) request event, as documented by AWS. */
    private static ObjectNode event(String method, String path, String query, Map<String, String> headers, String body,
                                    boolean base64) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", query);
        ObjectNode h = event.putObject("headers");
        h.put("host", "abc123.execute-api.eu-west-1.amazonaws.com");
        h.put("x-forwarded-proto", "https");
        headers.forEach(h::put);
        if (!query.isEmpty()) {
            ObjectNode params = event.putObject("queryStringParameters");
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012");
        context.put("apiId", "abc123");
        context.put("domainName", "abc123.execute-api.eu-west-1.amazonaws.com");
        context.put("domainPrefix", "abc123");
        ObjectNode http = context.putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", "203.0.113.9");
        http.put("userAgent", headers.getOrDefault("user-agent", "test"));
        context.put("requestId", UUID.randomUUID().toString());
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("time", "02/Mar/2026:10:00:00 +0000");
        context.put("timeEpoch", 1772445600000L);
        event.put("body", body);
        event.put("isBase64Encoded", base64);
        return event;
    }

    /** Hands one event to the function through the test-mode Lambda runtime API and returns its raw response. */
    private static JsonNode invoke(ObjectNode event) throws IOException {
        String raw = given().contentType("application/json").body(MAPPER.writeValueAsString(event))
                .post("/_lambda_").then().statusCode(200).extract().asString();
        return MAPPER.readTree(raw);
    }

    private static String body(JsonNode response) {
        String body = response.path("body").asText("");
        return response.path("isBase64Encoded").asBoolean(false)
                ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(raw);
        }
        return out.toByteArray();
    }
}
