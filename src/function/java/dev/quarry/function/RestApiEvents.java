package dev.quarry.function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * API Gateway REST API (Lambda proxy integration, payload format 1.0) request events rewritten as HTTP API payload
 * 2.0 events, the only shape Quarkus's amazon-lambda-http handler reads. The capture routes sit on a REST API because
 * only a REST API can be told to hand every body over base64-encoded ({@code BinaryMediaTypes: ['*'+'/*']}, README
 * "Serving"); everything else about the request is carried across unchanged:
 * <ul>
 *   <li>{@code httpMethod}, {@code path} (without the stage) → {@code requestContext.http.method}, {@code rawPath};</li>
 *   <li>{@code multiValueHeaders} (or {@code headers}) → {@code headers}, names lower-cased and repeated values
 *       joined with commas, as payload 2.0 does;</li>
 *   <li>{@code multiValueQueryStringParameters} (decoded by API Gateway) → {@code rawQueryString}, encoded again, and
 *       {@code queryStringParameters} joined with commas;</li>
 *   <li>{@code body} and {@code isBase64Encoded} as they are; the source IP and user agent from
 *       {@code requestContext.identity}.</li>
 * </ul>
 * Event shapes: "Input format of a Lambda function for proxy integration" (set-up-lambda-proxy-integrations.html) and
 * "Create AWS Lambda proxy integrations for HTTP APIs" (http-api-develop-integrations-lambda.html).
 */
public final class RestApiEvents {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RestApiEvents() {
    }

    /** A REST API proxy event names its method at the top ({@code httpMethod}); a payload 2.0 event never does. */
    public static boolean isRestApiEvent(JsonNode event) {
        return event != null && event.isObject() && event.path("httpMethod").isTextual()
                && !event.path("requestContext").has("http");
    }

    /** The payload 2.0 event carrying the same request as the REST API (payload 1.0) event {@code rest}. */
    public static ObjectNode toHttpApiEvent(JsonNode rest) {
        String method = rest.path("httpMethod").asText();
        String path = rest.path("path").asText("/");
        JsonNode context = rest.path("requestContext");
        JsonNode identity = context.path("identity");

        ObjectNode event = NODES.objectNode();
        event.put("version", "2.0");
        event.put("routeKey", method + " " + rest.path("resource").asText(path));
        event.put("rawPath", path);
        event.put("rawQueryString", rawQueryString(rest));
        ObjectNode headers = event.putObject("headers");
        joined(rest.path("multiValueHeaders"), rest.path("headers"), true).forEach(headers::put);
        Map<String, String> query = joined(rest.path("multiValueQueryStringParameters"),
                rest.path("queryStringParameters"), false);
        if (!query.isEmpty()) {
            ObjectNode parameters = event.putObject("queryStringParameters");
            query.forEach(parameters::put);
        }
        copyObject(rest, "pathParameters", event);
        copyObject(rest, "stageVariables", event);

        ObjectNode requestContext = event.putObject("requestContext");
        for (String field : List.of("accountId", "apiId", "domainName", "domainPrefix", "requestId", "stage")) {
            if (context.hasNonNull(field)) {
                requestContext.set(field, context.get(field));
            }
        }
        requestContext.put("routeKey", event.get("routeKey").asText());
        if (context.hasNonNull("requestTime")) {
            requestContext.set("time", context.get("requestTime"));
        }
        if (context.hasNonNull("requestTimeEpoch")) {
            requestContext.set("timeEpoch", context.get("requestTimeEpoch"));
        }
        ObjectNode http = requestContext.putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", context.path("protocol").asText("HTTP/1.1"));
        http.put("sourceIp", identity.path("sourceIp").asText("0.0.0.0"));
        http.put("userAgent", identity.path("userAgent").asText(headers.path("user-agent").asText("")));

        JsonNode body = rest.get("body");
        if (body != null && !body.isNull()) {
            event.set("body", body);
        }
        event.put("isBase64Encoded", rest.path("isBase64Encoded").asBoolean(false));
        return event;
    }

    /**
     * Name → value, from the multi-value map when there is one (values joined with commas) else the single-value
     * map; header names lower-cased (HTTP header names are case-insensitive; payload 2.0 lower-cases them).
     */
    private static Map<String, String> joined(JsonNode multi, JsonNode single, boolean headerNames) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode source = multi.isObject() && multi.size() > 0 ? multi : single;
        if (!source.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            String name = headerNames ? field.getKey().toLowerCase(Locale.ROOT) : field.getKey();
            List<String> values = values(field.getValue());
            String value = String.join(",", values);
            out.merge(name, value, (a, b) -> a + "," + b);
        }
        return out;
    }

    private static List<String> values(JsonNode value) {
        List<String> values = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> values.add(v.asText()));
        } else if (!value.isNull() && !value.isMissingNode()) {
            values.add(value.asText());
        }
        return values;
    }

    /** The query string as sent, rebuilt from the decoded parameters API Gateway hands over (order kept). */
    private static String rawQueryString(JsonNode rest) {
        JsonNode multi = rest.path("multiValueQueryStringParameters");
        JsonNode source = multi.isObject() && multi.size() > 0 ? multi : rest.path("queryStringParameters");
        if (!source.isObject()) {
            return "";
        }
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            for (String value : values(field.getValue())) {
                if (query.length() > 0) {
                    query.append('&');
                }
                query.append(encode(field.getKey())).append('=').append(encode(value));
            }
        }
        return query.toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void copyObject(JsonNode from, String field, ObjectNode to) {
        if (from.path(field).isObject()) {
            to.set(field, from.get(field));
        }
    }
}
