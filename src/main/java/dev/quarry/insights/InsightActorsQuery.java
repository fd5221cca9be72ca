package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * PostHog's {@code InsightActorsQuery} (and {@code StickinessActorsQuery}, the same cell address for a stickiness
 * insight, with its {@code operator}): the insight in {@code source} (parsed by its kind into its record,
 * {@link InsightQuery}; the runner of that kind {@link ActorsSource#answers} it) and the cell: {@code day} (a date, a date-time, or for
 * stickiness the number of intervals), {@code series} (index, default 0), {@code breakdown} (a value or a
 * one-item list), {@code compare} ({@code current}/{@code previous}), lifecycle's {@code status} and retention's
 * {@code interval} (the row). {@code includeRecordings} is accepted; Quarry has no recordings, so
 * {@code matched_recordings} stays empty.
 */
@RegisterForReflection
public record InsightActorsQuery(String kind,
                                 @JsonDeserialize(using = InsightQuery.Parser.class) InsightQuery source, JsonNode day, Integer series, JsonNode breakdown,
                                 String compare, String status, Integer interval, JsonNode operator,
                                 JsonNode includeRecordings, JsonNode modifiers, JsonNode response, JsonNode tags,
                                 JsonNode version) implements ActorsQuery.Source {

    /** PostHog's {@code Compare} enum, the values {@code compare} may take. */
    static final java.util.List<String> COMPARE = java.util.List.of("current", "previous");

    /**
     * pydantic's checks of the typed fields Quarry keeps loosely: {@code compare} one of {@link #COMPARE};
     * {@code breakdown} a string, an integer or a list of strings ({@code Union[str, list[str], int]}); {@code day} a
     * string or an integer ({@code Union[str, int]}; a whole float passes, as pydantic's lax mode takes it).
     */
    public InsightActorsQuery {
        dev.quarry.query.schema.Choices.check(compare, "InsightActorsQuery", "compare", COMPARE);
        if (breakdown != null && !breakdown.isNull() && !breakdown.isTextual() && !breakdown.isIntegralNumber()
                && !(breakdown.isArray() && allText(breakdown))) {
            throw new dev.quarry.web.ValidationException("Invalid value for InsightActorsQuery.breakdown: Input should "
                    + "be a valid string, a valid list of strings or a valid integer", "breakdown");
        }
        if (day != null && !day.isNull() && !day.isTextual() && !day.isIntegralNumber()
                && !(day.isFloatingPointNumber() && day.asDouble() == Math.rint(day.asDouble()))) {
            throw new dev.quarry.web.ValidationException("Invalid value for InsightActorsQuery.day: Input should be a "
                    + "valid string or a valid integer", "day");
        }
    }

    private static boolean allText(JsonNode list) {
        for (JsonNode element : list) {
            if (!element.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** The kinds this record answers for. */
    public static final java.util.List<String> KINDS = java.util.List.of("InsightActorsQuery",
            "StickinessActorsQuery");

    /** The insight's {@code kind} ("" when absent). */
    public String insightKind() {
        return source == null ? "" : source.kind();
    }

    /** The selected series index (0 when absent). */
    public int seriesIndex() {
        return series == null ? 0 : series;
    }

    /** The day as given, or null when absent or JSON null. */
    public JsonNode dayOrNull() {
        return day == null || day.isNull() ? null : day;
    }
}
