package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The bound on a person's stored properties, as PostHog's person store keeps it: at most {@link #LIMIT_BYTES} of JSON
 * (PostHog's {@code check_properties_size} constraint, 655,360 bytes). Every reader of persons (lists, actors,
 * cohorts) reads whole properties, so an unbounded person made every page that holds it as large as its properties
 * (a breaker's persons of 7.2 MB each took 1.4 GB of heap for one list page).
 * <ul>
 *   <li>An update past the bound of a person stored within it is refused: the batch's changes to the person, largest
 *   first, are left unstored until the rest fits (PostHog refuses the one event's update that passes it; the events
 *   and the person's other changes are kept).</li>
 *   <li>A person stored past the bound (before it existed) is trimmed when it is next written: its properties, without
 *   the update, lose trimmable keys in key order until they are within {@link #TRIM_TARGET_BYTES} (PostHog's
 *   {@code trimPropertiesToFitSize}; its protected keys stay).</li>
 *   <li>A new person past the bound is created with its properties trimmed the same way (PostHog refuses the
 *   creation; trimming keeps the person and its protected keys).</li>
 * </ul>
 * If protected keys alone pass the target, they go too, in key order, so that the bound always holds. Each such write
 * adds an ingestion warning {@code person_properties_size_violation}.
 */
final class PersonPropertiesSize {
    /** PostHog's {@code DEFAULT_PERSON_PROPERTIES_DB_CONSTRAINT_LIMIT_BYTES}. */
    static final int LIMIT_BYTES = 655_360;
    /** PostHog's {@code DEFAULT_PERSON_PROPERTIES_TRIM_TARGET_BYTES}. */
    static final int TRIM_TARGET_BYTES = 512 * 1024;

    /** PostHog's protected person properties ({@code person-property-utils}: core, event-mapped, campaign, …). */
    static final Set<String> PROTECTED = Set.of("email", "name",
            "$app_build", "$app_name", "$app_namespace", "$app_version", "$browser", "$browser_version",
            "$device_type", "$current_url", "$pathname", "$os", "$os_name", "$os_version", "$referring_domain",
            "$referrer", "$screen_height", "$screen_width", "$viewport_height", "$viewport_width", "$raw_user_agent",
            "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_name", "utm_term", "gclid", "gad_source",
            "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid", "li_fat_id", "mc_cid", "igshid",
            "ttclid", "rdt_cid", "irclid", "_kx", "epik", "qclid", "sccid",
            "$session_id", "$window_id", "$pageview_id", "$host",
            "$user_id", "$device_id", "$anon_distinct_id",
            "$initial_referrer", "$initial_referring_domain", "$initial_utm_source", "$initial_utm_medium",
            "$initial_utm_campaign", "$initial_utm_content", "$initial_utm_term");

    private PersonPropertiesSize() {
    }

    /**
     * The JSON text to store as {@code person}'s properties: its properties as they are when within the bound, else
     * as the class says (a warning added to {@code warnings}); {@code person.properties} is set to what is stored.
     */
    static String stored(PersonRecord person, List<IngestionWarning> warnings, Instant now,
                         java.util.function.Function<String, ObjectNode> parse) {
        String json = JsNumbers.json(person.properties);
        if (within(json, LIMIT_BYTES)) {
            return json;
        }
        String stored;
        String message;
        if (person.storedProperties != null && within(person.storedProperties, LIMIT_BYTES)) {
            // the batch's changes to the person, largest first, are not stored until the rest fits: a 300 kB $set
            // goes, the small $set beside it in the same batch (or a merged person's name) stays
            ObjectNode before = parse.apply(person.storedProperties);
            ObjectNode after = person.properties;
            List<String> changed = new ArrayList<>();
            after.fieldNames().forEachRemaining(key -> {
                if (!after.get(key).equals(before.get(key))) {
                    changed.add(key);
                }
            });
            java.util.Map<String, Long> sizes = new java.util.HashMap<>();
            changed.forEach(key -> sizes.put(key, bytes(JsNumbers.json(after.get(key)))));
            changed.sort(java.util.Comparator.comparing((String key) -> sizes.get(key)).reversed()
                    .thenComparing(java.util.Comparator.naturalOrder()));
            List<String> refused = new ArrayList<>();
            long size = bytes(json);
            for (String key : changed) {
                if (size <= LIMIT_BYTES) {
                    break;
                }
                JsonNode old = before.get(key);
                size -= sizes.get(key);
                if (old == null) {
                    after.remove(key);
                    size -= bytes(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(key).toString()) + 2;
                } else {
                    after.set(key, old);
                    size += bytes(JsNumbers.json(old));
                }
                refused.add(key);
            }
            String kept = JsNumbers.json(after);
            if (within(kept, LIMIT_BYTES)) {
                stored = kept;
            } else {
                stored = person.storedProperties;
                person.properties = before;
            }
            message = "Person properties update would exceed size limit: the largest changes were not stored ("
                    + String.join(", ", refused.subList(0, Math.min(10, refused.size())).stream()
                            .map(key -> key.length() > 100 ? key.substring(0, 100) + "…" : key).toList())
                    + (refused.size() > 10 ? ", …" : "") + ")";
        } else {
            ObjectNode base = person.storedProperties != null ? parse.apply(person.storedProperties)
                    : person.properties;
            person.properties = trimmed(base);
            stored = JsNumbers.json(person.properties);
            message = person.isNew ? "Person properties exceeds size limit and was trimmed"
                    : "Person properties exceeded size limit and were trimmed";
        }
        IngestionWarning warning = new IngestionWarning("person_properties_size_violation",
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), now);
        warning.details().put("personId", person.uuid.toString());
        warning.details().put("message", message);
        warnings.add(warning);
        return stored;
    }

    /**
     * A group's {@code $group_set} as stored: its JSON, trimmed as a new person's is when past the bound (a group
     * already stored keeps its properties when a merge would pass it: the upsert's own check).
     */
    static String bounded(ObjectNode properties) {
        String json = JsNumbers.json(properties);
        return within(json, LIMIT_BYTES) ? json : JsNumbers.json(trimmed(properties));
    }

    /** {@code properties} without trimmable keys (then any keys), in key order, until within the trim target. */
    static ObjectNode trimmed(ObjectNode properties) {
        ObjectNode out = properties.deepCopy();
        long size = bytes(JsNumbers.json(out));
        List<String> keys = new ArrayList<>();
        out.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        for (boolean protectedToo : new boolean[] {false, true}) {
            for (String key : keys) {
                if (size <= TRIM_TARGET_BYTES) {
                    return out;
                }
                if (!out.has(key) || (!protectedToo && PROTECTED.contains(key))) {
                    continue;
                }
                JsonNode value = out.remove(key);
                // the key's and the value's JSON, a colon and a comma (PostHog's estimate; measured after the pass)
                size -= bytes(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(key).toString())
                        + bytes(JsNumbers.json(value)) + 2;
            }
            size = bytes(JsNumbers.json(out));
        }
        return out;
    }

    /** Whether {@code json}'s UTF-8 form is at most {@code limit} bytes (a char is at most 3 bytes of it). */
    static boolean within(String json, int limit) {
        return json.length() <= limit / 3 || bytes(json) <= limit;
    }

    private static long bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
