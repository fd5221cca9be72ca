package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * One event as the SDK sent it, validated, with its timestamp already corrected for clock skew.
 *
 * @param derivedUpdates the event's {@link DerivedPersonProperties#of person updates} when the parser already made
 *                      them (to store them on the event), else null; person processing and the definitions reuse
 *                      them instead of deriving the same maps again ({@link #personUpdates()})
 * @param elementsChain  the autocapture elements as the SDK sent them in {@code $elements_chain} (posthog-js with its
 *                      remote config's {@code elementsChainAsString}), taken out of the properties into the events'
 *                      {@code elements_chain} column as PostHog's ingestion does; "" when none
 */
public record CapturedEvent(UUID uuid, String event, String distinctId, ObjectNode properties, Instant timestamp,
                            ObjectNode set, ObjectNode setOnce, java.util.List<String> unset,
                            DerivedPersonProperties.Updates derivedUpdates, String elementsChain) {

    public CapturedEvent(UUID uuid, String event, String distinctId, ObjectNode properties, Instant timestamp,
                         ObjectNode set, ObjectNode setOnce, java.util.List<String> unset,
                         DerivedPersonProperties.Updates derivedUpdates) {
        this(uuid, event, distinctId, properties, timestamp, set, setOnce, unset, derivedUpdates, "");
    }

    public CapturedEvent(UUID uuid, String event, String distinctId, ObjectNode properties, Instant timestamp,
                         ObjectNode set, ObjectNode setOnce, java.util.List<String> unset) {
        this(uuid, event, distinctId, properties, timestamp, set, setOnce, unset, null);
    }

    /**
     * {@link DerivedPersonProperties#of} of this event: the parser's result when it made one (the keys it reads —
     * the event name, {@code set}, {@code setOnce}, {@code $is_server} and the event-to-person keys of the
     * properties — are not changed after parsing: processing only adds {@code $group_N} and removes
     * {@code $process_person_profile}), else derived now. The maps are read-only.
     */
    public DerivedPersonProperties.Updates personUpdates() {
        return derivedUpdates != null ? derivedUpdates : DerivedPersonProperties.of(event, properties, set, setOnce);
    }
}
