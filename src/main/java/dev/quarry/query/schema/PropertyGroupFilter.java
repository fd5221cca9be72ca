package dev.quarry.query.schema;

import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.quarry.web.ValidationException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code PropertyGroupFilter} / {@code PropertyGroupFilterValue}: {@code type} {@code AND} or {@code OR}
 * over {@code values}, each a property filter or a nested group. A plain list of filters reads as an AND group.
 */
@RegisterForReflection
@JsonDeserialize(using = JsonDeserializer.None.class)
public record PropertyGroupFilter(String type, List<PropertyFilter> values) implements PropertyFilter {
    public static final String AND = "AND";
    public static final String OR = "OR";

    public PropertyGroupFilter {
        if (!AND.equals(type) && !OR.equals(type)) {
            throw new ValidationException("Property group \"type\" must be AND or OR", "type");
        }
        if (values == null) {
            throw new ValidationException("Property group \"values\" must be a list", "values");
        }
        values = values.stream().filter(v -> v != null).toList();
    }

    /** An AND group of the given filters. */
    public static PropertyGroupFilter and(List<PropertyFilter> values) {
        return new PropertyGroupFilter(AND, values);
    }

    public boolean isAnd() {
        return AND.equals(type);
    }
}
