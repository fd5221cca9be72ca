package dev.quarry.mcp;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST mcp_tools/execute_sql/ and read_taxonomy/ as the CLI sends them: answers, failures, scopes, isolation. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class McpToolsTest {
    private static final String DAY = LocalDate.now(ZoneOffset.UTC).minusDays(1) + "T12:00:00Z";
    private static Project team;
    private static Project other;

    /** pay ×3 (plan pro ×2, free ×1), view ×1; person props email; other project: pay with a secret. */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("MCP tools");
        other = TestProjects.create("MCP other");
        Capture.to(team)
                .event("pay", "u1", DAY, Map.of("plan", "pro", "amount", 10, "$set", Map.of("email", "u1@x.test")))
                .event("pay", "u2", DAY, Map.of("plan", "pro", "amount", 20))
                .event("pay", "u3", DAY, Map.of("plan", "free", "amount", 1))
                .event("view", "u1", DAY)
                .send();
        Capture.to(other).event("pay", "z", DAY, Map.of("plan", "OTHERSECRET", "secret", 1)).send();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static String url(Project p, String tool) {
        return "/api/environments/" + p.id() + "/mcp_tools/" + tool + "/";
    }

    @Test
    void executeSqlAnswersPostHogsTextTable() {
        as(team.key()).body(Map.of("args", Map.of("query",
                        "select properties.plan as plan, count() as n from events where event = 'pay' group by plan order by n desc",
                        "truncate", true)))
                .post(url(team, "execute_sql")).then().statusCode(200)
                .body("success", equalTo(true))
                .body("content", equalTo("plan|n\npro|2\nfree|1"))
                .body("structured_content.columns[1]", equalTo("n"));
        // the query's own LIMIT is what it asked for: no note that rows were left out (PostHog says no hasMore then)
        as(team.key()).body(Map.of("args", Map.of("query", "select event from events order by event limit 2")))
                .post("/api/projects/" + team.id() + "/mcp_tools/execute_sql/").then().statusCode(200)
                .body("content", equalTo("event\npay\npay"))
                .body("structured_content.hasMore", equalTo(false));
    }

    @Test
    void executeSqlFailuresAreToolFailures() {
        as(team.key()).body(Map.of("args", Map.of("query", "select nope( from events")))
                .post(url(team, "execute_sql")).then().statusCode(200)
                .body("success", equalTo(false)).body("content", startsWith("Tool failed: "));
        as(team.key()).body(Map.of("args", Map.of("query", "select * from pg_user")))
                .post(url(team, "execute_sql")).then().statusCode(200).body("success", equalTo(false));
        as(team.key()).body(Map.of("args", Map.of())).post(url(team, "execute_sql")).then().statusCode(400)
                .body("success", equalTo(false)).body("content", containsString("query"));
        as(team.key()).body(Map.of("args", Map.of("query", "select 1"))).post(url(team, "no_such_tool")).then().statusCode(404)
                .body("success", equalTo(false)).body("content", equalTo("Tool 'no_such_tool' not found"));
    }

    @Test
    void executeSqlSeesOnlyItsProject() {
        as(team.key()).body(Map.of("args", Map.of("query", "select count(), countIf(properties.plan = 'OTHERSECRET') from events")))
                .post(url(team, "execute_sql")).then().statusCode(200)
                .body("content", equalTo("count()|countIf(properties.plan = 'OTHERSECRET')\n4|0"));
        as(team.key()).body(Map.of("args", Map.of("query", "select 1"))).post(url(other, "execute_sql")).then().statusCode(403);
        as(team.keyWith("query:read")).body(Map.of("args", Map.of("query", "select 1"))).post(url(team, "execute_sql"))
                .then().statusCode(403).body("detail", containsString("insight:read"));
        as(team.keyWith("query:read", "insight:read")).body(Map.of("args", Map.of("query", "select 1 as one")))
                .post(url(team, "execute_sql")).then().statusCode(200).body("content", equalTo("one\n1"));
        given().contentType("application/json").body(Map.of("args", Map.of("query", "select 1"))).post(url(team, "execute_sql"))
                .then().statusCode(401);
    }

    @Test
    void readTaxonomyEachKind() {
        String tool = url(team, "read_taxonomy");
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "events")))).post(tool).then().statusCode(200)
                .body("success", equalTo(true)).body("content", equalTo("events:\n- `pay`\n- `view`"));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_properties", "event_name", "pay"))))
                .post(tool).then().statusCode(200)
                .body("content", equalTo("properties:\n  Numeric:\n    - name: amount\n  String:\n    - name: plan"));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", "person"))))
                .post(tool).then().statusCode(200).body("content", equalTo("properties:\n  String:\n    - name: email"));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_property_values", "event_name", "pay",
                        "property_name", "plan")))).post(tool).then().statusCode(200)
                .body("content", equalTo("property: plan\nsample_values:\n- pro\n- free"));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity", "persons",
                        "property_name", "email")))).post(tool).then().statusCode(200)
                .body("content", equalTo("property: email\nsample_values:\n- u1@x.test"));
        // session is an entity PostHog's tool knows: the HogQL sessions table's properties by type, in the singular
        // and the plural the CLI accepts
        for (String session : new String[] {"session", "sessions"}) {
            as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", session))))
                    .post(tool).then().statusCode(200).body("success", equalTo(true))
                    .body("content", startsWith("properties:\n  DateTime:\n    - name: $start_timestamp\n"
                            + "    - name: $end_timestamp\n  String:\n    - name: $entry_current_url\n"))
                    .body("content", containsString("\n  Numeric:\n    - name: $pageview_count\n"
                            + "    - name: $autocapture_count\n    - name: $screen_count\n    - name: $session_duration\n"
                            + "  Boolean:\n    - name: $is_bounce"));
        }
        // this project's events carry no $session_id: no session, no values (the query ran on the sessions table)
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity", "session",
                        "property_name", "$entry_pathname")))).post(tool).then().statusCode(200)
                .body("content", equalTo("No values found for property `$entry_pathname` on the entity `session`."));
        // $channel_type is a session property (V89_1); no sessions here, so no values; an unknown one is not
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity", "session",
                        "property_name", "$channel_type")))).post(tool).then().statusCode(200)
                .body("content", equalTo("No values found for property `$channel_type` on the entity `session`."));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity", "session",
                        "property_name", "$urls")))).post(tool).then().statusCode(200)
                .body("content", equalTo("The property $urls does not exist in the taxonomy."));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", "planet"))))
                .post(tool).then().statusCode(200)
                .body("content", equalTo("Entity planet not found. Available entities: person, session"));
        // a property name is a field, never HogQL text
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_property_values", "event_name", "pay",
                        "property_name", "x') or 1=1 --")))).post(tool).then().statusCode(200)
                .body("content", startsWith("No values found"));
    }

    /**
     * A group type is an entity of PostHog's taxonomy tool beside person and session: its properties from the group
     * property definitions ($groupidentify's $group_set, by type), its values among the project's groups of that
     * type, and its name in the list an unknown entity answers with.
     */
    @Test
    void readTaxonomyGroupEntities() {
        Project g = TestProjects.create("mcp taxonomy groups");
        Capture.to(g)
                .event("$groupidentify", "u1", "2026-01-05T09:00:00Z", Map.of("$group_type", "organization",
                        "$group_key", "acme", "$group_set", Map.of("name", "Acme", "employees", 50)))
                .event("$groupidentify", "u1", "2026-01-05T09:00:00Z", Map.of("$group_type", "organization",
                        "$group_key", "globex", "$group_set", Map.of("name", "Globex")))
                .send();
        String tool = url(g, "read_taxonomy");
        as(g.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", "organization"))))
                .post(tool).then().statusCode(200).body("success", equalTo(true)).body("content",
                        equalTo("properties:\n  Numeric:\n    - name: employees\n  String:\n    - name: name"));
        as(g.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_property_values", "entity",
                        "organization", "property_name", "name")))).post(tool).then().statusCode(200)
                .body("content", equalTo("property: name\nsample_values:\n- Acme\n- Globex"));
        as(g.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", "planet"))))
                .post(tool).then().statusCode(200)
                .body("content", equalTo("Entity planet not found. Available entities: person, session, organization"));
        // another project has no such group type
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "entity_properties", "entity", "organization"))))
                .post(url(team, "read_taxonomy")).then().statusCode(200)
                .body("content", equalTo("Entity organization not found. Available entities: person, session"));
    }

    /** An action on pay with plan = pro: pay's properties, and plan's values among the matching events only. */
    @Test
    void readTaxonomyActions() {
        String tool = url(team, "read_taxonomy");
        int id = as(team.key()).body(Map.of("name", "Pro payments", "steps", List.of(Map.of("event", "pay",
                        "properties", List.of(Map.of("key", "plan", "value", "pro", "operator", "exact", "type", "event"))))))
                .post("/api/projects/" + team.id() + "/actions/").then().statusCode(201).extract().path("id");
        int othersId = as(other.key()).body(Map.of("name", "Other's", "steps", List.of(Map.of("event", "pay"))))
                .post("/api/projects/" + other.id() + "/actions/").then().statusCode(201).extract().path("id");
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "action_properties", "action_id", id))))
                .post(tool).then().statusCode(200).body("success", equalTo(true))
                .body("content", equalTo("properties:\n  Numeric:\n    - name: amount\n  String:\n    - name: plan"));
        // u1 and u2 paid on pro, u3 on free: only pro matches the action
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "action_property_values", "action_id", id,
                        "property_name", "plan")))).post(tool).then().statusCode(200)
                .body("content", equalTo("property: plan\nsample_values:\n- pro"));
        String notFound = " does not exist in the taxonomy. Verify that the action ID is correct and try again.";
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "action_properties", "action_id", othersId))))
                .post(tool).then().statusCode(200).body("content", equalTo("Action " + othersId + notFound));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "action_property_values",
                        "action_id", othersId, "property_name", "plan")))).post(tool).then().statusCode(200)
                .body("content", equalTo("Action " + othersId + notFound));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "action_properties", "action_id", "x1"))))
                .post(tool).then().statusCode(200).body("success", equalTo(false))
                .body("content", containsString("action_id"));
    }

    /**
     * PostHog's taxonomy leaves out what its EventTaxonomyQuery's omit pattern finds in a name ($ip, $feature/…, $set…,
     * "__", $time… — $timezone too) and the keys ingestion keeps no definition for ($groups, $group_0).
     */
    @Test
    void readTaxonomyLeavesOutWhatPostHogsTaxonomyOmits() {
        Project p = TestProjects.create("MCP taxonomy omissions");
        Capture.to(p).event("signup", "u1", DAY, Map.of("plan", "pro", "$ip", "10.0.0.1", "$feature/beta", true,
                "$groups", Map.of("company", "acme"), "flat__key", 1, "$timezone", "Europe/Paris", "$set",
                Map.of("email", "u1@x.test"), "$browser", "Firefox")).send();
        as(p.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_properties", "event_name", "signup"))))
                .post(url(p, "read_taxonomy")).then().statusCode(200).body("success", equalTo(true))
                .body("content", equalTo("properties:\n  String:\n    - name: $browser\n    - name: plan"));
    }

    @Test
    void readTaxonomyErrorsScopesAndIsolation() {
        String tool = url(team, "read_taxonomy");
        as(team.key()).body(Map.of("args", Map.of())).post(tool).then().statusCode(400).body("success", equalTo(false));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "planets")))).post(tool).then().statusCode(200)
                .body("success", equalTo(false));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_properties")))).post(tool).then()
                .statusCode(200).body("success", equalTo(false)).body("content", containsString("event_name"));
        as(team.keyWith("query:read")).body(Map.of("args", Map.of("query", Map.of("kind", "events")))).post(tool).then()
                .statusCode(403).body("detail", containsString("event_definition:read"));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "events")))).post(url(other, "read_taxonomy"))
                .then().statusCode(403);
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_properties", "event_name", "pay"))))
                .post(tool).then().statusCode(200).body("content", not(containsString("secret")));
        as(team.key()).body(Map.of("args", Map.of("query", Map.of("kind", "event_property_values", "event_name", "pay",
                "property_name", "plan")))).post(tool).then().statusCode(200).body("content", not(containsString("OTHERSECRET")));
    }

    /** A tool error that ends in a period (PostHog's "Can not access property …".) keeps one period. */
    @Test
    void aFailureEndsInOnePeriod() {
        org.junit.jupiter.api.Assertions.assertEquals("Tool failed: Unable to resolve field: x.",
                McpToolsResource.failed("Unable to resolve field: x"));
        org.junit.jupiter.api.Assertions.assertEquals("Tool failed: Can not access property \"x\" on field \"event\".",
                McpToolsResource.failed("Can not access property \"x\" on field \"event\"."));
    }
}
