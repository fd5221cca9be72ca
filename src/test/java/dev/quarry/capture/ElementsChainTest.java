package dev.quarry.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * posthog-js's autocapture with its remote config's {@code elementsChainAsString}: the chain arrives as the string
 * property {@code $elements_chain} (here the bytes posthog-js 1.x sent for a click on {@code <button id="b">Buy</button>}
 * under jsdom, to {@code /i/v0/e/?compression=gzip-js} as text/plain), and capture moves it into the events'
 * {@code elements_chain} column as PostHog's ingestion does (getElementsChain): the property is gone, no definition is
 * recorded for it, HogQL and the events API read the column, a re-sent copy replaces it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ElementsChainTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String CHAIN = "button:attr__id=\"b\"attr_id=\"b\"nth-child=\"1\"nth-of-type=\"1\"text=\"Buy\";"
            + "body:nth-child=\"2\"nth-of-type=\"1\"";

    @Inject
    Pool pool;

    private static void send(Project project, UUID uuid, Object chain, String at) throws Exception {
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("token", project.apiToken(),
                "distinct_id", "js-user", "$event_type", "click", "$lib", "web", "$lib_version", "1.300.0",
                "$current_url", "http://localhost:5173/shop"));
        properties.put("$elements_chain", chain);
        byte[] body = CaptureEndpointsTest.gzip(MAPPER.writeValueAsBytes(List.of(Map.of("uuid", uuid.toString(),
                "event", "$autocapture", "properties", properties, "timestamp", at))));
        given().contentType("text/plain").body(body)
                .post("/i/v0/e/?ip=0&_=" + System.currentTimeMillis() + "&ver=1.300.0&compression=gzip-js")
                .then().statusCode(200).body("status", equalTo(1));
    }

    private Row stored(Project project, UUID uuid) {
        return pool.preparedQuery("SELECT elements_chain, properties ? '$elements_chain' FROM events "
                + "WHERE team_id = $1 AND uuid = $2").execute(Tuple.of(project.id(), uuid)).await().indefinitely()
                .iterator().next();
    }

    @Test
    void theChainIsTheColumnNotAProperty() throws Exception {
        Project project = TestProjects.create("Elements chain");
        UUID click = UUID.randomUUID();
        String at = Instant.now().minus(1, ChronoUnit.HOURS).toString();
        send(project, click, CHAIN, at);
        Row row = stored(project, click);
        assertEquals(CHAIN, row.getString(0));
        assertEquals(false, row.getBoolean(1));
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query",
                        "select elements_chain from events where event = '$autocapture'")))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(200)
                .body("results[0][0]", equalTo(CHAIN));
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/environments/" + project.id() + "/events/").then().statusCode(200)
                .body("results[0].elements_chain", equalTo(CHAIN))
                // PostHog's events API shows the chain's elements too (chain_to_element_dicts)
                .body("results[0].elements.tag_name", equalTo(List.of("button", "body")))
                .body("results[0].elements[0].text", equalTo("Buy"))
                .body("results[0].elements[0].attr_id", equalTo("b"))
                .body("results[0].elements[0].nth_child", equalTo(1))
                .body("results[0].elements[0].attributes", equalTo(Map.of("attr__id", "b")))
                .body("results[0].elements[1].order", equalTo(1))
                .body("results[0].properties", not(org.hamcrest.Matchers.hasKey("$elements_chain")));
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/projects/" + project.id() + "/property_definitions/?type=event&limit=1000").then()
                .statusCode(200).body("results.name", hasItem("$event_type"))
                .body("results.name", not(hasItem("$elements_chain")));

        // the same event sent again replaces the stored copy, its chain with it
        send(project, click, "a:nth-child=\"1\"", at);
        assertEquals("a:nth-child=\"1\"", stored(project, click).getString(0));

        // a chain that is not a string is dropped, as PostHog's ClickHouse column would not take it
        UUID odd = UUID.randomUUID();
        send(project, odd, 5, at);
        Row oddRow = stored(project, odd);
        assertEquals("", oddRow.getString(0));
        assertEquals(false, oddRow.getBoolean(1));
    }

    /**
     * Whitespace separates elements as semicolons do: a page of chains of spaces (1,000 elements each, counted as one
     * by the statement's estimate) is refused as too large while its elements are built, not after (a breaker's
     * finding: 150 MB built, 7-42 s, another project's calls slowed).
     */
    @Test
    void aPageOfWhitespaceChainsIsRefusedAsTooLarge() {
        Project project = TestProjects.create("Elements chain spaces");
        String chain = "a ".repeat(1000);
        List<Map<String, Object>> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            batch.add(Map.of("event", "$autocapture", "distinct_id", "ws" + i,
                    "properties", Map.of("$elements_chain", chain)));
        }
        given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "batch", batch))
                .post("/batch/").then().statusCode(200);
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/projects/" + project.id() + "/events/?limit=100").then().statusCode(400)
                .body("code", equalTo("response_too_large"));
        // one such event is answered, its elements capped
        given().header("Authorization", "Bearer " + project.key())
                .get("/api/projects/" + project.id() + "/events/?limit=1").then().statusCode(200)
                .body("results[0].elements.size()", equalTo(1000));
    }

    /** posthog-js without elementsChainAsString (and older SDKs) send $elements: stored as the chain PostHog writes. */
    @Test
    void elementsListsBecomeTheChain() {
        Project project = TestProjects.create("Elements list");
        List<Map<String, Object>> elements = List.of(
                Map.of("tag_name", "button", "$el_text", "Buy", "classes", List.of("btn"), "attr__class", "btn",
                        "attr__id", "b", "nth_child", 1, "nth_of_type", 1),
                Map.of("tag_name", "body", "nth_child", 2, "nth_of_type", 1));
        dev.quarry.testing.Capture.to(project)
                .event("$autocapture", "old-js", Instant.now().minus(1, ChronoUnit.HOURS).toString(),
                        Map.of("$event_type", "click", "$elements", elements))
                .send();
        given().header("Authorization", "Bearer " + project.key()).contentType("application/json")
                .body(Map.of("query", Map.of("kind", "HogQLQuery", "query",
                        "select elements_chain, JSONHas(properties, '$elements') from events")))
                .post("/api/environments/" + project.id() + "/query/").then().statusCode(200)
                .body("results[0][0]", equalTo("button.btn:attr__class=\"btn\"attr__id=\"b\"attr_id=\"b\""
                        + "nth-child=\"1\"nth-of-type=\"1\"text=\"Buy\";body:nth-child=\"2\"nth-of-type=\"1\""))
                .body("results[0][1]", equalTo(0));
    }
}
