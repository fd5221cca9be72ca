package dev.quarry.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.StrictText;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code DashboardFilter}, the {@code filters_override} of POST query (strict, as its pydantic model:
 * an unknown field is a 400 naming it): {@code date_from} / {@code date_to} (PostHog's date strings, relative ones
 * such as {@code -30d} included), {@code properties} (a list of property filters, added to the query's own),
 * {@code breakdown_filter} (replaces an insight's breakdown) and {@code explicitDate} (a display flag, parsed and
 * not used). {@link FiltersOverride} applies it.
 */
@RegisterForReflection
public record DashboardFilter(@JsonProperty("date_from") @JsonDeserialize(using = StrictText.class) String dateFrom,
                              @JsonProperty("date_to") @JsonDeserialize(using = StrictText.class) String dateTo,
                              Boolean explicitDate,
                              List<PropertyFilter> properties,
                              @JsonProperty("breakdown_filter") BreakdownFilter breakdownFilter) {
}
