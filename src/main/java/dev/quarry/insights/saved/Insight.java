package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.InsightEntity;
import dev.quarry.data.UserBasic;
import dev.quarry.data.UserEntity;
import dev.quarry.web.QueryValues;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/** A saved insight as stored, with its creator and last editor (id, uuid, distinct id, first name, email). */
public record Insight(long id, String shortId, String name, String derivedName, String description, String query,
                      List<String> tags, boolean favorited, boolean saved, boolean deleted, OffsetDateTime createdAt,
                      OffsetDateTime lastModifiedAt, UserBasic createdBy, UserBasic lastModifiedBy,
                      OffsetDateTime lastViewedAt) {

    /** The value of a stored row, its users read with it (join fetch). */
    static Insight from(InsightEntity e) {
        return new Insight(e.id, e.shortId, e.name, e.derivedName, e.description, e.query, Arrays.asList(e.tags), e.favorited,
                e.saved, e.deleted, e.createdAt, e.lastModifiedAt, user(e.createdBy), user(e.lastModifiedBy),
                e.lastViewedAt);
    }

    /** The user's reference; null for none, and for one not read with the row (a lazy reference). */
    static UserBasic user(UserEntity u) {
        return UserBasic.of(u);
    }

    /** PostHog's InsightSerializer shape, its result fields empty ({@link InsightResults} fills them by {@code refresh}). */
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
        o.putNull("search_match_type");
        return o;
    }

    /**
     * PostHog's {@code InsightBasicSerializer} shape (the list's {@code basic=true}): no result fields, no last
     * editor; {@code filters} is {@code {}} as PostHog answers for a query-based insight, {@code dashboards} and
     * {@code dashboard_tiles} empty (Quarry keeps no dashboards).
     */
    public ObjectNode toBasicJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("short_id", shortId);
        o.put("name", name);
        o.put("derived_name", derivedName);
        o.putObject("filters");
        o.set("query", parse(mapper, query));
        o.putArray("dashboards");
        o.putArray("dashboard_tiles");
        o.put("description", description);
        o.putNull("last_refresh");
        o.put("refreshing", false);
        o.put("saved", saved);
        var tagArray = o.putArray("tags");
        tags.forEach(tagArray::add);
        o.put("updated_at", time(lastModifiedAt));
        o.set("created_by", user(mapper, createdBy));
        o.put("created_at", time(createdAt));
        o.put("last_modified_at", time(lastModifiedAt));
        o.put("favorited", favorited);
        o.put("user_access_level", "editor");
        o.put("last_viewed_at", time(lastViewedAt));
        o.putNull("search_match_type");
        return o;
    }

    static JsonNode user(ObjectMapper mapper, UserBasic user) {
        return UserBasic.json(mapper.getNodeFactory(), user);
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
