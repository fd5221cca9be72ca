package dev.quarry.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The REST API (payload 1.0) → HTTP API (payload 2.0) event rewrite, field by field, without Quarkus. */
class RestApiEventsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void restEventBecomesTheSameRequestInTheTwoPointZeroShape() throws Exception {
        JsonNode rest = MAPPER.readTree("""
                {"resource": "/e", "path": "/e/", "httpMethod": "POST",
                 "headers": {"Content-Type": "text/plain", "X-Forwarded-For": "203.0.113.9, 10.0.0.1"},
                 "multiValueHeaders": {"Content-Type": ["text/plain"], "X-Forwarded-For": ["203.0.113.9", "10.0.0.1"],
                                       "Cookie": ["a=1; b=2"]},
                 "queryStringParameters": {"compression": "gzip-js", "q": "a b+c&d"},
                 "multiValueQueryStringParameters": {"compression": ["gzip-js"], "q": ["a b+c&d"], "v": ["1", "2"]},
                 "pathParameters": null, "stageVariables": null,
                 "requestContext": {"httpMethod": "POST", "path": "/capture/e/", "stage": "capture", "apiId": "abc123",
                                    "requestId": "r-1", "requestTime": "02/Mar/2026:10:00:00 +0000",
                                    "requestTimeEpoch": 1772445600000, "protocol": "HTTP/1.1",
                                    "identity": {"sourceIp": "203.0.113.9", "userAgent": "Mozilla/5.0"}},
                 "body": "H4sIAAAAAAAAA6uuBQBDv6ajAgAAAA==", "isBase64Encoded": true}
                """);
        assertTrue(RestApiEvents.isRestApiEvent(rest));
        JsonNode v2 = RestApiEvents.toHttpApiEvent(rest);
        assertEquals("2.0", v2.get("version").asText());
        assertEquals("/e/", v2.get("rawPath").asText());
        assertEquals("POST /e", v2.get("routeKey").asText());
        assertEquals("compression=gzip-js&q=a%20b%2Bc%26d&v=1&v=2", v2.get("rawQueryString").asText());
        assertEquals("1,2", v2.get("queryStringParameters").get("v").asText());
        assertEquals("text/plain", v2.get("headers").get("content-type").asText());
        assertEquals("203.0.113.9,10.0.0.1", v2.get("headers").get("x-forwarded-for").asText());
        assertEquals("a=1; b=2", v2.get("headers").get("cookie").asText());
        assertEquals("POST", v2.get("requestContext").get("http").get("method").asText());
        assertEquals("/e/", v2.get("requestContext").get("http").get("path").asText());
        assertEquals("203.0.113.9", v2.get("requestContext").get("http").get("sourceIp").asText());
        assertEquals("Mozilla/5.0", v2.get("requestContext").get("http").get("userAgent").asText());
        assertEquals(1772445600000L, v2.get("requestContext").get("timeEpoch").asLong());
        assertEquals("H4sIAAAAAAAAA6uuBQBDv6ajAgAAAA==", v2.get("body").asText());
        assertTrue(v2.get("isBase64Encoded").asBoolean());
        assertFalse(RestApiEvents.isRestApiEvent(v2), "a 2.0 event is left alone");
    }

    @Test
    void noQueryNoBody() throws Exception {
        JsonNode rest = MAPPER.readTree("""
                {"resource": "/track", "path": "/track", "httpMethod": "POST", "headers": {"Host": "h"},
                 "multiValueHeaders": {"Host": ["h"]}, "queryStringParameters": null,
                 "multiValueQueryStringParameters": null, "requestContext": {"identity": {}},
                 "body": null, "isBase64Encoded": false}
                """);
        JsonNode v2 = RestApiEvents.toHttpApiEvent(rest);
        assertEquals("", v2.get("rawQueryString").asText());
        assertFalse(v2.has("queryStringParameters"));
        assertFalse(v2.has("body"));
        assertFalse(v2.get("isBase64Encoded").asBoolean());
    }
}
