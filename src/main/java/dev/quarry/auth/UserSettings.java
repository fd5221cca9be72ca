package dev.quarry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.DrfBoolean;
import dev.quarry.web.PermissionDeniedException;
import dev.quarry.web.ValidationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The settings a Quarry user changes with {@code PATCH /api/users/@me/} (the CLI's {@code user-settings-update}), read
 * as PostHog's {@code UserSerializer} (posthog/api/user.py) validates them. Plain Java: a body and the stored settings
 * in, the new settings out.
 * <ul>
 * <li>Stored: {@code first_name}, {@code last_name} (at most 150 characters), {@code notification_settings} (merged key
 * by key, the per-project maps merged id by id, as PostHog's {@code validate_notification_settings}; an unknown key or
 * a wrong type a 400 on {@code notification_settings} in PostHog's words), {@code anonymize_data},
 * {@code allow_impersonation}, {@code allow_sidebar_suggestions}, {@code hide_mcp_hints},
 * {@code passkeys_enabled_for_2fa} (false only: Quarry has no passkeys, so true is PostHog's "You must have at least
 * one passkey set up…"), {@code toolbar_mode}, {@code theme_mode}, {@code shortcut_position} (their choices, "" or
 * null), {@code role_at_organization} (its choices), {@code events_column_config}, {@code has_seen_product_intro_for},
 * {@code hedgehog_config} (any JSON) and {@code ui_configuration} (null or an object; PostHog checks it against its
 * UserUIConfiguration schema, Quarry only that it is an object with an integer {@code version}).</li>
 * <li>Refused, a 400 naming the field: a different {@code email} (Quarry sends no verification mail and changes no
 * sign-in identity; the same address, in any case, passes) and {@code password} (Quarry users have no password, only
 * personal API keys). {@code is_staff} is PostHog's 403 "You are not a staff user…". {@code set_current_organization}
 * and {@code set_current_team} are checked by the resource against what the key can see.</li>
 * <li>Ignored, as PostHog's read-only fields are: {@code id}, {@code uuid}, {@code distinct_id}, {@code date_joined},
 * {@code pending_email}, … and any unknown key; {@code current_password} without {@code password}.</li>
 * </ul>
 */
public final class UserSettings {
    private UserSettings() {
    }

    /** PostHog's notification defaults ({@code NOTIFICATION_DEFAULTS}), what a user who changed nothing is answered. */
    static ObjectNode notificationDefaults() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("plugin_disabled", true);
        o.put("discussions_mentioned", true);
        o.putObject("project_weekly_digest_disabled");
        o.put("all_weekly_digest_disabled", false);
        o.put("error_tracking_issue_assigned", true);
        o.put("error_tracking_weekly_digest", true);
        o.put("data_pipeline_error_threshold", 0.01);
        o.put("project_api_key_exposed", true);
        o.put("materialized_view_sync_failed", false);
        o.put("web_analytics_weekly_digest", true);
        o.putObject("organization_member_join_email_disabled");
        o.putObject("realtime_notifications_disabled");
        o.putObject("pipeline_notifications_disabled");
        return o;
    }

    /** The notification keys whose value maps ids to booleans, merged id by id. */
    static final Set<String> MAP_KEYS = Set.of("project_weekly_digest_disabled",
            "error_tracking_weekly_digest_project_enabled", "web_analytics_weekly_digest_project_enabled",
            "organization_member_join_email_disabled", "pipeline_notifications_disabled");

    private static final Pattern PIPELINE_ID = Pattern.compile("^(?:hog_function|batch_export|plugin_config):[0-9a-zA-Z-]{1,128}$");
    static final int MAX_PIPELINE_NOTIFICATIONS = 1000;

    /** The settings a user has not set, as PostHog's model defaults them (shortcut_position: its answer for null). */
    static ObjectNode defaults() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("anonymize_data", false);
        o.put("allow_impersonation", true);
        o.put("toolbar_mode", "toolbar");
        o.putObject("events_column_config").put("active", "DEFAULT");
        o.putNull("has_seen_product_intro_for");
        o.putNull("theme_mode");
        o.putNull("hedgehog_config");
        o.put("allow_sidebar_suggestions", false);
        o.put("shortcut_position", "above");
        o.putNull("role_at_organization");
        o.put("passkeys_enabled_for_2fa", false);
        o.put("hide_mcp_hints", false);
        o.putNull("ui_configuration");
        return o;
    }

    /** The settings to answer: the defaults overlaid with what is stored, notification settings with theirs. */
    static ObjectNode effective(ObjectNode stored) {
        ObjectNode out = defaults();
        stored.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("notification_settings")) {
                out.set(e.getKey(), e.getValue());
            }
        });
        if (out.get("shortcut_position").isNull()) {
            out.put("shortcut_position", "above"); // PostHog's to_representation backfills a null
        }
        ObjectNode notifications = notificationDefaults();
        if (stored.get("notification_settings") instanceof ObjectNode saved) {
            notifications.setAll(saved);
        }
        out.set("notification_settings", notifications);
        return out;
    }

    /** What a PATCH changes: names (null when not sent) and the new stored settings. */
    public record Change(String firstName, String lastName, ObjectNode settings) {
    }

    private static final Map<String, List<String>> CHOICES = Map.of(
            "toolbar_mode", List.of("disabled", "toolbar"),
            "theme_mode", List.of("light", "dark", "system"),
            "shortcut_position", List.of("above", "below", "hidden"));

    private static final List<String> ROLES = List.of("engineering", "data", "product", "founder", "leadership",
            "marketing", "sales", "student", "other");

    private static final List<String> BOOLEANS = List.of("anonymize_data", "allow_impersonation",
            "allow_sidebar_suggestions", "hide_mcp_hints", "passkeys_enabled_for_2fa");

    private static final List<String> ANY_JSON = List.of("has_seen_product_intro_for", "hedgehog_config");

    /**
     * The body applied to what is stored. @throws ValidationException naming the field that does not fit or that
     * Quarry cannot change @throws PermissionDeniedException for {@code is_staff}
     */
    public static Change apply(JsonNode body, ObjectNode stored, String email) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("invalid", "Invalid data. Expected a dictionary, but got "
                    + pythonType(body).replace("<class '", "").replace("'>", "") + ".", "non_field_errors");
        }
        if (body.has("is_staff")) {
            throw new PermissionDeniedException("You are not a staff user, contact your instance admin.");
        }
        String firstName = name(body, "first_name");
        String lastName = name(body, "last_name");
        if (body.has("email")) {
            JsonNode e = body.get("email");
            if (e.isNull()) {
                throw new ValidationException("null", "This field may not be null.", "email");
            }
            if (!e.isTextual() || !e.textValue().trim().equalsIgnoreCase(email)) {
                throw new ValidationException("Quarry cannot change a user's email address: it sends no verification "
                        + "email, and the address is how its operator identifies the user.", "email");
            }
        }
        if (body.has("password") && !(body.get("password").isTextual() && body.get("password").textValue().isEmpty())) {
            throw new ValidationException("Quarry users have no password (they sign in with personal API keys), so "
                    + "there is none to change.", "password");
        }
        ObjectNode next = stored.deepCopy();
        for (String field : BOOLEANS) {
            if (body.has(field)) {
                JsonNode v = body.get(field);
                if (v.isNull()) {
                    next.putNull(field);
                } else {
                    boolean value = DrfBoolean.read(v, field);
                    if (field.equals("passkeys_enabled_for_2fa") && value) {
                        throw new ValidationException("no_passkeys",
                                "You must have at least one passkey set up before enabling passkeys for 2FA.", field);
                    }
                    next.put(field, value);
                }
            }
        }
        for (Map.Entry<String, List<String>> choice : CHOICES.entrySet()) {
            String field = choice.getKey();
            if (body.has(field)) {
                JsonNode v = body.get(field);
                if (v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
                    next.set(field, v.isNull() ? v : JsonNodeFactory.instance.textNode(""));
                } else if (v.isTextual() && choice.getValue().contains(v.textValue())) {
                    next.put(field, v.textValue());
                } else {
                    throw invalidChoice(v, field);
                }
            }
        }
        if (body.has("role_at_organization")) {
            JsonNode v = body.get("role_at_organization");
            if (v.isNull()) {
                throw new ValidationException("null", "This field may not be null.", "role_at_organization");
            }
            if (!v.isTextual() || !ROLES.contains(v.textValue())) {
                throw invalidChoice(v, "role_at_organization");
            }
            next.put("role_at_organization", v.textValue());
        }
        for (String field : ANY_JSON) {
            if (body.has(field)) {
                next.set(field, body.get(field));
            }
        }
        if (body.has("events_column_config")) {
            if (body.get("events_column_config").isNull()) {
                throw new ValidationException("null", "This field may not be null.", "events_column_config");
            }
            next.set("events_column_config", body.get("events_column_config"));
        }
        if (body.has("ui_configuration")) {
            JsonNode v = body.get("ui_configuration");
            if (!v.isNull() && !(v.isObject() && v.path("version").isIntegralNumber())) {
                throw new ValidationException("invalid_input",
                        "Does not match the UserUIConfiguration schema: version: Field required", "ui_configuration");
            }
            next.set("ui_configuration", v);
        }
        if (body.has("notification_settings")) {
            next.set("notification_settings", notifications(body.get("notification_settings"),
                    stored.get("notification_settings")));
        }
        bounded(next);
        return new Change(firstName, lastName, next);
    }

    /** The most bytes a user's stored settings may hold as JSON: far below what an answer carries. */
    static final int MAX_SETTINGS_BYTES = 256 * 1024;
    /** The most ids one notification id map may hold (PostHog caps its pipeline map at this). */
    static final int MAX_MAP_IDS = 1000;

    /**
     * The settings as they would be stored must fit an answer, whatever was merged into them: every notification id
     * map holds at most {@link #MAX_MAP_IDS} ids and the whole at most {@link #MAX_SETTINGS_BYTES} of JSON, refused
     * before anything is stored (maps merged id by id grew a user's row to 29 MB, and every GET of the user, and
     * every later PATCH, became a 400 with no way back; a 7 MB hedgehog_config was stored though its answer was
     * refused — a breaker's findings).
     */
    static void bounded(ObjectNode settings) {
        JsonNode notifications = settings.get("notification_settings");
        if (notifications != null) {
            for (String key : MAP_KEYS) {
                if (notifications.path(key).size() > MAX_MAP_IDS) {
                    throw invalid(key + " cannot have more than " + MAX_MAP_IDS + " entries", "invalid_input");
                }
            }
            notifications.path("realtime_notifications_disabled").forEach(perType -> {
                if (perType.size() > MAX_MAP_IDS) {
                    throw invalid("realtime_notifications_disabled cannot have more than " + MAX_MAP_IDS
                            + " entries of a type", "invalid_input");
                }
            });
        }
        long bytes = settings.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_SETTINGS_BYTES) {
            throw new ValidationException("invalid_input", "The user's settings would be " + bytes
                    + " bytes of JSON; at most " + MAX_SETTINGS_BYTES + " are kept.", null);
        }
    }

    private static ValidationException invalidChoice(JsonNode v, String field) {
        return new ValidationException("invalid_choice", "\"" + (v.isTextual() ? v.textValue() : v.toString())
                + "\" is not a valid choice.", field);
    }

    /** A name field as DRF's CharField(max_length=150) reads it; null when not sent. */
    private static String name(JsonNode body, String field) {
        if (!body.has(field)) {
            return null;
        }
        JsonNode v = body.get(field);
        if (v.isNull()) {
            throw new ValidationException("null", "This field may not be null.", field);
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new ValidationException("invalid", "Not a valid string.", field);
        }
        String text = v.isTextual() ? v.textValue().strip() : v.asText();
        if (text.codePointCount(0, text.length()) > 150) {
            throw new ValidationException("max_length", "Ensure this field has no more than 150 characters.", field);
        }
        return text;
    }

    /**
     * PostHog's {@code validate_notification_settings}: the stored settings (over the defaults) with each sent key
     * set, the id maps merged id by id ({@code realtime_notifications_disabled} type by type, then id by id). Every
     * failure is a 400 {@code invalid_input} on {@code notification_settings}.
     */
    static ObjectNode notifications(JsonNode sent, JsonNode stored) {
        if (sent == null || !sent.isObject()) {
            throw invalid("Expected a dictionary of items but got type \"" + pythonType(sent).replace("<class '", "")
                    .replace("'>", "") + "\".", "invalid");
        }
        ObjectNode current = notificationDefaults();
        if (stored instanceof ObjectNode saved) {
            current.setAll(saved);
        }
        Iterator<Map.Entry<String, JsonNode>> fields = sent.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (MAP_KEYS.contains(key)) {
                if (!value.isObject()) {
                    throw invalid(key + " must be a dictionary mapping IDs to boolean values", "invalid_input");
                }
                value.fields().forEachRemaining(id -> {
                    if (!id.getValue().isBoolean()) {
                        throw invalid("Notification setting values must be boolean, got " + pythonType(id.getValue())
                                + " instead", "invalid_input");
                    }
                });
                ObjectNode merged = current.get(key) instanceof ObjectNode had ? had.deepCopy()
                        : JsonNodeFactory.instance.objectNode();
                merged.setAll((ObjectNode) value);
                if (key.equals("pipeline_notifications_disabled")) {
                    value.fieldNames().forEachRemaining(id -> {
                        if (!PIPELINE_ID.matcher(id).matches()) {
                            throw invalid("Invalid pipeline id: '" + id + "'", "invalid_input");
                        }
                    });
                    if (merged.size() > MAX_PIPELINE_NOTIFICATIONS) {
                        throw invalid("pipeline_notifications_disabled cannot have more than "
                                + MAX_PIPELINE_NOTIFICATIONS + " entries", "invalid_input");
                    }
                }
                current.set(key, merged);
            } else if (key.equals("realtime_notifications_disabled")) {
                if (!value.isObject()) {
                    throw invalid("realtime_notifications_disabled must be a dict", "invalid_input");
                }
                ObjectNode merged = current.get(key) instanceof ObjectNode had ? had.deepCopy()
                        : JsonNodeFactory.instance.objectNode();
                value.fields().forEachRemaining(type -> {
                    if (!type.getValue().isObject()) {
                        throw invalid("Per-type value for " + type.getKey() + " must be a dict of team_id to bool",
                                "invalid_input");
                    }
                    type.getValue().fields().forEachRemaining(team -> {
                        if (!team.getValue().isBoolean()) {
                            throw invalid("Disabled flag for " + type.getKey() + " must be boolean, got "
                                    + pythonType(team.getValue()), "invalid_input");
                        }
                    });
                    ObjectNode perType = merged.get(type.getKey()) instanceof ObjectNode had ? had.deepCopy()
                            : JsonNodeFactory.instance.objectNode();
                    perType.setAll((ObjectNode) type.getValue());
                    merged.set(type.getKey(), perType);
                });
                current.set(key, merged);
            } else if (key.equals("data_pipeline_error_threshold")) {
                if (!value.isNumber() && !value.isBoolean()) { // Python's bool is an int
                    throw invalid("data_pipeline_error_threshold must be a number, got " + pythonType(value)
                            + " instead", "invalid_input");
                }
                double threshold = value.isBoolean() ? (value.booleanValue() ? 1 : 0) : value.doubleValue();
                if (threshold < 0.0 || threshold > 1.0) {
                    throw invalid("data_pipeline_error_threshold must be between 0.0 and 1.0, got " + value,
                            "invalid_input");
                }
                current.put(key, threshold);
            } else if (current.has(key)) {
                if (!value.isBoolean()) {
                    throw invalid(pythonText(value) + " is not a valid type for notification settings, should be "
                            + "<class 'bool'>", "invalid_input");
                }
                current.set(key, value);
            } else {
                throw invalid("Key " + key + " is not valid as a key for notification settings", "invalid_input");
            }
        }
        return current;
    }

    private static ValidationException invalid(String detail, String code) {
        return new ValidationException(code, detail, "notification_settings");
    }

    /** Python's {@code type(value)} of a JSON value as json.loads makes it. */
    static String pythonType(JsonNode v) {
        String name = v == null || v.isNull() ? "NoneType" : v.isBoolean() ? "bool" : v.isIntegralNumber() ? "int"
                : v.isNumber() ? "float" : v.isTextual() ? "str" : v.isArray() ? "list" : "dict";
        return "<class '" + name + "'>";
    }

    /** Python's {@code str(value)} of a scalar (True, None, the text itself), JSON text otherwise. */
    private static String pythonText(JsonNode v) {
        if (v.isNull()) {
            return "None";
        }
        if (v.isBoolean()) {
            return v.booleanValue() ? "True" : "False";
        }
        return v.isTextual() ? v.textValue() : v.toString();
    }
}
