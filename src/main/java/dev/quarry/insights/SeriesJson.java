package dev.quarry.insights;

import dev.quarry.dates.QueryDateRange;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.QueryValues;

/** Shared pieces of the series objects PostHog's insight responses hold. */
public final class SeriesJson {
    private SeriesJson() {
    }

    /** {@code labels} and {@code days} of every bucket of the range. */
    public static void putDates(ObjectNode o, QueryDateRange range, boolean labelsWithYear) {
        ArrayNode labels = o.putArray("labels");
        range.labels(labelsWithYear).forEach(labels::add);
        ArrayNode days = o.putArray("days");
        range.days().forEach(days::add);
    }

    /** {@code hogql}, {@code clickhouse} (null) and {@code postgres}: the statements run (Part A 5). */
    public static void putSql(ObjectNode body, java.util.List<dev.quarry.hogql.CompiledQuery> statements) {
        body.put("hogql", String.join(";\n", statements.stream().map(dev.quarry.hogql.CompiledQuery::hogql).toList()));
        body.put("postgres", String.join(";\n", statements.stream().map(dev.quarry.hogql.CompiledQuery::sql).toList()));
        body.putNull("clickhouse");
    }

    public static ObjectNode resolvedRange(ObjectMapper mapper, QueryDateRange range) {
        ObjectNode r = mapper.createObjectNode();
        r.put("date_from", QueryValues.timestamp(range.from().toOffsetDateTime()));
        r.put("date_to", QueryValues.timestamp(range.to().toOffsetDateTime()));
        return r;
    }
}
