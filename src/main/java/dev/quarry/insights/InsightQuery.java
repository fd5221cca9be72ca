package dev.quarry.insights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.CachePolicy;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;

/**
 * The insight an {@code InsightActorsQuery} names a cell of: PostHog's union of insight query nodes, told apart by
 * {@code kind} and parsed once, at the edge ({@link #parse}), into the kind's record. A new insight kind with actors
 * joins the {@code permits} list and the switch in {@link #parse} (its record must live in this package: a sealed
 * type's subtypes share its package outside a named module).
 */
public sealed interface InsightQuery extends CachePolicy.Insight permits TrendsQuery, FunnelsQuery, RetentionQuery,
        LifecycleQuery, StickinessQuery, PathsQuery {
    /** PostHog's {@code kind}, e.g. {@code "TrendsQuery"}. */
    String kind();

    /** The interval its cached answers go stale by: {@code interval}, retention's {@code period}; paths have none. */
    @Override
    default String cacheInterval() {
        if (this instanceof TrendsQuery q) {
            return q.interval();
        } else if (this instanceof FunnelsQuery q) {
            return q.interval();
        } else if (this instanceof LifecycleQuery q) {
            return q.interval();
        } else if (this instanceof StickinessQuery q) {
            return q.interval();
        } else if (this instanceof RetentionQuery q) {
            return q.retentionFilter() == null ? null : q.retentionFilter().period();
        }
        return null; // PathsQuery: no interval
    }

    /**
     * Parses an insight node by its {@code kind}: an unknown or malformed field is a 400 naming it (as the kind's own
     * query would be), a missing node or an insight kind without actors is a 400 on {@code source}.
     */
    static InsightQuery parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ValidationException("source.source is required", "source");
        }
        String kind = java.util.Objects.requireNonNullElse(QuerySchema.kindOf(node), "");
        return switch (kind) {
            case "TrendsQuery" -> QuerySchema.parse(node, TrendsQuery.class, kind);
            case "FunnelsQuery" -> QuerySchema.parse(node, FunnelsQuery.class, kind);
            case "RetentionQuery" -> QuerySchema.parse(node, RetentionQuery.class, kind);
            case "LifecycleQuery" -> QuerySchema.parse(node, LifecycleQuery.class, kind);
            case "StickinessQuery" -> QuerySchema.parse(node, StickinessQuery.class, kind);
            case "PathsQuery" -> QuerySchema.parse(node, PathsQuery.class, kind);
            default -> throw new ValidationException("Unsupported insight for actors: " + kind, "source");
        };
    }

    /** Jackson's entry to {@link #parse}, for a field typed {@code InsightQuery}. */
    @RegisterForReflection
    final class Parser extends JsonDeserializer<InsightQuery> {
        @Override
        public InsightQuery deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return parse(p.readValueAsTree());
        }

        @Override
        public InsightQuery getNullValue(DeserializationContext ctxt) {
            return null;
        }
    }
}
