package dev.quarry.definitions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Group property definitions (PostHog's PropertyDefinition type 3, per {@code group_type_index}): recorded at capture
 * from {@code $groupidentify}'s {@code $group_set} in the batch's transaction, typed from the first value as event
 * properties are, and listed by {@code property_definitions/?type=group&group_type_index=N} with PostHog's query checks
 * (posthog/api/property_definition.py, PropertyDefinitionQuerySerializer). The events are posthog-node's
 * {@code groupIdentify} as it sends them to {@code /batch/} (distinct id {@code $<type>_<key>}, {@code $group_type},
 * {@code $group_key}, {@code $group_set}, its library fields).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class GroupPropertyDefinitionsTest {
    @Inject
    Pool pool;

    /** posthog-node 4.x's batch for {@code client.groupIdentify({groupType, groupKey, properties})}. */
    private static String groupIdentify(Project p, String type, String key, String groupSet, String ts) {
        return "{\"api_key\":\"" + p.apiToken() + "\",\"batch\":[{\"distinct_id\":\"$" + type + "_" + key + "\","
                + "\"event\":\"$groupidentify\",\"properties\":{\"$group_type\":\"" + type + "\",\"$group_key\":\"" + key
                + "\",\"$group_set\":" + groupSet + ",\"$lib\":\"posthog-node\",\"$lib_version\":\"4.18.0\","
                + "\"$geoip_disable\":true},\"type\":\"capture\",\"library\":\"posthog-node\","
                + "\"library_version\":\"4.18.0\",\"timestamp\":\"" + ts + "\",\"uuid\":\"" + java.util.UUID.randomUUID()
                + "\"}],\"sent_at\":\"" + ts + "\"}";
    }

    private static void send(String body) {
        given().contentType("application/json").header("User-Agent", "posthog-node/4.18.0").body(body)
                .post("/batch/").then().statusCode(200);
    }

    private static JsonPath list(Project p, String query) {
        return given().header("Authorization", "Bearer " + p.key())
                .get("/api/projects/" + p.id() + "/property_definitions/?" + query).then().statusCode(200)
                .extract().jsonPath();
    }

    @Test
    void groupIdentifyRecordsDefinitionsPerGroupType() {
        Project team = TestProjects.create("group property definitions");
        Project other = TestProjects.create("group property definitions, other");
        // organization is the project's first group type (index 0), project the second (index 1)
        send(groupIdentify(team, "organization", "acme", "{\"name\":\"Acme\",\"employees\":50,\"is_paid\":true,"
                + "\"signed_up_at\":\"2026-01-05T10:00:00Z\",\"plan\":null}", "2026-02-01T10:00:00.000Z"));
        send(groupIdentify(team, "organization", "globex", "{\"employees\":\"many\",\"plan\":\"pro\"}",
                "2026-02-01T11:00:00.000Z"));
        send(groupIdentify(team, "project", "p1", "{\"name\":\"Site\",\"seats\":3}", "2026-02-01T12:00:00.000Z"));
        send(groupIdentify(other, "organization", "initech", "{\"secret\":1}", "2026-02-01T12:00:00.000Z"));

        JsonPath org = list(team, "type=group&group_type_index=0");
        assertEquals(5, org.getInt("count"), org.prettify());
        assertEquals(List.of("employees", "is_paid", "name", "plan", "signed_up_at"), org.getList("results.name"));
        // the first typed value types the property and later ones never change it (50 before "many"; plan's first
        // value, null, says nothing, so the later "pro" types it: PostHog's property-defs-rs, as for event properties)
        assertEquals(java.util.Arrays.asList("Numeric", "Boolean", "String", "String", "DateTime"),
                org.getList("results.property_type"));
        assertEquals(List.of(true, false, false, false, false), org.getList("results.is_numerical"));
        assertEquals(List.of(3, 3, 3, 3, 3), org.getList("results.type"));
        JsonPath project = list(team, "type=group&group_type_index=1");
        assertEquals(List.of("name", "seats"), project.getList("results.name"));
        assertEquals(0, list(team, "type=group&group_type_index=2").getInt("count"));
        // names and search filter as for the other kinds
        assertEquals(List.of("employees"), list(team, "type=group&group_type_index=0&search=EMPL").getList("results.name"));
        assertEquals(List.of("name", "plan"), list(team, "type=group&group_type_index=0&properties=plan,name")
                .getList("results.name"));
        // group properties are not person or event properties
        assertEquals(0, list(team, "type=person&properties=employees,seats").getInt("count"));
        assertEquals(0, list(team, "type=event&properties=employees,seats").getInt("count"));
        // the wall: the other project sees its own only
        assertEquals(List.of("secret"), list(other, "type=group&group_type_index=0").getList("results.name"));
        // a definition's own page and edit
        String id = org.getString("results[0].id");
        given().header("Authorization", "Bearer " + team.key()).get("/api/projects/" + team.id()
                + "/property_definitions/" + id + "/").then().statusCode(200).body("name", equalTo("employees"));
        given().header("Authorization", "Bearer " + other.key()).get("/api/projects/" + other.id()
                + "/property_definitions/" + id + "/").then().statusCode(404);
    }

    @Test
    void groupTypeIndexIsCheckedAsPostHogChecksIt() {
        Project team = TestProjects.create("group property definitions, checks");
        String base = "/api/projects/" + team.id() + "/property_definitions/?";
        Map<String, String> refused = Map.of(
                "type=group", "`group_type_index` must be set for `group` type",
                "type=event&group_type_index=0", "`group_type_index` can only set for `group` type",
                "group_type_index=1", "`group_type_index` can only set for `group` type",
                "type=group&group_type_index=5", "Invalid value for `group_type_index`",
                "type=group&group_type_index=-1", "Invalid value for `group_type_index`",
                // DRF's IntegerField reads an integer of any size; only then is it out of range
                "type=group&group_type_index=99999999999", "Invalid value for `group_type_index`");
        refused.forEach((query, detail) -> given().header("Authorization", "Bearer " + team.key()).get(base + query)
                .then().statusCode(400).body("type", equalTo("validation_error")).body("detail", equalTo(detail))
                .body("attr", nullValue()));
        given().header("Authorization", "Bearer " + team.key()).get(base + "type=group&group_type_index=x").then()
                .statusCode(400).body("detail", equalTo("A valid integer is required."))
                .body("attr", equalTo("group_type_index"));
    }

    /**
     * The migration's backfill (V102_1) over groups stored before definitions were recorded: re-run here on a group
     * written straight to the table (its statement is idempotent), it types the first value as capture does.
     */
    @Test
    void theMigrationBackfillsStoredGroups() throws Exception {
        Project team = TestProjects.create("group property definitions, backfill");
        pool.preparedQuery("INSERT INTO groups (team_id, group_type_index, group_key, group_properties, created_at) "
                        + "VALUES ($1, 2, 'old', '{\"arr\": 12.5, \"since_at\": 1700000000, \"flag\": \"FALSE\", "
                        + "\"utm_x\": 5, \"nested\": {\"a\": 1}, \"\": 1}'::jsonb, now())")
                .execute(Tuple.of(team.id())).await().indefinitely();
        String sql;
        try (InputStream in = getClass().getResourceAsStream("/db/migration/V102_1__group_property_definitions.sql")) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String backfill = sql.substring(sql.indexOf("INSERT INTO property_definitions"));
        pool.query(backfill.substring(0, backfill.lastIndexOf(';'))).execute().await().indefinitely();
        JsonPath found = list(team, "type=group&group_type_index=2");
        assertEquals(List.of("arr", "flag", "nested", "since_at", "utm_x"), found.getList("results.name"));
        assertEquals(java.util.Arrays.asList("Numeric", "Boolean", null, "DateTime", "String"),
                found.getList("results.property_type"));
    }
}
