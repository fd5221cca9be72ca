package dev.quarry.insights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.CachePolicy;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;

/**
 * The insight an {@code InsightActorsQuery} names a cell of: PostHog's union of insight query nodes, told apart by
 * {@code kind} and parsed once, at the edge ({@link #parse}), into the kind's record. Which kinds there are is not
 * listed here: {@link InsightKinds} takes every runner bean whose record implements this interface. A new insight
 * kind implements it in its record ({@link #kind()}, {@link #cacheInterval()}) and {@link ActorsSource} in its
 * runner; nothing else is edited.
 */
public interface InsightQuery extends CachePolicy.Insight {
    /** PostHog's {@code kind}, e.g. {@code "TrendsQuery"}. */
    String kind();

    /**
     * The interval its cached answers go stale by ({@code interval}; retention's {@code period}; null for "day",
     * e.g. paths, which have none).
     */
    @Override
    String cacheInterval();

    /**
     * Parses an insight node by its {@code kind} ({@link InsightKinds#parse}): an unknown or malformed field is a 400
     * naming it (as the kind's own query would be), a missing node or a kind that is no insight is a 400 on
     * {@code source}.
     */
    static InsightQuery parse(JsonNode node) {
        return InsightKinds.current().parse(node);
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
