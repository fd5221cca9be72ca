package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.CohortEntity;
import dev.quarry.data.UserEntity;
import dev.quarry.web.QueryValues;
import dev.quarry.web.StoredJson;
import java.time.OffsetDateTime;

/**
 * A cohort as stored ({@code filters}, {@code query}, {@code groups} as JSON text).
 *
 * @param createdBy the user whose key created it (id, uuid, distinct id, first name, email); null when unknown
 *                  (cohorts created before it was kept, or read without the user)
 */
public record Cohort(long teamId, long id, String name, String description, String filters, String query,
                     String groups, boolean isStatic, boolean deleted, boolean isCalculating,
                     OffsetDateTime lastCalculation, int errorsCalculating, Integer count, OffsetDateTime createdAt,
                     Creator createdBy) {

    /** The user a cohort names as {@code created_by}. */
    public record Creator(long id, String uuid, String distinctId, String firstName, String email) {
    }

    /** The value of a stored row. */
    static Cohort from(CohortEntity e) {
        UserEntity u = e.createdBy;
        Creator creator = u == null || !org.hibernate.Hibernate.isInitialized(u) ? null
                : new Creator(u.id, u.uuid.toString(), u.distinctId, u.firstName, u.email);
        return new Cohort(e.teamId, e.id, e.name, e.description, e.filters, e.query, e.groups, e.isStatic, e.deleted,
                e.isCalculating, e.lastCalculation, e.errorsCalculating, e.count, e.createdAt, creator);
    }

    /** PostHog's cohort serializer shape ({@code created_by} in its UserBasicSerializer shape, or null). */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", id);
        node.put("name", name);
        node.put("description", description);
        node.set("groups", StoredJson.read(mapper, groups));
        node.put("deleted", deleted);
        node.set("filters", StoredJson.read(mapper, filters));
        node.set("query", StoredJson.read(mapper, query));
        node.put("is_calculating", isCalculating);
        if (createdBy == null) {
            node.putNull("created_by");
        } else {
            // PostHog's UserBasicSerializer, as insights and actions answer it
            ObjectNode u = node.putObject("created_by");
            u.put("id", createdBy.id());
            u.put("uuid", createdBy.uuid());
            u.put("distinct_id", createdBy.distinctId());
            u.put("first_name", createdBy.firstName());
            u.put("last_name", "");
            u.put("email", createdBy.email());
            u.put("is_email_verified", true);
        }
        node.put("created_at", QueryValues.timestamp(createdAt));
        node.put("last_calculation", lastCalculation == null ? null : QueryValues.timestamp(lastCalculation));
        node.put("errors_calculating", errorsCalculating);
        node.put("count", count);
        node.put("is_static", isStatic);
        return node;
    }
}
