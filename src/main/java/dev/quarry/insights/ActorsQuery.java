package dev.quarry.insights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.util.List;

/**
 * PostHog's {@code ActorsQuery}: persons, optionally those of one cell of an insight ({@code source}), with the
 * {@code select} columns ({@code person}/{@code actor}, {@code id} and {@code actor_id} (the person's uuid, as PostHog's
 * actors columns name it), {@code created_at}, {@code is_identified},
 * {@code properties}, {@code properties.<name>}, {@code distinct_ids}, {@code matched_recordings},
 * {@code person.$delete}; {@code event_count} for trends and paths cells; {@code appearances} and
 * {@code <period>_<n>} for retention cells), {@code search} (email, name, a distinct id or the person's uuid),
 * person {@code properties} and {@code fixedProperties}, {@code orderBy}, {@code limit} (1 … 10,000, default 100)
 * and {@code offset}.
 *
 * @param source null for every person; else the source node, parsed by its kind into its record
 */
@RegisterForReflection
public record ActorsQuery(String kind, @JsonDeserialize(using = ActorsQuery.SourceParser.class) Source source,
                          List<String> select, String search, PropertyFilter properties,
                          PropertyFilter fixedProperties,
                          List<String> orderBy, Integer limit, Integer offset, JsonNode modifiers, JsonNode response,
                          JsonNode tags, JsonNode version) {

    /** Every person, {@code select} and paging as given: what the persons endpoints ask for a cell. */
    public static ActorsQuery of(Source source, List<String> select, String search, int limit, int offset) {
        return of(source, select, search, null, limit, offset);
    }

    /** {@link #of(Source, List, String, int, int)} in the order of {@code orderBy} (null: the runner's default). */
    public static ActorsQuery of(Source source, List<String> select, String search, List<String> orderBy, int limit,
                                 int offset) {
        return new ActorsQuery("ActorsQuery", source, select, search, null, null, orderBy, limit, offset, null, null,
                null, null);
    }

    /**
     * An ActorsQuery's {@code source}: a node naming one cell of an insight ({@link InsightActorsQuery}), a funnel
     * step or a correlation ({@link FunnelActorsSource}), each a record parsed by its kind.
     */
    public sealed interface Source permits InsightActorsQuery, FunnelActorsSource {
        String kind();
    }

    /** The funnels' actors nodes, which can also run as their own kinds (paged by {@code limit}/{@code offset}). */
    public sealed interface FunnelActorsSource extends Source permits FunnelsActorsQuery, FunnelCorrelationActorsQuery {
        Integer limit();

        Integer offset();
    }

    /**
     * Parses {@code source} by its {@code kind} into its record (an unknown field, at any depth, is a 400 naming it);
     * any other kind is a 400.
     */
    @RegisterForReflection
    public static final class SourceParser extends JsonDeserializer<Source> {
        @Override
        public Source deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = p.readValueAsTree();
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw new ValidationException("source must be a query object", "source");
            }
            String kind = java.util.Objects.requireNonNullElse(QuerySchema.kindOf(node), "");
            return switch (kind) {
                case "InsightActorsQuery", "StickinessActorsQuery" -> {
                    InsightActorsQuery source = QuerySchema.parse(node, InsightActorsQuery.class, "ActorsQuery.source");
                    if (source.source() == null) {
                        throw new ValidationException("source.source is required", "source");
                    }
                    yield source;
                }
                case "FunnelsActorsQuery" -> QuerySchema.parse(node, FunnelsActorsQuery.class, kind);
                case "FunnelCorrelationActorsQuery" -> QuerySchema.parse(node, FunnelCorrelationActorsQuery.class, kind);
                default -> throw new ValidationException("Unsupported actors source: " + kind, "source");
            };
        }

        @Override
        public Source getNullValue(DeserializationContext ctxt) {
            return null;
        }
    }
}
