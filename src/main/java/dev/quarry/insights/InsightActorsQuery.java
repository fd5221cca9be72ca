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
