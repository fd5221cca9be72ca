package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The event properties PostHog copies onto the person (its ingestion's event-to-person list): each present key goes
 * to the person through {@code $set} (unless the event's own {@code $set} names it) and, when its value is not null,
 * as {@code $initial_<key without $>} through {@code $set_once} (unless the event's {@code $set_once} names that).
 * Server SDK events ({@code $is_server: true}) do not lift {@code $os}/{@code $os_version}; {@code $os_name} stands in
 * for a missing {@code $os} and is never stored under its own name. {@code $snapshot} and {@code $performance_event}
 * derive nothing. Values are PostHog's lists as of its current ingestion code.
 */
public final class DerivedPersonProperties {
    /** Device, page and app properties, then the campaign parameters — PostHog's order. */
    public static final List<String> EVENT_TO_PERSON = List.of(
            "$app_build", "$app_name", "$app_namespace", "$app_version",
            "$browser", "$browser_version", "$device_type", "$current_url", "$pathname", "$os", "$os_name",
            "$os_version", "$referring_domain", "$referrer", "$screen_height", "$screen_width", "$viewport_height",
            "$viewport_width", "$raw_user_agent",
            "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_name", "utm_term",
            "gclid", "gad_source", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid",
            "li_fat_id", "mc_cid", "igshid", "ttclid", "rdt_cid", "irclid", "_kx", "epik", "qclid", "sccid");

    /**
     * Keys whose change alone does not rewrite an existing person on an ordinary event (they change on every page
     * view); the new value is still written when the person changes for another reason. {@code $identify},
     * {@code $create_alias}, {@code $merge_dangerously} and {@code $set} events always write them.
     */
    public static final Set<String> FILTERED = Set.of(
            "$current_url", "$pathname", "$referring_domain", "$referrer",
            "$screen_height", "$screen_width", "$viewport_height", "$viewport_width",
            "$browser", "$browser_version", "$device_type", "$raw_user_agent", "$os", "$os_name", "$os_version",
            "$geoip_postal_code", "$geoip_time_zone", "$geoip_latitude", "$geoip_longitude",
            "$geoip_accuracy_radius", "$geoip_subdivision_1_code", "$geoip_subdivision_1_name",
            "$geoip_subdivision_2_code", "$geoip_subdivision_2_name", "$geoip_subdivision_3_code",
            "$geoip_subdivision_3_name", "$geoip_city_confidence", "$geoip_country_confidence",
            "$geoip_postal_code_confidence", "$geoip_subdivision_1_confidence", "$geoip_subdivision_2_confidence");

    /** {@link #initialKey} of each key of {@link #EVENT_TO_PERSON}, made once (this runs for every event). */
    private static final Map<String, String> INITIAL_KEYS = EVENT_TO_PERSON.stream()
            .collect(java.util.stream.Collectors.toUnmodifiableMap(key -> key, DerivedPersonProperties::initialKey));

    /** Each key's position in {@link #EVENT_TO_PERSON} (at most 64 keys: a {@code long} holds which are present). */
    private static final Map<String, Integer> POSITIONS;
    private static final long OS = 1L << EVENT_TO_PERSON.indexOf("$os");
    private static final long OS_VERSION = 1L << EVENT_TO_PERSON.indexOf("$os_version");

    static {
        if (EVENT_TO_PERSON.size() > Long.SIZE) {
            throw new IllegalStateException("more event-to-person keys than bits in a long");
        }
        Map<String, Integer> positions = new java.util.HashMap<>();
        for (int i = 0; i < EVENT_TO_PERSON.size(); i++) {
            positions.put(EVENT_TO_PERSON.get(i), i);
        }
        POSITIONS = Map.copyOf(positions);
    }

    static final Set<String> PERSON_EVENTS = Set.of("$identify", "$create_alias", "$merge_dangerously", "$set");
    /** Events PostHog never lets update a person. */
    static final Set<String> NO_PERSON_UPDATE_EVENTS = Set.of("$exception", "$$heatmap");
    private static final Set<String> NO_DERIVATION_EVENTS = Set.of("$snapshot", "$performance_event");

    /** The person updates of one event: its own $set / $set_once with the derived keys added (read-only maps). */
    public record Updates(Map<String, JsonNode> set, Map<String, JsonNode> setOnce) {
        public Updates {
            set = java.util.Collections.unmodifiableMap(set);
            setOnce = java.util.Collections.unmodifiableMap(setOnce);
        }
    }

    private DerivedPersonProperties() {
    }

    public static String initialKey(String key) {
        int dollar = key.indexOf('$');
        return "$initial_" + (dollar < 0 ? key : key.substring(0, dollar) + key.substring(dollar + 1));
    }

    /**
     * Whether the event carries any property PostHog copies onto persons (null values count; a server SDK's
     * {@code $os}/{@code $os_version} do not; {@code $snapshot} / {@code $performance_event} never derive).
     */
    static boolean derivesAny(String event, ObjectNode properties) {
        if (NO_DERIVATION_EVENTS.contains(event)) {
            return false;
        }
        JsonNode isServer = properties.get("$is_server");
        boolean server = isServer != null && isServer.isBoolean() && isServer.booleanValue();
        return (present(properties) & (server ? ~(OS | OS_VERSION) : -1L)) != 0;
    }

    /**
     * Which keys of {@link #EVENT_TO_PERSON} the properties hold (a JSON null counts), bit i for the key at position i:
     * found by walking the event's own keys when it has fewer than the list (server SDKs' events: a handful), else by
     * probing each key of the list.
     */
    private static long present(ObjectNode properties) {
        long mask = 0;
        if (properties.size() < EVENT_TO_PERSON.size()) {
            for (java.util.Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
                Integer position = POSITIONS.get(names.next());
                if (position != null) {
                    mask |= 1L << position;
                }
            }
        } else {
            for (int i = 0; i < EVENT_TO_PERSON.size(); i++) {
                if (properties.has(EVENT_TO_PERSON.get(i))) {
                    mask |= 1L << i;
                }
            }
        }
        return mask;
    }

    /** The event's $set / $set_once (explicit keys first and winning) plus what PostHog derives from properties. */
    public static Updates of(String event, ObjectNode properties, ObjectNode set, ObjectNode setOnce) {
        Map<String, JsonNode> toSet = new LinkedHashMap<>();
        set.fields().forEachRemaining(f -> toSet.put(f.getKey(), f.getValue()));
        Map<String, JsonNode> toSetOnce = new LinkedHashMap<>();
        setOnce.fields().forEachRemaining(f -> toSetOnce.put(f.getKey(), f.getValue()));
        if (NO_DERIVATION_EVENTS.contains(event)) {
            return new Updates(toSet, toSetOnce);
        }
        JsonNode isServer = properties.get("$is_server");
        boolean server = isServer != null && isServer.isBoolean() && isServer.booleanValue();
        JsonNode osName = properties.get("$os_name");
        // the keys present, in the list's order; $os too when $os_name may stand in for it
        long present = present(properties) | (osName != null && !osName.isNull() ? OS : 0);
        for (long rest = present; rest != 0; rest &= rest - 1) {
            String key = EVENT_TO_PERSON.get(Long.numberOfTrailingZeros(rest));
            JsonNode value = properties.get(key);
            if (key.equals("$os_name")) {
                continue;
            }
            if (key.equals("$os") && (value == null || value.isNull()) && osName != null && !osName.isNull()) {
                value = osName;
            }
            if (value == null || (server && (key.equals("$os") || key.equals("$os_version")))) {
                continue;
            }
            toSet.putIfAbsent(key, value);
            if (!value.isNull()) {
                toSetOnce.putIfAbsent(INITIAL_KEYS.get(key), value);
            }
        }
        return new Updates(toSet, toSetOnce);
    }
}
