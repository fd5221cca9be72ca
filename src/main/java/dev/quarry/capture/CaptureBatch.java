package dev.quarry.capture;

import java.util.List;

/** A parsed capture request: the project token it names and its events, in the order sent. */
public record CaptureBatch(String token, List<CapturedEvent> events) {
}
