package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.QueryValues;
import io.vertx.mutiny.sqlclient.Row;
import java.io.IOException;
import java.time.OffsetDateTime;

/** A cohort row. */
public record Cohort(long teamId, long id, String name, String description, String filters, String query,
                     String groups, boolean isStatic, boolean deleted, boolean isCalculating,
                     OffsetDateTime lastCalculation, int errorsCalculating, Integer count, OffsetDateTime createdAt) {

    static final String COLUMNS = "team_id, id, name, description, filters::text, query::text, groups::text, is_static, "
            + "deleted, is_calculating, last_calculation, errors_calculating, count, created_at";

    static Cohort from(Row row) {
        return new Cohort(row.getLong(0), row.getLong(1), row.getString(2), row.getString(3), row.getString(4),
                row.getString(5), row.getString(6), row.getBoolean(7), row.getBoolean(8), row.getBoolean(9),
                row.getOffsetDateTime(10), row.getInteger(11), row.getInteger(12), row.getOffsetDateTime(13));
    }

    /** PostHog's cohort serializer shape. */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", id);
        node.put("name", name);
        node.put("description", description);
        node.set("groups", json(mapper, groups));
        node.put("deleted", deleted);
        node.set("filters", json(mapper, filters));
        node.set("query", json(mapper, query));
        node.put("is_calculating", isCalculating);
        node.putNull("created_by");
        node.put("created_at", QueryValues.timestamp(createdAt));
        node.put("last_calculation", lastCalculation == null ? null : QueryValues.timestamp(lastCalculation));
        node.put("errors_calculating", errorsCalculating);
        node.put("count", count);
        node.put("is_static", isStatic);
        return node;
    }

    private static JsonNode json(ObjectMapper mapper, String text) {
        if (text == null) {
            return mapper.nullNode();
        }
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            return mapper.nullNode();
        }
    }
}
