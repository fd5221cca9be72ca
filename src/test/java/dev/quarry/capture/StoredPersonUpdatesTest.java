package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The event keeps its person updates as PostHog's ingestion stores them: {@code properties.$set} /
 * {@code $set_once} merged from the properties' and the top-level objects and completed with what PostHog derives
 * from the event (current values into {@code $set}, {@code $initial_*} into {@code $set_once}), {@code $unset} as
 * sent; none of the three on personless events. Property definitions never name the three keys. Requests carry the
 * SDKs' wire forms (posthog-node 5.x batch, gzip; posthog-js gzip-js on /e/).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StoredPersonUpdatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Pool pool;

    /**
     * posthog-node's {@code identify({distinctId, properties: {email, plan, $set_once: {signup_source}}})}: the SDK
     * moves the properties under {@code properties.$set} and {@code $set_once}, and adds {@code $lib},
     * {@code $is_server}, {@code $geoip_disable}. Nothing on the event is one PostHog copies onto persons, so the
     * stored objects are exactly the ones sent: $set {email, plan}, $set_once {signup_source}.
     */
    @Test
    void posthogNodeIdentifyKeepsItsSetAndSetOnce() throws Exception {
        Project project = TestProjects.create("Stored $set node");
        String body = """
                {"api_key":"%s","batch":[{"event":"$identify","distinct_id":"node-ann","type":"identify",\
                "library":"posthog-node","library_version":"5.70.0","uuid":"01900000-0000-7000-8000-0001000000a1",\
                "timestamp":"2026-03-02T10:00:00.000Z","properties":{"$set":{"email":"ann@example.com","plan":"pro"},\
                "$set_once":{"signup_source":"ads"},"$lib":"posthog-node","$lib_version":"5.70.0","$is_server":true,\
                "$geoip_disable":true}}],"sent_at":"2026-03-02T10:00:05.000Z"}"""
                .formatted(project.apiToken());
        post("/batch/", "application/json", gzip(body), "gzip");

        JsonNode stored = storedProperties(project, "$identify");
        assertEquals(JSON.readTree("{\"email\":\"ann@example.com\",\"plan\":\"pro\"}"), stored.get("$set"));
        assertEquals(JSON.readTree("{\"signup_source\":\"ads\"}"), stored.get("$set_once"));
        assertFalse(stored.has("$unset"));
        // what a HogQL user reads, and the person got the same values
        assertEquals(List.of(List.of("ann@example.com", "ads", "pro")), hogql(project,
                "select properties.$set.email, properties.$set_once.signup_source, person.properties.plan "
                        + "from events where event = '$identify'"));
        assertNoSetDefinitions(project);
        assertEquals(List.of("email", "plan", "signup_source"), personDefinitions(project));
    }

    /**
     * A posthog-js {@code $pageview} (gzip-js on /e/) of a visitor who first came from Google and now follows a
     * newsletter link, captured with {@code {$set: {utm_source: "partner", plan: "free"}}} as capture options: the SDK
     * sends that {@code $set} at the top level, with its first-touch {@code $set_once} (the {@code $initial_*} it
     * keeps), and the page's UTM parameters as properties — the absent ones ({@code utm_medium}, {@code gclid}) as
     * null, as posthog-js does.
     *
     * <p>Stored {@code $set}: the sent keys win (utm_source "partner", plan "free"), then each person-copied property
     * not named there, nulls included: $browser, $browser_version, $current_url, $pathname, $os, $referring_domain,
     * $referrer, utm_medium null, utm_campaign "spring", gclid null. Stored {@code $set_once}: the sent
     * $initial_utm_source "google" and $initial_referrer "https://www.google.com/" win, then $initial_* of every
     * non-null copied property: $initial_browser, $initial_browser_version, $initial_current_url, $initial_pathname,
     * $initial_os, $initial_referring_domain, $initial_utm_campaign (no $initial_utm_medium / $initial_gclid: null).
     */
    @Test
    void posthogJsPageviewWithUtmKeysStoresMergedAndDerivedUpdates() throws Exception {
        Project project = TestProjects.create("Stored $set js");
        String url = "https://shop.test/?utm_source=newsletter&utm_campaign=spring";
        String body = """
                [{"uuid":"01900000-0000-7000-8000-0002000000b1","event":"$pageview","properties":{"$os":"Mac OS X",\
                "$browser":"Chrome","$browser_version":131,"$current_url":"%s","$host":"shop.test","$pathname":"/",\
                "$referrer":"$direct","$referring_domain":"$direct","utm_source":"newsletter","utm_medium":null,\
                "utm_campaign":"spring","gclid":null,"$lib":"web","$lib_version":"1.449.2","distinct_id":"js-visitor",\
                "$device_id":"js-visitor","token":"%s"},"$set":{"utm_source":"partner","plan":"free"},\
                "$set_once":{"$initial_utm_source":"google","$initial_referrer":"https://www.google.com/"},\
                "timestamp":"2026-03-02T10:00:00.000Z"}]""".formatted(url, project.apiToken());
        post("/e/?ip=0&_=1772445600000&ver=1.449.2", "text/plain", gzip(body), null);

        JsonNode stored = storedProperties(project, "$pageview");
        assertEquals(JSON.readTree("""
                {"utm_source":"partner","plan":"free","$browser":"Chrome","$browser_version":131,\
                "$current_url":"%s","$pathname":"/","$os":"Mac OS X","$referring_domain":"$direct",\
                "$referrer":"$direct","utm_medium":null,"utm_campaign":"spring","gclid":null}""".formatted(url)),
                stored.get("$set"));
        assertEquals(JSON.readTree("""
                {"$initial_utm_source":"google","$initial_referrer":"https://www.google.com/",\
                "$initial_browser":"Chrome","$initial_browser_version":131,"$initial_current_url":"%s",\
                "$initial_pathname":"/","$initial_os":"Mac OS X","$initial_referring_domain":"$direct",\
                "$initial_utm_campaign":"spring"}""".formatted(url)), stored.get("$set_once"));
        // the event's own properties are still as sent
        assertEquals("newsletter", stored.get("utm_source").asText());

        assertEquals(List.of(List.of("partner", "google", "spring", "partner", "google")), hogql(project,
                "select properties.$set.utm_source, properties.$set_once.$initial_utm_source, "
                        + "properties.$set_once.$initial_utm_campaign, person.properties.utm_source, "
                        + "person.properties.$initial_utm_source from events where event = '$pageview'"));
        // the person holds what the stored objects say (keys the event does not write stay unknown)
        JsonNode person = personProperties(project, "js-visitor");
        stored.get("$set").fields().forEachRemaining(f -> assertEquals(f.getValue(), person.get(f.getKey()), f.getKey()));
        stored.get("$set_once").fields().forEachRemaining(f ->
                assertEquals(f.getValue(), person.get(f.getKey()), f.getKey()));
        assertNoSetDefinitions(project);
    }

    /**
     * {@code properties.$unset} is stored as sent; a personless event ({@code $process_person_profile: false}) and
     * {@code $groupidentify} keep none of the three (PostHog deletes them there), though their other properties stay.
     */
    @Test
    void unsetIsKeptAndPersonlessEventsKeepNone() throws Exception {
        Project project = TestProjects.create("Stored $unset");
        String body = """
                {"api_key":"%s","batch":[\
                {"event":"$set","distinct_id":"u1","uuid":"01900000-0000-7000-8000-0003000000c1",\
                "timestamp":"2026-03-02T10:00:00.000Z","properties":{"$set":{"plan":"pro","seats":3}}},\
                {"event":"$set","distinct_id":"u1","uuid":"01900000-0000-7000-8000-0003000000c2",\
                "timestamp":"2026-03-02T10:01:00.000Z","properties":{"$unset":["seats"]}},\
                {"event":"quiet","distinct_id":"u2","uuid":"01900000-0000-7000-8000-0003000000c3",\
                "timestamp":"2026-03-02T10:02:00.000Z","properties":{"$process_person_profile":false,\
                "$set":{"plan":"x"},"$current_url":"https://a.test/","$unset":["plan"]}},\
                {"event":"$groupidentify","distinct_id":"u1","uuid":"01900000-0000-7000-8000-0003000000c4",\
                "timestamp":"2026-03-02T10:03:00.000Z","properties":{"$group_type":"company","$group_key":"acme",\
                "$group_set":{"name":"Acme"},"$set":{"plan":"y"}}}\
                ],"sent_at":"2026-03-02T10:05:00.000Z"}""".formatted(project.apiToken());
        post("/batch/", "application/json", body.getBytes(StandardCharsets.UTF_8), null);

        JsonNode unsetEvent = storedProperties(project, "$set", "01900000-0000-7000-8000-0003000000c2");
        assertEquals(JSON.readTree("[\"seats\"]"), unsetEvent.get("$unset"));
        assertFalse(unsetEvent.has("$set"));
        assertEquals(JSON.readTree("{\"plan\":\"pro\"}"), personProperties(project, "u1"));
        JsonNode quiet = storedProperties(project, "quiet");
        assertFalse(quiet.has("$set") || quiet.has("$set_once") || quiet.has("$unset"), quiet.toString());
        assertEquals("https://a.test/", quiet.get("$current_url").asText());
        JsonNode group = storedProperties(project, "$groupidentify");
        assertFalse(group.has("$set") || group.has("$set_once"), group.toString());
        // a JSON array property reads as its JSON text, as in PostHog
        assertEquals(List.of(List.of("[\"seats\"]")), hogql(project,
                "select properties.$unset from events where uuid = '01900000-0000-7000-8000-0003000000c2'"));
        assertNoSetDefinitions(project);
    }

    private void assertNoSetDefinitions(Project project) {
        assertEquals(0L, pool.preparedQuery("SELECT count(*) FROM property_definitions WHERE team_id = $1 "
                        + "AND name IN ('$set', '$set_once', '$unset')").execute(Tuple.of(project.id()))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0));
        assertEquals(0L, pool.preparedQuery("SELECT count(*) FROM event_properties WHERE team_id = $1 "
                        + "AND property IN ('$set', '$set_once', '$unset')").execute(Tuple.of(project.id()))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0));
    }

    private List<String> personDefinitions(Project project) {
        List<String> names = new java.util.ArrayList<>();
        pool.preparedQuery("SELECT name FROM property_definitions WHERE team_id = $1 AND type = 2 ORDER BY name")
                .execute(Tuple.of(project.id())).await().atMost(Duration.ofSeconds(10))
                .forEach(row -> names.add(row.getString(0)));
        return names;
    }

    private JsonNode storedProperties(Project project, String event) throws IOException {
        Row row = pool.preparedQuery("SELECT properties::text FROM events WHERE team_id = $1 AND event = $2")
                .execute(Tuple.of(project.id(), event)).await().atMost(Duration.ofSeconds(10)).iterator().next();
        return JSON.readTree(row.getString(0));
    }

    private JsonNode storedProperties(Project project, String event, String uuid) throws IOException {
        Row row = pool.preparedQuery("SELECT properties::text FROM events WHERE team_id = $1 AND event = $2 "
                        + "AND uuid = $3::uuid").execute(Tuple.of(project.id(), event, uuid))
                .await().atMost(Duration.ofSeconds(10)).iterator().next();
        return JSON.readTree(row.getString(0));
    }

    private JsonNode personProperties(Project project, String distinctId) throws IOException {
        Row row = pool.preparedQuery("SELECT p.properties::text FROM persons p JOIN person_distinct_ids d "
                        + "ON d.team_id = p.team_id AND d.person_id = p.uuid WHERE d.team_id = $1 AND d.distinct_id = $2")
                .execute(Tuple.of(project.id(), distinctId)).await().atMost(Duration.ofSeconds(10)).iterator().next();
        return JSON.readTree(row.getString(0));
    }

    private static List<List<Object>> hogql(Project project, String query) {
        return given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query", query), "refresh", "force_blocking"))
                .post("/api/projects/" + project.id() + "/query/").then().log().ifValidationFails().statusCode(200)
                .extract().path("results");
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static void post(String path, String contentType, byte[] body, String contentEncoding)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + path))
                .header("Content-Type", contentType).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentEncoding != null) {
            request.header("Content-Encoding", contentEncoding);
        }
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }
}
