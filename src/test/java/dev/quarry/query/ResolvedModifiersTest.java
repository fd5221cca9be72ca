package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.query.schema.HogQLQueryModifiers;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answer's modifiers: every field of the model the node is checked against, PostHog's defaults filled in. */
class ResolvedModifiersTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theFieldsAreTheModelsInItsOrder() {
        List<String> components = Arrays.stream(HogQLQueryModifiers.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toList();
        // the record declares schema.py's fields in schema.py's order, which pydantic dumps them in
        assertEquals(components, ResolvedModifiers.FIELDS);
    }

    @Test
    void sentValuesStayNullsAndAutoAreResolved() throws Exception {
        var sent = MAPPER.readTree("{\"personsOnEventsMode\":\"disabled\",\"inCohortVia\":null,"
                + "\"materializationMode\":\"auto\",\"debug\":true,\"bounceRateDurationSeconds\":10}");
        var resolved = ResolvedModifiers.of(sent, MAPPER);
        assertEquals("disabled", resolved.get("personsOnEventsMode").asText());
        assertEquals("auto", resolved.get("inCohortVia").asText());
        assertEquals("legacy_null_as_null", resolved.get("materializationMode").asText());
        assertEquals(true, resolved.get("debug").asBoolean());
        assertEquals(10, resolved.get("bounceRateDurationSeconds").asInt());
        assertEquals(true, resolved.get("propertyGroupsMode").isNull());
        assertEquals(ResolvedModifiers.FIELDS, iterate(resolved));
        assertEquals(ResolvedModifiers.of(MAPPER.missingNode(), MAPPER), ResolvedModifiers.of(null, MAPPER));
    }

    private static List<String> iterate(com.fasterxml.jackson.databind.JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
