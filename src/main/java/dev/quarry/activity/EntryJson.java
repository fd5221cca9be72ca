package dev.quarry.activity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.data.UserBasic;
import dev.quarry.web.DrfDateTime;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import java.util.List;

/**
 * Activity log entries as PostHog's {@code ActivityLogSerializer} writes them: {@code {id, user, unread,
 * organization_id, team_id, was_impersonated, is_system, activity, item_id, scope, detail, client, ip_address,
 * created_at}} ({@code unread} false: Quarry keeps no notification bookmarks; no client or address is recorded).
 */
public final class EntryJson {
    private EntryJson() {
    }

    /** The rendered entries that fit in {@code budget} bytes, how many, and whether any was left out. */
    public record Rendered(ArrayNode rows, int count, boolean cut) {
    }

    /**
     * The entries in order until the next would pass {@code budget} bytes of JSON.
     *
     * @throws ResponseTooLargeException when the first entry alone passes it
     */
    static Rendered render(ObjectMapper mapper, Team team, List<ActivityLogs.Entry> entries, long budget) {
        ArrayNode rows = mapper.createArrayNode();
        long used = 0;
        int count = 0;
        for (ActivityLogs.Entry entry : entries) {
            ObjectNode row = entry(mapper, team, entry);
            long size = ResponseLimit.rowSize(mapper, row);
            if (used + size > budget) {
                if (count == 0) {
                    throw new ResponseTooLargeException(size, budget);
                }
                return new Rendered(rows, count, true);
            }
            used += size;
            rows.add(row);
            count++;
        }
        return new Rendered(rows, count, false);
    }

    /** One entry; one whose detail alone is larger than an answer is written with its name and size instead. */
    static ObjectNode entry(ObjectMapper mapper, Team team, ActivityLogs.Entry e) {
        ObjectNode row = mapper.createObjectNode();
        row.put("id", e.id().toString());
        row.set("user", UserBasic.json(mapper.getNodeFactory(), e.user()));
        row.put("unread", false);
        row.put("organization_id", team.organizationId() == null ? null : team.organizationId().toString());
        row.put("team_id", team.id());
        row.put("was_impersonated", false);
        row.put("is_system", e.user() == null);
        row.put("activity", e.activity());
        row.put("item_id", e.itemId());
        row.put("scope", e.scope());
        JsonNode detail;
        if (e.elided()) {
            // an entry larger than a whole answer (written before changes were bounded): its name, not its changes
            ObjectNode elided = mapper.createObjectNode();
            elided.putNull("changes");
            elided.putNull("merge");
            elided.putNull("trigger");
            elided.put("name", e.name());
            elided.put("short_id", e.shortId());
            elided.putNull("type");
            elided.put("elided", true);
            elided.put("bytes", e.detailBytes());
            detail = elided;
        } else {
            try {
                detail = mapper.readTree(e.detail());
            } catch (JsonProcessingException ex) {
                detail = mapper.nullNode();
            }
        }
        row.set("detail", detail);
        row.putNull("client");
        row.putNull("ip_address");
        row.put("created_at", DrfDateTime.format(e.createdAt()));
        return row;
    }
}
