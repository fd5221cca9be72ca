package dev.quarry.query.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.insights.TrendsQuery;
import dev.quarry.web.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 §1 for a node's {@code modifiers}: the four of PostHog's HogQLQueryModifiers that change its values where
 * Quarry has one fixed rule are a 400 naming them unless at that rule (convertToProjectTimezone true, a 10 s bounce,
 * pageviews counted, PostHog's default channel rules); their default values, as PostHog's responses echo them, pass.
 */
class ModifiersThatChangeValuesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode trends(String modifiers) throws Exception {
        return MAPPER.readTree("{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"EventsNode\",\"event\":\"$pageview\"}],"
                + "\"modifiers\":" + modifiers + "}");
    }

    private static void refused(String modifiers, String attr) throws Exception {
        JsonNode node = trends(modifiers);
        ValidationException e = assertThrows(ValidationException.class,
                () -> QuerySchema.parse(node, TrendsQuery.class, "TrendsQuery"), modifiers);
        assertEquals(attr, e.attr(), modifiers);
    }

    @Test
    void valueChangingModifiersAreRefusedUnlessAtQuarrysRule() throws Exception {
        refused("{\"convertToProjectTimezone\":false}", "convertToProjectTimezone");
        refused("{\"bounceRateDurationSeconds\":30}", "bounceRateDurationSeconds");
        refused("{\"bounceRatePageViewMode\":\"uniq_urls\"}", "bounceRatePageViewMode");
        refused("{\"bounceRatePageViewMode\":\"uniq_page_screen_autocaptures\"}", "bounceRatePageViewMode");
        refused("{\"customChannelTypeRules\":[{\"id\":\"r\",\"channel_type\":\"Mine\",\"combiner\":\"AND\","
                + "\"items\":[]}]}", "customChannelTypeRules");
    }

    @Test
    void theDefaultsPass() throws Exception {
        for (String ok : new String[] {"{}", "{\"convertToProjectTimezone\":true}", "{\"bounceRateDurationSeconds\":10}",
                "{\"bounceRateDurationSeconds\":0}", "{\"bounceRateDurationSeconds\":null}",
                "{\"bounceRatePageViewMode\":\"count_pageviews\"}", "{\"customChannelTypeRules\":[]}",
                "{\"personsOnEventsMode\":\"person_id_override_properties_joined\",\"materializationMode\":\"auto\"}"}) {
            QuerySchema.parse(trends(ok), TrendsQuery.class, "TrendsQuery");
        }
    }
}
