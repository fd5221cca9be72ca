package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;

/**
 * PostHog's {@code HogQLMetadata}: is {@code query} valid in {@code language} ({@code hogQL}, the default, or
 * {@code hogQLExpr}), with the {@code variables} (and Quarry's {@code values}) its placeholders name. An expression
 * is resolved on the table of {@code sourceQuery} (persons for an actors query, else events), as PostHog does.
 * {@code connectionId} (a data-warehouse connection) is refused unless null. {@code filters} only fill a
 * {@code {filters}} placeholder, which validates alike whatever they hold; {@code globals} (Hog programs) and
 * {@code debug} do not change the answer; {@code tags}, {@code version} and {@code modifiers} are bookkeeping.
 */
@RegisterForReflection
public record HogQLMetadata(String kind, String query, String language, Map<String, JsonNode> values,
                            Map<String, HogQLQuery.HogQLVariable> variables, JsonNode filters, JsonNode sourceQuery,
                            JsonNode globals, JsonNode debug, JsonNode connectionId, JsonNode modifiers,
                            JsonNode response, JsonNode tags, JsonNode version) {
}
