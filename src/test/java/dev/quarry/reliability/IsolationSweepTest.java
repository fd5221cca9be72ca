package dev.quarry.reliability;

import static dev.quarry.reliability.Hostile.map;
import static dev.quarry.reliability.Hostile.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adversarial isolation: project B holds data full of markers; project A's key calls every JAX-RS route — the routes
 * are enumerated from the resource classes, and the sweep fails for a route it has no call for — against B's ids
 * (query id, cohort id, plugin config id, person uuid, distinct id), once under B's project id and once under A's.
 * Every answer is a 4xx or an empty/A-only result and no body carries a B marker, B's token or any key; B's data
 * is unchanged afterwards.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class IsolationSweepTest {
    /** In B's stored data only; A's requests never contain it, so it cannot come back as an echo. */
    private static final String MARKER = "MARKERB7f3a";
    private static final String B_USER = "b-user-42";
    /** Routes a project key does not reach, and why. Capture is called anyway (with A's token) for the leak check. */
    private static final Map<String, String> EXEMPT = Map.ofEntries(
            Map.entry("POST /admin/projects", "operator secret, not a project key"),
            Map.entry("POST /admin/projects/{id}/keys", "operator secret, not a project key"),
            Map.entry("POST /admin/projects/{id}/demo-data", "operator secret, not a project key"),
            Map.entry("GET /admin/projects/{id}/keys", "operator secret, not a project key"),
            Map.entry("DELETE /admin/projects/{id}/keys/{keyId}", "operator secret, not a project key"),
            Map.entry("POST /admin/projects/{id}/keys/{keyId}/roll", "operator secret, not a project key"),
            Map.entry("PUT /admin/projects/{id}/plan", "operator secret, not a project key"),
            Map.entry("GET /admin/projects/{id}/illegal-id-merges", "operator secret, not a project key"),
            Map.entry("POST /internal/cohorts/recalculate", "operator secret, not a project key"),
            Map.entry("POST /internal/rollups/fold", "operator secret, not a project key"),
            Map.entry("GET /static/{file: .+}", "no project, no key: a redirect to PostHog's assets host (StaticAssetsTest)"),
            Map.entry("DELETE /api/projects/{project_id}/actions/{id}", "always 405 (PostHog forbids a hard delete), touches nothing"),
            Map.entry("DELETE /api/projects/{project_id}/insights/{id}", "always 405 (PostHog forbids a hard delete), touches nothing"));

    private static Project a;
    private static Project b;
    private static String bQueryId;
    private static long bCohort;
    private static long bStaticCohort;
    private static long bPluginConfig;
    private static String bPersonUuid;
    private static String bEventUuid;
    private static long bInsight;
    private static long bAction;
    private static String bEventDefinition;
    private static String bPropertyDefinition;
    private static String aOrganization;
    private static String bOrganization;

    @BeforeEach
    void data() {
        if (a != null) {
            return;
        }
        a = TestProjects.create("Isolation A");
        b = TestProjects.create("Isolation B " + MARKER);
        Capture.to(a).event("$pageview", "a-user", "2026-01-02T00:00:00Z", Map.of("$set", Map.of("email", "a@a.test"))).send();
        Capture.to(b).event(MARKER + "-event", B_USER, "2026-01-02T00:00:00Z",
                Map.of("secret", MARKER, "$set", Map.of("email", MARKER + "@b.test", "plan", MARKER))).send();
        Capture.to(b).event("$pageview", B_USER, "2026-01-03T00:00:00Z", Map.of("secret", MARKER)).send();
        Capture.to(b).event("$autocapture", B_USER, "2026-01-03T00:00:01Z", Map.of("$elements_chain",
                "button." + MARKER + ":text=\"" + MARKER + "\"nth-child=\"1\"")).send();
        // B's group, group type and ingestion warning all carry the marker.
        Capture.to(b).event("$groupidentify", B_USER, "2026-01-03T00:00:00Z", Map.of("$group_type", MARKER + "-type",
                "$group_key", MARKER + "-key", "$group_set", Map.of("name", MARKER))).send();
        Capture.to(b).event("$identify", MARKER + "-ghost", "2026-01-03T00:00:00Z",
                Map.of("$anon_distinct_id", "x", "$process_person_profile", false)).send();
        RequestSpecification asB = request().header("Authorization", "Bearer " + b.key()).contentType("application/json");
        bQueryId = asB.body(map("query", map("kind", "HogQLQuery", "query", "select properties.secret, '" + MARKER + "' from events"),
                        "refresh", "force_async"))
                .post("/api/projects/" + b.id() + "/query/").then().statusCode(202).extract().path("query_status.id");
        bCohort = asB.body(map("name", MARKER + " cohort", "filters", map("properties", map("type", "OR", "values",
                        List.of(map("type", "AND", "values", List.of(map("key", "plan", "value", MARKER, "type", "person",
                                "operator", "exact"))))))))
                .post("/api/projects/" + b.id() + "/cohorts/").then().statusCode(201).extract().jsonPath().getLong("id");
        bStaticCohort = asB.body(map("name", MARKER + " static", "is_static", true))
                .post("/api/projects/" + b.id() + "/cohorts/").then().statusCode(201).extract().jsonPath().getLong("id");
        bPluginConfig = asB.body(map("plugin", 1, "enabled", true, "config", map("secret", MARKER)))
                .post("/api/projects/" + b.id() + "/plugin_configs/").then().statusCode(201).extract().jsonPath().getLong("id");
        asB.body(map("entries", List.of(map("type", "ERROR", "message", MARKER + " log"))))
                .post("/api/projects/" + b.id() + "/plugin_configs/" + bPluginConfig + "/logs/").then().statusCode(201);
        bPersonUuid = asB.body(map("query", map("kind", "HogQLQuery", "query", "select id from persons")))
                .post("/api/projects/" + b.id() + "/query/").then().statusCode(200).extract().path("results[0][0]");
        bEventUuid = asB.body(map("query", map("kind", "HogQLQuery", "query", "select uuid from events where event = '"
                        + MARKER + "-event'")))
                .post("/api/projects/" + b.id() + "/query/").then().statusCode(200).extract().path("results[0][0]");
        bInsight = asB.body(map("name", MARKER + " insight", "query", map("kind", "HogQLQuery", "query", "select 1")))
                .post("/api/projects/" + b.id() + "/insights/").then().statusCode(201).extract().jsonPath().getLong("id");
        bAction = asB.body(map("name", MARKER + " action", "steps", List.of(map("event", MARKER + "-event"))))
                .post("/api/projects/" + b.id() + "/actions/").then().statusCode(201).extract().jsonPath().getLong("id");
        bEventDefinition = request().header("Authorization", "Bearer " + b.key())
                .get("/api/projects/" + b.id() + "/event_definitions/by_name/?name=" + MARKER + "-event")
                .then().statusCode(200).extract().path("id");
        bPropertyDefinition = request().header("Authorization", "Bearer " + b.key())
                .get("/api/projects/" + b.id() + "/property_definitions/?properties=secret")
                .then().statusCode(200).extract().path("results[0].id");
        aOrganization = request().header("Authorization", "Bearer " + a.key()).get("/api/users/@me/").then().statusCode(200)
                .extract().path("organization.id");
        bOrganization = request().header("Authorization", "Bearer " + b.key()).get("/api/users/@me/").then().statusCode(200)
                .extract().path("organization.id");
    }

    /** Every route of every resource class, as "METHOD /path" with the class's and the method's @Path joined. */
    static Set<String> routes() throws Exception {
        Set<String> routes = new TreeSet<>();
        List<String> classNames = new ArrayList<>();
        var roots = Thread.currentThread().getContextClassLoader().getResources("dev/quarry");
        while (roots.hasMoreElements()) {
            URL root = roots.nextElement();
            if (root.getProtocol().equals("file")) {
                collectClasses(new File(root.toURI()), "dev.quarry", classNames);
            }
        }
        for (String name : classNames) {
            Class<?> type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
            Path classPath = type.getAnnotation(Path.class);
            if (classPath == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                String verb = method.isAnnotationPresent(GET.class) ? "GET" : method.isAnnotationPresent(POST.class) ? "POST"
                        : method.isAnnotationPresent(PATCH.class) ? "PATCH" : method.isAnnotationPresent(DELETE.class) ? "DELETE"
                        : method.isAnnotationPresent(PUT.class) ? "PUT" : null;
                if (verb == null) {
                    continue;
                }
                Path methodPath = method.getAnnotation(Path.class);
                String path = ("/" + classPath.value() + (methodPath == null ? "" : "/" + methodPath.value()))
                        .replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                routes.add(verb + " " + path);
            }
        }
        return routes;
    }

    private static void collectClasses(File dir, String pkg, List<String> out) {
        File[] files = dir.listFiles();
        if (files == null) {
            return;
        }
        for (File f : files) {
            if (f.isDirectory()) {
                collectClasses(f, pkg + "." + f.getName(), out);
            } else if (f.getName().endsWith(".class") && !f.getName().contains("$")) {
                out.add(pkg + "." + f.getName().substring(0, f.getName().length() - 6));
            }
        }
    }

    private RequestSpecification asA() {
        return request().header("Authorization", "Bearer " + a.key()).contentType("application/json");
    }

    /** The sweep: for each route, what A's key sends, given the project id to put in the URL. */
    private Map<String, BiFunction<RequestSpecification, Long, Response>> sweep() {
        Map<String, BiFunction<RequestSpecification, Long, Response>> calls = new LinkedHashMap<>();
        String p = "/api/projects/";
        Map<String, Object> stolenHogql = map("kind", "HogQLQuery",
                "query", "select event, properties, person.properties, distinct_id from events");
        calls.put("GET /api/projects/{project_id}", (s, id) -> s.get(p + id + "/"));
        calls.put("GET /api/users/@me", (s, id) -> s.get("/api/users/@me/"));
        // A's user pointed at B's project: "does not exist" (A's own: A's project, no B data in the answer)
        calls.put("PATCH /api/users/@me", (s, id) -> s.body(map("set_current_team", id)).patch("/api/users/@me/"));
        calls.put("GET /api/user_home_settings/{uuid}", (s, id) -> s.get("/api/user_home_settings/@me/"));
        calls.put("PATCH /api/user_home_settings/{uuid}", (s, id) -> s.body(map("tabs", List.of(map("pathname",
                "/project/" + id + "/insights")))).patch("/api/user_home_settings/@me/"));
        calls.put("GET /api/personal_api_keys/@current", (s, id) -> s.get("/api/personal_api_keys/@current/"));
        calls.put("POST /api/projects/{project_id}/query", (s, id) -> s.body(map("query", stolenHogql)).post(p + id + "/query/"));
        calls.put("POST /api/projects/{project_id}/query/{id}", (s, id) -> s.body(map("query", map("kind", "EventsQuery",
                "select", List.of("*", "person"), "after", "2020-01-01"))).post(p + id + "/query/EventsQuery/"));
        calls.put("GET /api/projects/{project_id}/query/{id}", (s, id) -> s.get(p + id + "/query/" + bQueryId + "/"));
        calls.put("DELETE /api/projects/{project_id}/query/{id}", (s, id) -> s.delete(p + id + "/query/" + bQueryId + "/"));
        calls.put("GET /api/projects/{project_id}/query/{id}/log", (s, id) -> s.get(p + id + "/query/" + bQueryId + "/log/"));
        calls.put("GET /api/projects/{project_id}/plugin_configs", (s, id) -> s.get(p + id + "/plugin_configs/"));
        calls.put("GET /api/projects/{project_id}/groups", (s, id) -> s.get(p + id + "/groups/?group_type_index=0"));
        calls.put("GET /api/projects/{project_id}/groups_types", (s, id) -> s.get(p + id + "/groups_types/"));
        calls.put("GET /api/projects/{project_id}/ingestion_warnings", (s, id) -> s.get(p + id + "/ingestion_warnings/"));
        calls.put("POST /api/projects/{project_id}/plugin_configs", (s, id) -> s.body(map("plugin", 2)).post(p + id + "/plugin_configs/"));
        calls.put("GET /api/projects/{project_id}/plugin_configs/{plugin_config_id}/logs",
                (s, id) -> s.get(p + id + "/plugin_configs/" + bPluginConfig + "/logs/"));
        calls.put("POST /api/projects/{project_id}/plugin_configs/{plugin_config_id}/logs",
                (s, id) -> s.body(map("entries", List.of(map("type", "INFO", "message", "written by A"))))
                        .post(p + id + "/plugin_configs/" + bPluginConfig + "/logs/"));
        calls.put("GET /api/projects/{project_id}/cohorts", (s, id) -> s.get(p + id + "/cohorts/"));
        calls.put("POST /api/projects/{project_id}/cohorts", (s, id) -> s.body(map("name", "A's", "filters", map("properties",
                map("type", "OR", "values", List.of(map("type", "AND", "values", List.of(map("key", "plan", "operator", "is_set",
                        "type", "person")))))))).post(p + id + "/cohorts/"));
        calls.put("GET /api/projects/{project_id}/cohorts/{id}", (s, id) -> s.get(p + id + "/cohorts/" + bCohort + "/"));
        calls.put("PATCH /api/projects/{project_id}/cohorts/{id}", (s, id) -> s.body(map("name", "renamed by A", "deleted", true))
                .patch(p + id + "/cohorts/" + bCohort + "/"));
        calls.put("GET /api/projects/{project_id}/cohorts/{id}/persons",
                (s, id) -> s.get(p + id + "/cohorts/" + bStaticCohort + "/persons/"));
        calls.put("PATCH /api/projects/{project_id}/cohorts/{id}/add_persons_to_static_cohort",
                (s, id) -> s.body(map("person_ids", List.of(bPersonUuid)))
                        .patch(p + id + "/cohorts/" + bStaticCohort + "/add_persons_to_static_cohort/"));
        calls.put("GET /api/projects/{project_id}/events", (s, id) -> s.queryParam("after", "2026-01-01")
                .queryParam("before", "2026-01-05").queryParam("include_person", "true").queryParam("distinct_id", B_USER)
                .get(p + id + "/events/"));
        calls.put("GET /api/projects/{project_id}/events/{id}", (s, id) -> s.queryParam("include_person", "true")
                .get(p + id + "/events/" + bEventUuid + "/"));
        calls.put("GET /api/projects/{project_id}/elements/stats", (s, id) -> s.queryParam("date_from", "2026-01-01")
                .queryParam("date_to", "2026-01-05").get(p + id + "/elements/stats/"));
        calls.put("GET /api/projects/{project_id}/events/values", (s, id) -> s.queryParam("key", "secret")
                .queryParam("event_name", MARKER + "-event").get(p + id + "/events/values/"));
        calls.put("GET /api/projects/{project_id}/persons/values", (s, id) -> s.queryParam("key", "email").get(p + id + "/persons/values/"));
        calls.put("GET /api/projects/{project_id}/persons/cohorts", (s, id) -> s.queryParam("person_id", bPersonUuid)
                .get(p + id + "/persons/cohorts/"));
        calls.put("GET /api/projects/{project_id}/persons/lifecycle", (s, id) -> s
                .queryParam("events", "[{\"id\":\"$pageview\",\"type\":\"events\"}]")
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-05").queryParam("interval", "day")
                .queryParam("target_date", "2026-01-03").queryParam("lifecycle_type", "new").get(p + id + "/persons/lifecycle/"));
        calls.put("GET /api/projects/{project_id}/persons/stickiness", (s, id) -> s.queryParam("entityId", "$pageview")
                .queryParam("type", "events").queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-05")
                .queryParam("interval", "day").queryParam("stickiness_days", 1).get(p + id + "/persons/stickiness/"));
        calls.put("GET /api/projects/{project_id}/persons/trends", (s, id) -> s.queryParam("entityId", "$pageview")
                .queryParam("type", "events").queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-05")
                .get(p + id + "/persons/trends/"));
        calls.put("PATCH /api/projects/{project_id}", (s, id) -> s.body(map("name", "renamed by A")).patch(p + id + "/"));
        calls.put("GET /api/projects/{project_id}/usage", (s, id) -> s.get(p + id + "/usage/"));
        String steps = "[{\"id\":\"$pageview\",\"type\":\"events\",\"order\":0},"
                + "{\"id\":\"$pageview\",\"type\":\"events\",\"order\":1}]";
        Map<String, Object> funnelBody = map("events", List.of(map("id", "$pageview", "type", "events", "order", 0),
                map("id", "$pageview", "type", "events", "order", 1)), "date_from", "2026-01-01", "date_to", "2026-01-05");
        calls.put("GET /api/projects/{project_id}/persons/funnel", (s, id) -> s.queryParam("events", steps)
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-05").queryParam("funnel_step", 1)
                .get(p + id + "/persons/funnel/"));
        calls.put("POST /api/projects/{project_id}/persons/funnel", (s, id) -> s.body(funnelBody).post(p + id + "/persons/funnel/"));
        calls.put("GET /api/projects/{project_id}/persons/funnel/correlation", (s, id) -> s.queryParam("events", steps)
                .queryParam("date_from", "2026-01-01").queryParam("date_to", "2026-01-05")
                .queryParam("funnel_correlation_person_entity", "{\"id\":\"$pageview\",\"type\":\"events\"}")
                .get(p + id + "/persons/funnel/correlation/"));
        Map<String, Object> correlationBody = new java.util.HashMap<>(funnelBody);
        correlationBody.put("funnel_correlation_person_entity", map("id", "$pageview", "type", "events"));
        calls.put("POST /api/projects/{project_id}/persons/funnel/correlation",
                (s, id) -> s.body(correlationBody).post(p + id + "/persons/funnel/correlation/"));
        calls.put("POST /api/projects/{project_id}/persons/reset_person_distinct_id",
                (s, id) -> s.body(map("distinct_id", B_USER)).post(p + id + "/persons/reset_person_distinct_id/"));
        calls.put("POST /api/projects/{project_id}/query/check_auth_for_async",
                (s, id) -> s.body(map()).post(p + id + "/query/check_auth_for_async/"));
        calls.put("POST /api/projects/{project_id}/query/upgrade",
                (s, id) -> s.body(map("query", stolenHogql)).post(p + id + "/query/upgrade/"));
        calls.put("DELETE /api/projects/{project_id}/persons/{uuid}", (s, id) -> s.delete(p + id + "/persons/" + bPersonUuid + "/"));
        // the CLI / MCP tool endpoints (issue 20)
        calls.put("GET /api/projects/{project_id}/persons", (s, id) -> s.queryParam("search", "b").get(p + id + "/persons/"));
        calls.put("GET /api/projects/{project_id}/persons/{id}", (s, id) -> s.get(p + id + "/persons/" + bPersonUuid + "/"));
        // the root lists take no project id: A's key lists A's organization's projects wherever it is sent
        calls.put("GET /api/projects", (s, id) -> s.get("/api/projects/"));
        calls.put("GET /api/environments", (s, id) -> s.get("/api/environments/"));
        calls.put("GET /api/projects/{project_id}/persons/activity", (s, id) -> s.get(p + id + "/persons/activity/"));
        calls.put("GET /api/projects/{project_id}/persons/{id}/activity", (s, id) -> s.get(p + id + "/persons/"
                + bPersonUuid + "/activity/"));
        calls.put("POST /api/projects/{project_id}/persons/{id}/update_property", (s, id) -> s.body(map("key", "plan",
                "value", "set by A")).post(p + id + "/persons/" + bPersonUuid + "/update_property/"));
        calls.put("PATCH /api/projects/{project_id}/persons/{id}", (s, id) -> s.body(map("properties",
                map("plan", "patched by A"))).patch(p + id + "/persons/" + bPersonUuid + "/"));
        calls.put("PUT /api/projects/{project_id}/persons/{id}", (s, id) -> s.body(map("properties",
                map("plan", "put by A"))).put(p + id + "/persons/" + bPersonUuid + "/"));
        calls.put("POST /api/projects/{project_id}/persons/{id}/delete_property", (s, id) -> s.body(map("$unset", "plan"))
                .post(p + id + "/persons/" + bPersonUuid + "/delete_property/"));
        calls.put("POST /api/projects/{project_id}/persons/bulk_delete", (s, id) -> s.body(map("ids", List.of(bPersonUuid),
                "distinct_ids", List.of(B_USER), "delete_events", true)).post(p + id + "/persons/bulk_delete/"));
        calls.put("PATCH /api/projects/{project_id}/cohorts/{id}/remove_person_from_static_cohort",
                (s, id) -> s.body(map("person_id", bPersonUuid))
                        .patch(p + id + "/cohorts/" + bStaticCohort + "/remove_person_from_static_cohort/"));
        calls.put("GET /api/projects/{project_id}/event_definitions", (s, id) -> s.get(p + id + "/event_definitions/"));
        calls.put("POST /api/projects/{project_id}/event_definitions", (s, id) -> s.body(map("name", "defined by A"))
                .post(p + id + "/event_definitions/"));
        calls.put("GET /api/projects/{project_id}/event_definitions/by_name", (s, id) -> s.queryParam("name", "$pageview")
                .get(p + id + "/event_definitions/by_name/"));
        calls.put("GET /api/projects/{project_id}/event_definitions/{id}", (s, id) -> s.get(p + id + "/event_definitions/"
                + bEventDefinition + "/"));
        calls.put("PATCH /api/projects/{project_id}/event_definitions/{id}", (s, id) -> s.body(map("description", "by A"))
                .patch(p + id + "/event_definitions/" + bEventDefinition + "/"));
        calls.put("GET /api/projects/{project_id}/property_definitions", (s, id) -> s.queryParam("properties", "secret")
                .get(p + id + "/property_definitions/"));
        calls.put("GET /api/projects/{project_id}/property_definitions/{id}", (s, id) -> s.get(p + id
                + "/property_definitions/" + bPropertyDefinition + "/"));
        calls.put("PATCH /api/projects/{project_id}/property_definitions/{id}", (s, id) -> s.body(map("description", "by A"))
                .patch(p + id + "/property_definitions/" + bPropertyDefinition + "/"));
        calls.put("DELETE /api/projects/{project_id}/event_definitions/{id}", (s, id) -> s.delete(p + id
                + "/event_definitions/" + bEventDefinition + "/"));
        calls.put("DELETE /api/projects/{project_id}/property_definitions/{id}", (s, id) -> s.delete(p + id
                + "/property_definitions/" + bPropertyDefinition + "/"));
        calls.put("GET /api/projects/{project_id}/insights", (s, id) -> s.get(p + id + "/insights/"));
        calls.put("POST /api/projects/{project_id}/insights", (s, id) -> s.body(map("name", "A's insight", "query",
                map("kind", "HogQLQuery", "query", "select 1"))).post(p + id + "/insights/"));
        calls.put("GET /api/projects/{project_id}/actions", (s, id) -> s.get(p + id + "/actions/"));
        calls.put("POST /api/projects/{project_id}/actions", (s, id) -> s.body(map("name", "A's action", "steps",
                List.of(map("event", "$pageview")))).post(p + id + "/actions/"));
        calls.put("GET /api/projects/{project_id}/actions/{id}", (s, id) -> s.get(p + id + "/actions/" + bAction + "/"));
        calls.put("PATCH /api/projects/{project_id}/actions/{id}", (s, id) -> s.body(map("name", "renamed by A",
                "deleted", true)).patch(p + id + "/actions/" + bAction + "/"));
        calls.put("PUT /api/projects/{project_id}/actions/{id}", (s, id) -> s.body(map("name", "replaced by A"))
                .put(p + id + "/actions/" + bAction + "/"));
        calls.put("GET /api/projects/{project_id}/insights/trending", (s, id) -> s.get(p + id + "/insights/trending/"));
        calls.put("GET /api/projects/{project_id}/insights/activity", (s, id) -> s.get(p + id + "/insights/activity/"));
        calls.put("GET /api/projects/{project_id}/activity_log", (s, id) -> s.get(p + id + "/activity_log/"));
        calls.put("GET /api/projects/{project_id}/advanced_activity_logs", (s, id) -> s.get(p + id
                + "/advanced_activity_logs/"));
        calls.put("GET /api/projects/{project_id}/advanced_activity_logs/available_filters", (s, id) -> s.get(p + id
                + "/advanced_activity_logs/available_filters/"));
        calls.put("GET /api/projects/{project_id}/insights/{id}", (s, id) -> s.get(p + id + "/insights/" + bInsight + "/"));
        calls.put("PATCH /api/projects/{project_id}/insights/{id}", (s, id) -> s.body(map("name", "renamed by A", "deleted", true))
                .patch(p + id + "/insights/" + bInsight + "/"));
        calls.put("PUT /api/projects/{project_id}/insights/{id}", (s, id) -> s.body(map("name", "renamed by A", "deleted", true))
                .put(p + id + "/insights/" + bInsight + "/"));
        calls.put("GET /api/projects/{project_id}/insights/{id}/activity", (s, id) -> s.get(p + id + "/insights/" + bInsight
                + "/activity/"));
        calls.put("POST /api/projects/{project_id}/mcp_tools/execute_sql", (s, id) -> s.body(map("args", map("query",
                "select event, properties, person.properties, distinct_id from events", "truncate", false)))
                .post(p + id + "/mcp_tools/execute_sql/"));
        calls.put("POST /api/projects/{project_id}/mcp_tools/read_taxonomy", (s, id) -> s.body(map("args", map("query",
                map("kind", "event_property_values", "event_name", "$pageview", "property_name", "secret"))))
                .post(p + id + "/mcp_tools/read_taxonomy/"));
        calls.put("POST /api/projects/{project_id}/mcp_tools/{tool_name}", (s, id) -> s.body(map("args", map()))
                .post(p + id + "/mcp_tools/read_data/"));
        calls.put("GET /api/projects/{project_id}/sessions/property_definitions", (s, id) -> s.queryParam("search", "secret")
                .get(p + id + "/sessions/property_definitions/"));
        calls.put("GET /api/organizations", (s, id) -> s.get("/api/organizations/"));
        calls.put("GET /api/organizations/{organization_id}", (s, id) -> s.get("/api/organizations/"
                + (id == b.id() ? bOrganization : aOrganization) + "/"));
        calls.put("GET /api/organizations/{organization_id}/projects", (s, id) -> s.get("/api/organizations/"
                + (id == b.id() ? bOrganization : aOrganization) + "/projects/"));
        calls.put("GET /api/organizations/{organization_id}/projects/{project_id}", (s, id) -> s.get("/api/organizations/"
                + (id == b.id() ? bOrganization : aOrganization) + "/projects/" + id + "/"));
        calls.put("GET /api/organizations/{organization_id}/members", (s, id) -> s.get("/api/organizations/"
                + (id == b.id() ? bOrganization : aOrganization) + "/members/"));
        calls.put("PATCH /api/organizations/{organization_id}/projects/{project_id}", (s, id) -> s.body(map("name",
                "renamed by A")).patch("/api/organizations/" + (id == b.id() ? bOrganization : aOrganization)
                + "/projects/" + id + "/"));
        for (String capture : List.of("/batch", "/capture", "/e", "/i/v0/e", "/track")) {
            // A's token with B's distinct id: lands in A (a new person there), never touches B.
            calls.put("POST " + capture, (s, id) -> request().contentType("application/json").body(map("api_key", a.apiToken(),
                    "batch", List.of(map("event", "from A", "distinct_id", B_USER,
                            "properties", map("$set", map("plan", "set by A"))))))
                    .post(capture + "/"));
        }
        // A's key with B's token: B's group types never in the answer
        calls.put("GET /flags/definitions", (s, id) -> s.get("/flags/definitions?token="
                + (id == b.id() ? b.apiToken() : a.apiToken()) + "&send_cohorts"));
        calls.put("GET /api/feature_flag/local_evaluation", (s, id) -> s.get("/api/feature_flag/local_evaluation/?token="
                + (id == b.id() ? b.apiToken() : a.apiToken()) + "&send_cohorts"));
        // A's token: A's config, nothing of B's (the token is the config's only project data)
        calls.put("GET /array/{token}/config", (s, id) -> request().get("/array/" + a.apiToken() + "/config"));
        calls.put("GET /array/{token}/config.js", (s, id) -> request().get("/array/" + a.apiToken() + "/config.js"));
        for (String flags : List.of("/flags", "/decide")) {
            // A's token with B's distinct id: no flags either way, and nothing of B's in the answer
            calls.put("POST " + flags, (s, id) -> request().contentType("application/json")
                    .body(map("token", a.apiToken(), "distinct_id", B_USER)).post(flags + "/?v=2"));
        }
        return calls;
    }

    @Test
    void everyRouteIsInTheSweep() throws Exception {
        Set<String> missing = new TreeSet<>(routes());
        missing.removeAll(sweep().keySet());
        missing.removeAll(EXEMPT.keySet());
        assertTrue(missing.isEmpty(), "routes the isolation sweep does not call (add them to sweep()): " + missing);
        assertTrue(routes().size() >= 25, "found the resource classes: " + routes());
    }

    @Test
    void projectAsKeyNeverReachesProjectB() {
        List<String> failures = new ArrayList<>();
        List<String> secrets = List.of(MARKER, b.apiToken(), b.key(), a.key());
        for (Map.Entry<String, BiFunction<RequestSpecification, Long, Response>> route : sweep().entrySet()) {
            for (long projectId : new long[] {b.id(), a.id()}) {
                Response response = route.getValue().apply(asA(), projectId);
                String body = response.asString();
                int status = response.statusCode();
                String what = route.getKey() + " under project " + (projectId == b.id() ? "B" : "A");
                if (status >= 500 || (status >= 300 && status != 400 && status != 403 && status != 404)) {
                    failures.add(what + " → " + status + " " + Hostile.abbreviate(body));
                }
                if (projectId == b.id() && route.getKey().startsWith("GET /api/projects/") && status != 403) {
                    failures.add(what + " → " + status + ", expected 403 for another organisation's project");
                }
                for (String secret : secrets) {
                    if (body.contains(secret)) {
                        failures.add(what + " → " + status + " leaks " + (secret.equals(MARKER) ? "B's marker" : "a secret")
                                + ": " + Hostile.abbreviate(body));
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
        // B's data is as B left it.
        RequestSpecification asB = request().header("Authorization", "Bearer " + b.key());
        asB.get("/api/projects/" + b.id() + "/cohorts/" + bCohort + "/").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo(MARKER + " cohort")).body("deleted", org.hamcrest.Matchers.equalTo(false));
        asB.get("/api/projects/" + b.id() + "/actions/" + bAction + "/").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo(MARKER + " action"))
                .body("deleted", org.hamcrest.Matchers.equalTo(false));
        asB.get("/api/projects/" + b.id() + "/plugin_configs/" + bPluginConfig + "/logs/").then().statusCode(200)
                .body("count", org.hamcrest.Matchers.equalTo(1));
        List<List<Object>> persons = request().header("Authorization", "Bearer " + b.key()).contentType("application/json")
                .body(map("query", map("kind", "HogQLQuery", "query", "select id, properties.plan from persons")))
                .post("/api/projects/" + b.id() + "/query/").then().statusCode(200).extract().path("results");
        assertEquals(List.of(List.of(bPersonUuid, MARKER)), persons);
        assertFalse(request().header("Authorization", "Bearer " + b.key())
                .get("/api/projects/" + b.id() + "/query/" + bQueryId + "/").asString().contains("written by A"));
        asB.get("/api/projects/" + b.id() + "/insights/" + bInsight + "/").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo(MARKER + " insight")).body("deleted", org.hamcrest.Matchers.equalTo(false));
        asB.get("/api/projects/" + b.id() + "/event_definitions/" + bEventDefinition + "/").then().statusCode(200)
                .body("description", org.hamcrest.Matchers.nullValue());
        asB.get("/api/projects/" + b.id() + "/property_definitions/" + bPropertyDefinition + "/").then().statusCode(200)
                .body("description", org.hamcrest.Matchers.nullValue());
        long bEvents = request().header("Authorization", "Bearer " + b.key()).contentType("application/json")
                .body(map("query", map("kind", "HogQLQuery", "query", "select count() from events")))
                .post("/api/projects/" + b.id() + "/query/").then().statusCode(200).extract().jsonPath().getLong("results[0][0]");
        assertEquals(4, bEvents); // B's own four: the marker event, a $pageview, a click and a $groupidentify
    }
}
