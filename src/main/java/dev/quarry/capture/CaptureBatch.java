package dev.quarry.capture;

import java.util.List;

/**
 * A parsed capture request: the project token it names, its events in the order sent, and the fixes the parser
 * applied to them (distinct ids cut to 200 characters, non-object {@code $set} / {@code $set_once} replaced by
 * {@code {}}), stored as the project's ingestion warnings.
 */
public record CaptureBatch(String token, List<CapturedEvent> events, List<IngestionWarning> warnings) {
    public CaptureBatch(String token, List<CapturedEvent> events) {
        this(token, events, List.of());
    }
}
