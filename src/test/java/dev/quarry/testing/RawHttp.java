package dev.quarry.testing;

import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Requests to the test server sent with exactly the headers given (RestAssured adds a Content-Type of its own to any
 * body): for tests of what a missing or foreign Content-Type gets.
 */
public final class RawHttp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RawHttp() {
    }

    /**
     * Sends {@code method path} with {@code body} (none when null), a Bearer {@code key} and {@code contentType}
     * only when they are not null.
     */
    public static HttpResponse<String> send(String method, String path, String key, String contentType, String body)
            throws Exception {
        return sendBytes(method, path, key, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /** As {@link #send(String, String, String, String, String)}, with the body's bytes as given. */
    public static HttpResponse<String> sendBytes(String method, String path, String key, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
