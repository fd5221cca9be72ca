package dev.quarry.insights;

import dev.quarry.hogql.Expr;
import dev.quarry.web.ValidationException;

/**
 * A retention whose cells also carry the sum or the average of a numeric property (PostHog's
 * {@code retentionFilter.aggregationType} {@code sum} / {@code avg} with {@code aggregationProperty}): each value of
 * a row gets {@code aggregation_value} beside its {@code count}.
 * <ul>
 * <li>Each event's value is {@code ifNull(toFloat(properties.P), 0.0)} — with {@code aggregationPropertyType}
 * {@code person}, {@code person.properties.P} of the event's person — so a missing or non-numeric value adds 0.</li>
 * <li>Interval 0 of a row sums the values of the actor's target events in that interval when the target and the
 * returning entity are the same (PostHog compares their id, type and properties); otherwise the values of their
 * returning events later in that interval than their first target event there (the target events add 0). Interval
 * j ≥ 1 sums the values of their returning events in interval row + j. As PostHog's current fixed-interval builder
 * ({@code retention_base_query_fixed.py}).</li>
 * <li>{@code sum} is that total; {@code avg} divides it by the cell's actors ({@code count}). With a breakdown, the
 * values past the limit are added into the "other" row as PostHog adds them (averages too).</li>
 * <li>As in PostHog, {@code minimumOccurrences} is not applied (one returning event returns), and a cumulative
 * retention is refused: PostHog's cumulative actors carry no values.</li>
 * </ul>
 *
 * @param average {@code avg} (else {@code sum})
 * @param property the property's key
 * @param ofPerson read from the person ({@code aggregationPropertyType: person}) rather than the event
 */
public record RetentionAggregation(boolean average, String property, boolean ofPerson) {
    /**
     * The aggregation a filter asks for, or null when its cells count actors only: {@code aggregationType} other than
     * {@code sum} / {@code avg}, or no (or an empty) {@code aggregationProperty} — PostHog then counts.
     *
     * @throws ValidationException 400 on {@code cumulative} with a sum or an average
     */
    static RetentionAggregation of(RetentionQuery.RetentionFilter f) {
        String type = f.aggregationType() == null || f.aggregationType().isNull() ? "count"
                : f.aggregationType().asText();
        String property = f.aggregationProperty() == null || f.aggregationProperty().isNull() ? ""
                : f.aggregationProperty().asText();
        if (type.equals("count") || property.isEmpty()) {
            return null;
        }
        if (Boolean.TRUE.equals(f.cumulative())) {
            throw new ValidationException("Cumulative retention is not supported with a sum or an average of a "
                    + "property (aggregationType " + type + ")", "cumulative");
        }
        dev.quarry.query.schema.QuerySchema.unsupported("RetentionQuery.retentionFilter", "aggregationPropertyType",
                f.aggregationPropertyType(), "event", "person"); // data_warehouse: Quarry keeps no warehouse tables
        boolean ofPerson = f.aggregationPropertyType() != null && "person".equals(f.aggregationPropertyType().asText());
        return new RetentionAggregation(type.equals("avg"), property, ofPerson);
    }

    /** An event's value as HogQL over events: {@code ifNull(toFloat(<property>), 0.0)}. */
    Expr value() {
        Expr field = ofPerson ? Expr.Field.of("person", "properties", property)
                : Expr.Field.of("properties", property);
        return Expr.Call.of("ifNull", Expr.Call.of("toFloat", field), new Expr.Constant(0.0));
    }

    /** A cell's {@code aggregation_value}: its total, or for {@code avg} the total over its {@code actors} (0 without). */
    double cell(double total, long actors) {
        if (!average) {
            return total;
        }
        return actors == 0 ? 0.0 : total / actors;
    }
}
