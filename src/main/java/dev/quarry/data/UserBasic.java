package dev.quarry.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A user as PostHog's {@code UserBasicSerializer} shows it in a {@code created_by} field (actions, cohorts, insights and their activity):
 * {@code id}, {@code uuid}, {@code distinct_id}, {@code first_name}, {@code last_name} (always {@code ""} here),
 * {@code email} and {@code is_email_verified} (always true: keys are issued to known users).
 */
public record UserBasic(long id, String uuid, String distinctId, String firstName, String email) {

    /** The user of a fetched row, or null when there is none or it was not fetched with the row. */
    public static UserBasic of(UserEntity user) {
        return user == null || !org.hibernate.Hibernate.isInitialized(user) ? null
                : new UserBasic(user.id, user.uuid.toString(), user.distinctId, user.firstName, user.email);
    }

    /** Puts {@code created_by} into {@code node}: the user's object, or null when {@code user} is null. */
    public static void putCreatedBy(ObjectNode node, UserBasic user) {
        node.set("created_by", json(JsonNodeFactory.instance, user));
    }

    /** The user's object in PostHog's UserBasicSerializer shape; a JSON null when {@code user} is null. */
    public static JsonNode json(JsonNodeFactory nodes, UserBasic user) {
        if (user == null) {
            return nodes.nullNode();
        }
        ObjectNode u = nodes.objectNode();
        u.put("id", user.id());
        u.put("uuid", user.uuid());
        u.put("distinct_id", user.distinctId());
        u.put("first_name", user.firstName());
        u.put("last_name", "");
        u.put("email", user.email());
        u.put("is_email_verified", true);
        return u;
    }
}
