package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.CohortEntity;
import dev.quarry.data.UserBasic;
import dev.quarry.data.UserEntity;
import dev.quarry.web.QueryValues;
import dev.quarry.web.StoredJson;
import java.time.OffsetDateTime;

/**
 * A cohort as stored ({@code filters}, {@code query}, {@code groups} as JSON text; {@code version} moves on with each
 * edit and calculation; {@code lastErrorAt} the last failed calculation).
 *
 * @param createdBy the user whose key created it (id, uuid, distinct id, first name, email); null when unknown
 *                  (cohorts created before it was kept, or read without the user)
 */
public record Cohort(long teamId, long id, String name, String description, String filters, String query,
                     String groups, boolean isStatic, boolean deleted, boolean isCalculating,
                     OffsetDateTime lastCalculation, int errorsCalculating, Integer count, OffsetDateTime createdAt,
                     UserBasic createdBy, int version, OffsetDateTime lastErrorAt) {


    /** The value of a stored row. */
    static Cohort from(CohortEntity e) {
        UserEntity u = e.createdBy;
        UserBasic creator = UserBasic.of(u);
        return new Cohort(e.teamId, e.id, e.name, e.description, e.filters, e.query, e.groups, e.isStatic, e.deleted,
                e.isCalculating, e.lastCalculation, e.errorsCalculating, e.count, e.createdAt, creator, e.version,
                e.lastErrorAt);
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
        UserBasic.putCreatedBy(node, createdBy);
        node.put("created_at", QueryValues.timestamp(createdAt));
        node.put("last_calculation", lastCalculation == null ? null : QueryValues.timestamp(lastCalculation));
        node.put("errors_calculating", errorsCalculating);
        node.put("last_error_at", lastErrorAt == null ? null : QueryValues.timestamp(lastErrorAt));
        node.put("count", count);
        node.put("is_static", isStatic);
        // PostHog's serializer fields a client may read: the calculation's version (Quarry calculates in the request,
        // so nothing is pending) and the experiments using the cohort (Quarry keeps none)
        node.put("version", version);
        node.putNull("pending_version");
        node.putArray("experiment_set");
        return node;
    }
}
