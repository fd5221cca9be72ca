package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.QueryValues;
import io.vertx.mutiny.sqlclient.Row;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/** A saved insight as stored, with its creator and last editor (id, uuid, distinct id, first name, email). */
public record Insight(long id, String shortId, String name, String derivedName, String description, String query,
                      List<String> tags, boolean favorited, boolean saved, boolean deleted, OffsetDateTime createdAt,
                      OffsetDateTime lastModifiedAt, UserRef createdBy, UserRef lastModifiedBy,
                      OffsetDateTime lastViewedAt) {

    /** PostHog's UserBasicSerializer fields. */
    public record UserRef(long id, String uuid, String distinctId, String firstName, String email) {
    }

    static final String SELECT = "SELECT i.id, i.short_id, i.name, i.derived_name, i.description, i.query::text, i.tags, "
            + "i.favorited, i.saved, i.deleted, i.created_at, i.last_modified_at, "
            + "c.id, c.uuid::text, c.distinct_id, c.first_name, c.email, m.id, m.uuid::text, m.distinct_id, m.first_name, m.email, "
            + "(SELECT max(v.last_viewed_at) FROM insight_viewed v WHERE v.team_id = i.team_id AND v.insight_id = i.id) "
            + "FROM insights i LEFT JOIN users c ON c.id = i.created_by_id LEFT JOIN users m ON m.id = i.last_modified_by_id ";

    static Insight from(Row r) {
        return new Insight(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                Arrays.asList(r.getArrayOfStrings(6)), r.getBoolean(7), r.getBoolean(8), r.getBoolean(9),
                r.getOffsetDateTime(10), r.getOffsetDateTime(11), user(r, 12), user(r, 17), r.getOffsetDateTime(22));
    }

    private static UserRef user(Row r, int at) {
        return r.getValue(at) == null ? null
                : new UserRef(r.getLong(at), r.getString(at + 1), r.getString(at + 2), r.getString(at + 3), r.getString(at + 4));
    }

    /** PostHog's InsightSerializer shape, without results (the CLI runs {@code query} through POST query). */
    public ObjectNode toJson(ObjectMapper mapper, String timezone) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("short_id", shortId);
        o.put("name", name);
        o.put("derived_name", derivedName);
        o.set("query", parse(mapper, query));
        o.putNull("order");
        o.put("deleted", deleted);
        o.putArray("dashboards");
        o.putArray("dashboard_tiles");
        o.putNull("last_refresh");
        o.putNull("cache_target_age");
        o.putNull("next_allowed_client_refresh");
        o.putNull("result");
        o.putNull("hasMore");
        o.putNull("columns");
        o.put("created_at", time(createdAt));
        o.set("created_by", user(mapper, createdBy));
        o.put("description", description);
        o.put("updated_at", time(lastModifiedAt));
        var tagArray = o.putArray("tags");
        tags.forEach(tagArray::add);
        o.put("favorited", favorited);
        o.put("last_modified_at", time(lastModifiedAt));
        o.set("last_modified_by", user(mapper, lastModifiedBy));
        o.put("is_sample", false);
        o.put("effective_restriction_level", 21);
        o.put("effective_privilege_level", 37);
        o.put("user_access_level", "editor");
        o.put("timezone", timezone);
        o.put("is_cached", false);
        o.putNull("query_status");
        o.putNull("hogql");
        o.putNull("types");
        o.putArray("alerts");
        o.put("last_viewed_at", time(lastViewedAt));
        o.put("saved", saved);
        return o;
    }

    static JsonNode user(ObjectMapper mapper, UserRef user) {
        if (user == null) {
            return mapper.nullNode();
        }
        ObjectNode u = mapper.createObjectNode();
        u.put("id", user.id());
        u.put("uuid", user.uuid());
        u.put("distinct_id", user.distinctId());
        u.put("first_name", user.firstName());
        u.put("last_name", "");
        u.put("email", user.email());
        u.put("is_email_verified", true);
        return u;
    }

    static JsonNode parse(ObjectMapper mapper, String json) {
        try {
            return json == null ? mapper.nullNode() : mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("Stored insight query is not JSON", e);
        }
    }

    static String time(OffsetDateTime t) {
        return t == null ? null : QueryValues.timestamp(t);
    }
}
