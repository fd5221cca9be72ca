package dev.quarry.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code PATCH /api/users/@me/} (the CLI's {@code user-settings-update}): what it stores is answered as
 * {@code GET} answers it, for this user only; what Quarry cannot do is PostHog's 400 naming the field.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class CurrentUserEditTest {
    private static final String ME = "/api/users/@me/";

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    @Test
    void settingsAreStoredAndAnsweredAsGetAnswersThem() {
        Project p = TestProjects.create("User settings");
        as(p.key()).get(ME).then().statusCode(200)
                .body("last_name", equalTo("")).body("theme_mode", nullValue()).body("toolbar_mode", equalTo("toolbar"))
                .body("shortcut_position", equalTo("above"))
                .body("events_column_config", equalTo(Map.of("active", "DEFAULT")))
                .body("notification_settings.plugin_disabled", equalTo(true))
                .body("notification_settings.data_pipeline_error_threshold", equalTo(0.01f));
        as(p.key()).body(Map.of("first_name", "Ada", "last_name", "Lovelace", "theme_mode", "dark",
                        "toolbar_mode", "disabled", "hedgehog_config", Map.of("enabled", true),
                        "has_seen_product_intro_for", Map.of("insights", true), "role_at_organization", "data",
                        "notification_settings", Map.of("plugin_disabled", false,
                                "project_weekly_digest_disabled", Map.of("1", true))))
                .patch(ME).then().statusCode(200)
                .body("first_name", equalTo("Ada")).body("last_name", equalTo("Lovelace"))
                .body("theme_mode", equalTo("dark")).body("toolbar_mode", equalTo("disabled"))
                .body("hedgehog_config.enabled", equalTo(true)).body("role_at_organization", equalTo("data"))
                .body("notification_settings.plugin_disabled", equalTo(false))
                .body("notification_settings.all_weekly_digest_disabled", equalTo(false))
                .body("organization.id", org.hamcrest.Matchers.notNullValue());
        // a second edit merges the notification maps id by id and keeps the rest
        as(p.key()).body(Map.of("notification_settings", Map.of("project_weekly_digest_disabled", Map.of("2", true)),
                        "shortcut_position", "below"))
                .patch(ME).then().statusCode(200)
                .body("notification_settings.project_weekly_digest_disabled", equalTo(Map.of("1", true, "2", true)))
                .body("notification_settings.plugin_disabled", equalTo(false));
        // GET answers the same, including through the CLI's encoded "@me"
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + p.key()).get("/api/users/%40me/")
                .then().statusCode(200).body("first_name", equalTo("Ada")).body("theme_mode", equalTo("dark"))
                .body("shortcut_position", equalTo("below")).body("has_seen_product_intro_for.insights", equalTo(true));
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + p.key()).contentType("application/json")
                .body(Map.of("theme_mode", "")).patch("/api/users/%40me/").then().statusCode(200)
                .body("theme_mode", equalTo(""));
    }

    @Test
    void whatQuarryCannotChangeIsRefusedNamingTheField() {
        Project p = TestProjects.create("User settings refused");
        String email = as(p.key()).get(ME).then().statusCode(200).extract().path("email");
        refused(p, Map.of("email", "someone.else@example.com"), "email");
        as(p.key()).body(Map.of("email", email.toUpperCase(), "first_name", "Same")).patch(ME).then().statusCode(200)
                .body("email", equalTo(email));
        refused(p, Map.of("password", "correct horse battery", "current_password", "x"), "password");
        refused(p, Map.of("theme_mode", "blue"), "theme_mode").body("detail", equalTo("\"blue\" is not a valid choice."));
        refused(p, Map.of("role_at_organization", "astronaut"), "role_at_organization");
        refused(p, Map.of("first_name", "x".repeat(151)), "first_name");
        refused(p, Map.of("passkeys_enabled_for_2fa", true), "passkeys_enabled_for_2fa");
        refused(p, Map.of("anonymize_data", "perhaps"), "anonymize_data");
        refused(p, Map.of("notification_settings", Map.of("nope", true)), "notification_settings")
                .body("code", equalTo("invalid_input"))
                .body("detail", equalTo("Key nope is not valid as a key for notification settings"));
        refused(p, Map.of("notification_settings", Map.of("project_weekly_digest_disabled", Map.of("1", "yes"))),
                "notification_settings")
                .body("detail", equalTo("Notification setting values must be boolean, got <class 'str'> instead"));
        refused(p, Map.of("notification_settings", Map.of("data_pipeline_error_threshold", 2)), "notification_settings");
        refused(p, Map.of("set_current_organization", "00000000-0000-0000-0000-000000000001"),
                "set_current_organization")
                .body("detail", equalTo("Object with id=00000000-0000-0000-0000-000000000001 does not exist."));
        as(p.key()).body(Map.of("is_staff", true)).patch(ME).then().statusCode(403)
                .body("detail", containsString("not a staff user"));
        // what is stored must fit an answer: an id map of at most 1,000 ids, settings of at most 256 KiB of JSON
        java.util.Map<String, Object> ids = new java.util.HashMap<>();
        for (int i = 0; i < 1001; i++) {
            ids.put(Integer.toString(i), true);
        }
        refused(p, Map.of("notification_settings", Map.of("project_weekly_digest_disabled", ids)),
                "notification_settings").body("detail", containsString("cannot have more than 1000 entries"));
        refused(p, Map.of("hedgehog_config", Map.of("x", "h".repeat(300_000))), null)
                .body("detail", containsString("at most 262144 are kept"));
        // nothing above was stored
        as(p.key()).get(ME).then().statusCode(200).body("theme_mode", nullValue()).body("first_name", equalTo("Same"))
                .body("email", equalTo(email)).body("notification_settings.project_weekly_digest_disabled", equalTo(Map.of()))
                .body("hedgehog_config", nullValue());
    }

    private static io.restassured.response.ValidatableResponse refused(Project p, Map<String, Object> body, String attr) {
        return as(p.key()).body(body).patch(ME).then().statusCode(400)
                .body("type", equalTo("validation_error")).body("attr", equalTo(attr));
    }

    @Test
    void currentTeamIsOneTheKeyCanSeeAndEditsStayWithTheUser() {
        Project p = TestProjects.create("User current team");
        Project stranger = TestProjects.create("User current team stranger");
        String email = as(p.key()).get(ME).then().statusCode(200).extract().path("email");
        long second = given().contentType(ContentType.JSON).header("X-Quarry-Operator-Secret", TestProjects.OPERATOR_SECRET)
                .body(Map.of("name", "Second", "owner_email", email)).post("/admin/projects")
                .then().statusCode(200).extract().jsonPath().getLong("id");
        as(p.key()).get(ME).then().statusCode(200).body("team.id", equalTo((int) p.id()));
        as(p.key()).body(Map.of("set_current_team", second)).patch(ME).then().statusCode(200)
                .body("team.id", equalTo((int) second));
        as(p.key()).get(ME).then().statusCode(200).body("team.id", equalTo((int) second));
        // another organization's project does not exist for this user; a key scoped to the first project never sees
        // the second as current
        refused(p, Map.of("set_current_team", String.valueOf(stranger.id())), "set_current_team");
        as(p.keyWith(List.of("user:read"), List.of(p.id()))).get(ME).then().statusCode(200)
                .body("team.id", equalTo((int) p.id()));
        // set_current_organization to the user's own organization goes back to its first project
        String organization = as(p.key()).get(ME).then().extract().path("organization.id");
        as(p.key()).body(Map.of("set_current_organization", organization)).patch(ME).then().statusCode(200)
                .body("team.id", equalTo((int) p.id()));
        // scopes: user:read reads, user:write edits
        as(p.keyWith("user:read")).body(Map.of("first_name", "No")).patch(ME).then().statusCode(403)
                .body("detail", containsString("user:write"));
        as(p.keyWith("user:write")).body(Map.of("first_name", "Yes")).patch(ME).then().statusCode(200)
                .body("first_name", equalTo("Yes"));
        // the other user is untouched
        as(stranger.key()).get(ME).then().statusCode(200).body("first_name", org.hamcrest.Matchers.not(equalTo("Yes")))
                .body("team.id", equalTo((int) stranger.id()));
    }

    /** {@code /api/user_home_settings/@me/}: pinned tabs and homepage per user and current project. */
    @Test
    void homeSettingsArePinnedTabsAndAHomepageInTheCurrentProject() {
        Project p = TestProjects.create("User home settings");
        String home = "/api/user_home_settings/@me/";
        as(p.key()).get(home).then().statusCode(200).body("tabs", equalTo(List.of())).body("homepage", nullValue());
        as(p.key()).body(Map.of("tabs", List.of(Map.of("pathname", " /project/1/insights ", "title", "Insights",
                                "active", true, "unknown", 1), Map.of()),
                        "homepage", Map.of("pathname", "/project/1/dashboard/2", "pinned", false)))
                .patch(home).then().statusCode(200)
                .body("tabs", equalTo(List.of(Map.of("pathname", "/project/1/insights", "title", "Insights",
                        "pinned", true))))
                .body("homepage", equalTo(Map.of("pathname", "/project/1/dashboard/2", "pinned", true)));
        // tabs left out stay; homepage {} clears it
        as(p.key()).body(Map.of("homepage", Map.of())).patch(home).then().statusCode(200)
                .body("tabs.size()", equalTo(1)).body("homepage", nullValue());
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + p.key())
                .get("/api/user_home_settings/%40me/").then().statusCode(200).body("tabs[0].title", equalTo("Insights"));
        as(p.key()).body(Map.of("tabs", List.of(Map.of("pathname", List.of())))).patch(home).then().statusCode(400)
                .body("attr", equalTo("tabs__0__pathname"));
        // tabs that would not fit an answer are refused, and nothing of them is stored
        List<Map<String, Object>> many = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(Map.of("pathname", "/p" + "a".repeat(700), "title", "t" + i));
        }
        as(p.key()).body(Map.of("tabs", many)).patch(home).then().statusCode(400).body("attr", equalTo("tabs"));
        as(p.key()).get(home).then().statusCode(200).body("tabs.size()", equalTo(1));
        as(p.key()).get("/api/user_home_settings/" + java.util.UUID.randomUUID() + "/").then().statusCode(403);
        as(p.keyWith("user:read")).body(Map.of("tabs", List.of())).patch(home).then().statusCode(403);
        // another user has their own (none)
        Project other = TestProjects.create("User home settings other");
        as(other.key()).get(home).then().statusCode(200).body("tabs", equalTo(List.of()));
    }
}
