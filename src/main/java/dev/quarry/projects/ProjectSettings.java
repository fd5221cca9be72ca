package dev.quarry.projects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.QueryExecutor;
import dev.quarry.query.TeamLanes;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ThrottledException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * A project's settings as PostHog's project serializer reads and PATCHes them, for both paths PostHog serves:
 * {@code /api/projects/:id/} and {@code /api/organizations/:organization_id/projects/:id/} (the one PostHog's CLI
 * tool {@code project-settings-update} calls). PATCH semantics: only the fields sent change; of PostHog's fields
 * Quarry keeps {@code name} (1–200 characters), {@code timezone} (an IANA zone), {@code week_start_day} (0 Sunday,
 * 1 Monday), {@code test_account_filters} (a list of property filters) and {@code person_display_name_properties}
 * (a list of names or null), and ignores the others; a bad value is a 400 naming the field, and so is a list past
 * {@link #MAX_TEST_ACCOUNT_FILTERS} filters or {@link #MAX_DISPLAY_NAME_PROPERTIES} names or {@link #MAX_SETTING_CHARS}
 * characters (refused before anything is stored).
 */
@ApplicationScoped
public class ProjectSettings {
    /**
     * The most test-account filters a project keeps. They are read with the project on every request and added to
     * every query that filters test accounts (PostHog bounds neither; its projects hold a handful): 26,000 filters
     * were stored by a breaker, and then every request of the project dragged 8 MB through the event loop.
     */
    static final int MAX_TEST_ACCOUNT_FILTERS = 100;
    /** The most person display-name properties a project keeps (PostHog's app offers a handful). */
    static final int MAX_DISPLAY_NAME_PROPERTIES = 100;
    /** The longest JSON text of either list. */
    static final int MAX_SETTING_CHARS = 64 * 1024;

    private final Teams teams;
    private final ObjectMapper mapper;
    private final TeamLanes lanes;
    private final QueryExecutor executor;

    public ProjectSettings(Teams teams, ObjectMapper mapper, TeamLanes lanes, QueryExecutor executor) {
        this.teams = teams;
        this.mapper = mapper;
        this.lanes = lanes;
        this.executor = executor;
    }

    /**
     * Applies a PATCH body to the project, in the project's lane (its test-account filters, HogQL ones included, are
     * parsed off the event loop); a timezone change rebuilds the project's rollups (a 429 while another one runs).
     *
     * @return the project as {@link #view} shows it after the change
     */
    public Uni<ObjectNode> update(Team team, JsonNode body) {
        return lanes.run(team.id(), () -> apply(team, body));
    }

    private Uni<ObjectNode> apply(Team team, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("Request body must be an object", null);
        }
        String name = body.has("name") ? text(body, "name") : team.name();
        if (name.isBlank() || name.length() > 200) {
            throw new ValidationException("name must be 1 to 200 characters", "name");
        }
        String timezone = body.has("timezone") ? text(body, "timezone") : team.timezone();
        try {
            ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new ValidationException("\"" + timezone + "\" is not a valid choice.", "timezone");
        }
        int weekStart = team.weekStartDay();
        if (body.has("week_start_day")) {
            JsonNode value = body.get("week_start_day");
            if (!value.isInt() || (value.asInt() != 0 && value.asInt() != 1)) {
                throw new ValidationException("week_start_day must be 0 (Sunday) or 1 (Monday)", "week_start_day");
            }
            weekStart = value.asInt();
        }
        String testAccounts = team.testAccountFilters();
        if (body.has("test_account_filters")) {
            JsonNode filters = body.get("test_account_filters");
            if (!filters.isArray()) {
                throw new ValidationException("test_account_filters must be a list of property filters", "test_account_filters");
            }
            if (filters.size() > MAX_TEST_ACCOUNT_FILTERS || filters.toString().length() > MAX_SETTING_CHARS) {
                throw new ValidationException("test_account_filters may hold at most " + MAX_TEST_ACCOUNT_FILTERS
                        + " filters and " + MAX_SETTING_CHARS + " characters of JSON", "test_account_filters");
            }
            try {
                PropertyFilters.toExpr(PropertyFilter.parseLegacy(filters, "test_account_filters"));
            } catch (HogQLException | ValidationException e) {
                throw new ValidationException(e.getMessage(), "test_account_filters");
            }
            testAccounts = filters.toString();
        }
        String displayNames = team.personDisplayNameProperties();
        if (body.has("person_display_name_properties")) {
            JsonNode names = body.get("person_display_name_properties");
            if (!names.isNull() && (!names.isArray() || !allText(names))) {
                throw new ValidationException("person_display_name_properties must be a list of property names",
                        "person_display_name_properties");
            }
            if (!names.isNull() && (names.size() > MAX_DISPLAY_NAME_PROPERTIES
                    || names.toString().length() > MAX_SETTING_CHARS)) {
                throw new ValidationException("person_display_name_properties may hold at most "
                        + MAX_DISPLAY_NAME_PROPERTIES + " names and " + MAX_SETTING_CHARS + " characters of JSON",
                        "person_display_name_properties");
            }
            displayNames = names.isNull() ? null : names.toString();
        }
        String newTestAccounts = testAccounts;
        String newDisplayNames = displayNames;
        int newWeekStart = weekStart;
        java.util.function.Supplier<Uni<Team>> update = () -> teams.update(team.id(), name, timezone, newWeekStart,
                newTestAccounts, newDisplayNames);
        // a timezone change rebuilds the rollups for up to 120 s: it holds a statement slot, never a reserved connection
        Uni<Team> updated = timezone.equals(team.timezone()) ? update.get() : executor.inStatementSlot(team.id(), update);
        return updated.map(this::view)
                .onFailure(Teams.TimezoneChangeRefused.class).transform(e -> switch (((Teams.TimezoneChangeRefused) e).reason()) {
                    case PROJECT_BUSY -> new ThrottledException("A timezone change of this project is already running: "
                            + "retry when it is done.", 5);
                    case ALL_BUSY -> new ThrottledException("Too many timezone changes are running: retry shortly.", 5);
                    case LOCK_WAIT -> new ThrottledException("The project's capture held its timezone lock too long: "
                            + "retry shortly.", 5);
                    case TOO_LONG -> new ValidationException("invalid_input", "The project's rollups could not be "
                            + "rebuilt for the new timezone within 120 seconds; the timezone is unchanged.", "timezone");
                });
    }

    /** The project as PostHog's serializer shows the fields Quarry keeps. */
    public ObjectNode view(Team team) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", team.id());
        node.put("uuid", team.uuid().toString());
        node.put("organization", team.organizationId().toString());
        node.put("name", team.name());
        node.put("api_token", team.apiToken());
        node.put("timezone", team.timezone());
        node.put("week_start_day", team.weekStartDay());
        node.set("test_account_filters", json(team.testAccountFilters()));
        node.set("person_display_name_properties", json(team.personDisplayNameProperties()));
        return node;
    }

    private JsonNode json(String text) {
        try {
            return text == null ? mapper.nullNode() : mapper.readTree(text);
        } catch (IOException e) {
            return mapper.nullNode();
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new ValidationException("Not a valid string.", field);
        }
        return value.asText();
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
