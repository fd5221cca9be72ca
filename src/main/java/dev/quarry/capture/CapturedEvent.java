package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** One event as the SDK sent it, validated, with its timestamp already corrected for clock skew. */
public record CapturedEvent(UUID uuid, String event, String distinctId, ObjectNode properties, Instant timestamp,
                            ObjectNode set, ObjectNode setOnce, java.util.List<String> unset) {
}
