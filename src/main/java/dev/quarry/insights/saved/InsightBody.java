package dev.quarry.insights.saved;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.quarry.web.DrfBooleanText;
import dev.quarry.query.QueryKinds;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.query.schema.StrictText;
import dev.quarry.web.Tags;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The body of POST and PATCH insights/, as PostHog's {@code InsightSerializer} reads the fields Quarry keeps (other
 * keys are ignored; read with {@link dev.quarry.web.LenientJson}). Every field keeps presence for partial updates:
 * null when the key is not sent (left as it is), {@code Optional.empty()} when sent as null, the value otherwise.
 * Refused with a 400 naming the field: a text field that is not a string ("Not a valid string.") or longer than
 * 400 characters, a flag that is not a boolean as DRF's {@code BooleanField} reads one ({@code true}, {@code "true"}, {@code "yes"},
 * {@code 1}, …), {@code query} not an object with a kind of PostHog's schema
 * ({@code null} is taken, as PostHog's {@code JSONField(allow_null=True)}: the insight then has no query; the
 * query's own fields are checked by {@link InsightQueries}), {@code tags} not a list or holding a blank or non-string
 * item; {@code filters} (PostHog's legacy insight filters) unless empty or null: Quarry stores and runs the query
 * only, so legacy filters, valid or not, are a 400 naming {@code filters} rather than silently dropped. Tags are
 * {@link Tags#normalized}: trimmed, lower-cased and de-duplicated in order, as PostHog's tagged-item serializer
 * stores them, at most 1,000 of at most 255 characters each.
 *
 * @param query the saved query node, stored as sent (it runs through POST query later); sent as null, the insight's
 *              query is cleared
 * @param tags the tags as sent; {@link #tagList()} gives them normalized
 */
@RegisterForReflection
public record InsightBody(
        @JsonDeserialize(contentUsing = StrictText.class) Optional<String> name,
        @JsonProperty("derived_name") @JsonDeserialize(contentUsing = StrictText.class) Optional<String> derivedName,
        @JsonDeserialize(contentUsing = StrictText.class) Optional<String> description,
        Optional<JsonNode> query,
        Optional<List<Object>> tags,
        @JsonDeserialize(contentUsing = DrfBooleanText.class) Optional<Boolean> favorited,
        @JsonDeserialize(contentUsing = DrfBooleanText.class) Optional<Boolean> saved,
        @JsonDeserialize(contentUsing = DrfBooleanText.class) Optional<Boolean> deleted,
        Optional<JsonNode> filters,
        Optional<JsonNode> dashboards) {
    static final int MAX_TEXT = 400;

    public InsightBody {
        if (dashboards != null && dashboards.isPresent()) {
            dashboards(dashboards.get());
        }
        if (filters != null && filters.isPresent() && !filters.get().isNull()
                && !(filters.get().isObject() && filters.get().isEmpty())) {
            // PostHog stores legacy filters and converts them to a query when the insight is read; Quarry keeps the
            // query only, so filters it cannot keep are refused rather than dropped (the insight would have no query)
            throw new ValidationException("Legacy insight filters are not supported: send the insight as a query "
                    + "(an InsightVizNode holding e.g. a TrendsQuery).", "filters");
        }
        longest(name, "name");
        longest(derivedName, "derived_name");
        longest(description, "description");
        if (query != null && query.isPresent() && !query.get().isNull()) {
            String kind = QuerySchema.kindOf(query.get());
            if (kind == null || !QueryKinds.SCHEMA_KINDS.contains(kind)) {
                throw new ValidationException("query must be a query object with a known kind", "query");
            }
            dev.quarry.web.StoredJson.bounded(query.get(), "query");
        }
        if (tags != null && tags.isPresent()) {
            if (tags.get().size() > Tags.MAX_TAGS) {
                throw new ValidationException("An item holds at most " + Tags.MAX_TAGS + " tags.", "tags");
            }
            for (Object tag : tags.get()) {
                if (!(tag instanceof String text) || text.isBlank()) {
                    throw new ValidationException("Tags must be non-empty strings.", "tags");
                }
            }
        }
    }

    private static void longest(Optional<String> text, String field) {
        if (text != null && text.isPresent() && text.get().length() > MAX_TEXT) {
            throw new ValidationException("Ensure this field has no more than " + MAX_TEXT + " characters.", field);
        }
    }

    /** The tags to store (trimmed, lower case, first occurrence kept), or null when not sent or sent as null. */
    public List<String> tagList() {
        if (tags == null || tags.isEmpty()) {
            return null;
        }
        List<String> raw = new ArrayList<>();
        for (Object tag : tags.get()) {
            raw.add((String) tag);
        }
        return Tags.normalized(raw, "tags");
    }

    /** What the insight service applies: text fields sent (null included) are set, other nulls leave things as they are. */
    Insights.Changes changes() {
        return new Insights.Changes(value(name), name != null, value(derivedName), derivedName != null,
                value(description), description != null,
                query == null ? null : query.orElse(com.fasterxml.jackson.databind.node.NullNode.getInstance()), tagList(),
                value(favorited),
                value(saved), value(deleted));
    }

    private static <T> T value(Optional<T> field) {
        return field == null ? null : field.orElse(null);
    }

    /**
     * PostHog's {@code dashboards} field (a PrimaryKeyRelatedField list): Quarry keeps no dashboards, so an id is one
     * that does not exist, in DRF's words, rather than silently dropped; an empty list or null is accepted.
     */
    private static void dashboards(JsonNode dashboards) {
        if (dashboards.isNull()) {
            return;
        }
        if (!dashboards.isArray()) {
            throw new ValidationException("not_a_list", "Expected a list of items but got type \""
                    + (dashboards.isTextual() ? "str" : dashboards.isNumber() ? "int" : dashboards.isBoolean() ? "bool"
                    : "dict") + "\".", "dashboards");
        }
        for (JsonNode id : dashboards) {
            if (!id.isIntegralNumber() && !(id.isTextual() && id.asText().matches("-?\\d+"))) {
                throw new ValidationException("incorrect_type", "Incorrect type. Expected pk value, received "
                        + (id.isTextual() ? "str" : id.isNull() ? "NoneType" : id.isBoolean() ? "bool"
                        : id.isNumber() ? "float" : id.isArray() ? "list" : "dict") + ".", "dashboards");
            }
            throw new ValidationException("does_not_exist", "Invalid pk \"" + id.asText() + "\" - object does not exist.",
                    "dashboards");
        }
    }
}
