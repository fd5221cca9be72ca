package dev.quarry.testing;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Sends events through the real capture endpoint, as an SDK would. */
public final class Capture {
    private final String token;
    private final List<Map<String, Object>> batch = new ArrayList<>();

    private Capture(String token) {
        this.token = token;
    }

    public static Capture to(TestProjects.Project project) {
        return new Capture(project.apiToken());
    }

    public Capture event(String event, String distinctId, String timestamp, Map<String, Object> properties) {
        Map<String, Object> e = new HashMap<>();
        e.put("event", event);
        e.put("distinct_id", distinctId);
        e.put("timestamp", timestamp);
        e.put("properties", properties);
        batch.add(e);
        return this;
    }

    public Capture event(String event, String distinctId, String timestamp) {
        return event(event, distinctId, timestamp, Map.of());
    }

    public void send() {
        given().contentType("application/json").body(Map.of("api_key", token, "batch", batch))
                .post("/batch/").then().statusCode(200);
        batch.clear();
    }
}
