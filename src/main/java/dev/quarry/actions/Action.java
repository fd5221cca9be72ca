package dev.quarry.actions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.UserBasic;
import dev.quarry.data.UserEntity;
import dev.quarry.web.QueryValues;
import dev.quarry.web.StoredJson;
import java.time.OffsetDateTime;

/**
 * An action as stored ({@code steps} and {@code tags} as JSON text), with the user who created it when known.
 *
 * @param createdBy the creator's id, uuid, distinct id, first name and email; null when unknown
 */
public record Action(long teamId, long id, String name, String description, String steps, String tags,
                     boolean postToSlack, String slackMessageFormat, OffsetDateTime pinnedAt, boolean deleted,
                     UserBasic createdBy, OffsetDateTime createdAt) {

    /** The user an action names as {@code created_by}. */

    static Action from(ActionEntity e) {
        UserEntity u = e.createdBy;
        UserBasic creator = UserBasic.of(u);
        return new Action(e.teamId, e.id, e.name, e.description, e.steps, e.tags, e.postToSlack,
                e.slackMessageFormat, e.pinnedAt, e.deleted, creator, e.createdAt);
    }

    /**
     * PostHog's ActionSerializer shape: id, name, description, tags, post_to_slack, slack_message_format, steps,
     * created_at, created_by, deleted, is_calculating (always false), last_calculated_at (created_at: nothing is
     * precalculated here), team_id, is_action, bytecode_error, pinned_at, creation_context, user_access_level.
     */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("name", name);
        o.put("description", description);
        o.set("tags", StoredJson.read(mapper, tags));
        o.put("post_to_slack", postToSlack);
        o.put("slack_message_format", slackMessageFormat);
        o.set("steps", StoredJson.read(mapper, steps));
        o.put("created_at", QueryValues.timestamp(createdAt));
        UserBasic.putCreatedBy(o, createdBy);
        o.put("deleted", deleted);
        o.put("is_calculating", false);
        o.put("last_calculated_at", QueryValues.timestamp(createdAt));
        o.put("team_id", teamId);
        o.put("is_action", true);
        o.putNull("bytecode_error");
        o.put("pinned_at", pinnedAt == null ? null : QueryValues.timestamp(pinnedAt));
        o.putNull("creation_context");
        o.put("user_access_level", "editor");
        return o;
    }
}
