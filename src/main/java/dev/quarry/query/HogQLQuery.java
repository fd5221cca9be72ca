package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;

/**
 * PostHog's {@code HogQLQuery}: {@code query} (the HogQL text, required), {@code values} (placeholder values by name:
 * strings, numbers, booleans or lists of them), {@code variables} (insight variables by id, each filling
 * {@code {variables.<code_name>}}) and {@code filters} (what {@code {filters}} expands to). {@code explain},
 * {@code sendRawQuery} and {@code connectionId} (another data warehouse connection) parse but are refused unless
 * off; {@code name}, {@code tags} and {@code version} are bookkeeping; {@code modifiers} is echoed back.
 */
@RegisterForReflection
public record HogQLQuery(String kind, String query, Map<String, JsonNode> values,
                         Map<String, HogQLVariable> variables, HogQLFilters filters, JsonNode explain,
                         JsonNode sendRawQuery, JsonNode connectionId, JsonNode modifiers, JsonNode response,
                         JsonNode tags, JsonNode version, JsonNode name) {

    /**
     * PostHog's {@code HogQLVariable}: {@code code_name} (the name in {@code {variables.code_name}}), its
     * {@code value}, {@code isNull} (NULL whatever the value) and the saved variable's {@code variableId}.
     */
    @RegisterForReflection
    public record HogQLVariable(@JsonProperty("code_name") String codeName, JsonNode value, Boolean isNull,
                                String variableId) {
    }

    /**
     * PostHog's {@code HogQLFilters}: the {@code properties} (a filter list or AND/OR group), the {@code dateRange}
     * on {@code timestamp} and {@code filterTestAccounts} (the project's test-account filters), ANDed together.
     */
    @RegisterForReflection
    public record HogQLFilters(PropertyFilter properties, DateRange dateRange, Boolean filterTestAccounts) {
    }
}
