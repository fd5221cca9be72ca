package dev.quarry.insights.saved;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.LenientJson;
import dev.quarry.web.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The saved-insight create/PATCH body keeps each field's presence: not sent (left as it is), sent as null, or a
 * value; and refuses a malformed field with a 400 naming it, as the hand-written reads did.
 */
class InsightBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUERY = "{\"kind\":\"InsightVizNode\",\"source\":{\"kind\":\"TrendsQuery\",\"series\":[]}}";

    private static Insights.Changes read(String body) throws Exception {
        return LenientJson.read(JSON.readTree(body), InsightBody.class).changes();
    }

    private static ValidationException refused(String body) {
        return assertThrows(ValidationException.class, () -> read(body), body);
    }

    @Test
    void nothingSentChangesNothing() throws Exception {
        Insights.Changes c = read("{\"other\":1}");
        assertEquals(new Insights.Changes(null, false, null, false, null, false, null, null, null, null, null), c);
    }

    @Test
    void textFieldsTellNullFromAbsent() throws Exception {
        for (String field : List.of("name", "derived_name", "description")) {
            Insights.Changes absent = read("{}");
            Insights.Changes nulled = read("{\"" + field + "\":null}");
            Insights.Changes valued = read("{\"" + field + "\":\"Signups\"}");
            assertFalse(set(absent, field), field);
            assertTrue(set(nulled, field), field);
            assertNull(text(nulled, field), field);
            assertTrue(set(valued, field), field);
            assertEquals("Signups", text(valued, field), field);
            assertEquals(field, refused("{\"" + field + "\":5}").attr());
            assertEquals("Not a valid string.", refused("{\"" + field + "\":true}").getMessage());
            ValidationException tooLong = refused("{\"" + field + "\":\"" + "x".repeat(401) + "\"}");
            assertEquals(field, tooLong.attr());
            assertEquals("Ensure this field has no more than 400 characters.", tooLong.getMessage());
            assertEquals(400, text(read("{\"" + field + "\":\"" + "x".repeat(400) + "\"}"), field).length());
        }
    }

    @Test
    void flagsAreLeftWhenAbsentOrNullAndMustBeBooleans() throws Exception {
        for (String field : List.of("favorited", "saved", "deleted")) {
            assertNull(flag(read("{}"), field), field);
            assertNull(flag(read("{\"" + field + "\":null}"), field), field);
            assertEquals(Boolean.TRUE, flag(read("{\"" + field + "\":true}"), field), field);
            assertEquals(Boolean.FALSE, flag(read("{\"" + field + "\":false}"), field), field);
            // DRF's BooleanField: text and 0/1 as PostHog's model serializer takes them (a form sends text)
            assertEquals(Boolean.TRUE, flag(read("{\"" + field + "\":\"true\"}"), field), field);
            assertEquals(Boolean.TRUE, flag(read("{\"" + field + "\":1}"), field), field);
            assertEquals(Boolean.FALSE, flag(read("{\"" + field + "\":\"no\"}"), field), field);
            for (String wrong : List.of("\"maybe\"", "2", "{}", "[]")) {
                ValidationException e = refused("{\"" + field + "\":" + wrong + "}");
                assertEquals(field, e.attr(), wrong);
                assertEquals("Must be a valid boolean.", e.getMessage(), wrong);
            }
        }
    }

    @Test
    void queryIsKeptAsSentAndMustNameAKnownKind() throws Exception {
        assertNull(read("{}").query());
        JsonNode query = read("{\"query\":" + QUERY + "}").query();
        assertEquals(JSON.readTree(QUERY), query);
        // PostHog's JSONField(allow_null=True): an explicit null is taken and clears the query
        assertEquals(com.fasterxml.jackson.databind.node.NullNode.getInstance(), read("{\"query\":null}").query());
        for (String wrong : List.of("\"TrendsQuery\"", "[]", "{}", "{\"kind\":\"NoSuchQuery\"}", "{\"kind\":5}")) {
            ValidationException e = refused("{\"query\":" + wrong + "}");
            assertEquals("query", e.attr(), wrong);
            assertEquals("query must be a query object with a known kind", e.getMessage(), wrong);
        }
    }

    @Test
    void tagsAreNormalizedAndNullOrAbsentLeavesThem() throws Exception {
        assertNull(read("{}").tags());
        assertNull(read("{\"tags\":null}").tags());
        assertEquals(List.of(), read("{\"tags\":[]}").tags());
        assertEquals(List.of("growth", "q1"), read("{\"tags\":[\" Growth \",\"q1\",\"GROWTH\"]}").tags());
        ValidationException notList = refused("{\"tags\":\"growth\"}");
        assertEquals("tags", notList.attr());
        assertEquals("Expected a list of items.", notList.getMessage());
        for (String wrong : List.of("[\"\"]", "[\"  \"]", "[5]", "[null]", "[[\"a\"]]")) {
            ValidationException e = refused("{\"tags\":" + wrong + "}");
            assertEquals("tags", e.attr(), wrong);
            assertEquals("Tags must be non-empty strings.", e.getMessage(), wrong);
        }
    }

    private static boolean set(Insights.Changes c, String field) {
        return switch (field) {
            case "name" -> c.nameSet();
            case "derived_name" -> c.derivedNameSet();
            default -> c.descriptionSet();
        };
    }

    private static String text(Insights.Changes c, String field) {
        return switch (field) {
            case "name" -> c.name();
            case "derived_name" -> c.derivedName();
            default -> c.description();
        };
    }

    private static Boolean flag(Insights.Changes c, String field) {
        return switch (field) {
            case "favorited" -> c.favorited();
            case "saved" -> c.saved();
            default -> c.deleted();
        };
    }

    /** A long tag list costs linear time and is bounded: 200,000 tags were a 206 s quadratic scan on an event loop. */
    @Test
    void tagsAreDeduplicatedInLinearTimeAndBounded() throws Exception {
        assertEquals(List.of("a", "b"), read("{\"tags\":[\" A \",\"b\",\"a\",\"B\"]}").tags());
        StringBuilder many = new StringBuilder("{\"tags\":[");
        for (int i = 0; i < dev.quarry.web.Tags.MAX_TAGS; i++) {
            many.append(i == 0 ? "" : ",").append("\"t").append(i % 50).append('"');
        }
        assertEquals(50, read(many.append("]}").toString()).tags().size());
        StringBuilder tooMany = new StringBuilder("{\"tags\":[");
        for (int i = 0; i < 200_000; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"t").append(i).append('"');
        }
        long start = System.nanoTime();
        assertEquals("tags", refused(tooMany.append("]}").toString()).attr());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused without a scan per tag");
        assertEquals("tags", refused("{\"tags\":[\"" + "x".repeat(256) + "\"]}").attr());
    }

    /** A saved query is one POST query would take and every answer can carry: 2 MiB of JSON, 64 levels deep. */
    @Test
    void aSavedQueryIsBoundedInSizeAndDepth() throws Exception {
        String deep = "{\"kind\":\"WebOverviewQuery\",\"extra\":" + "[".repeat(70) + "]".repeat(70) + "}";
        ValidationException tooDeep = refused("{\"query\":" + deep + "}");
        assertEquals("query", tooDeep.attr());
        String shallow = "{\"kind\":\"WebOverviewQuery\",\"extra\":" + "[".repeat(50) + "]".repeat(50) + "}";
        assertEquals("WebOverviewQuery", read("{\"query\":" + shallow + "}").query().get("kind").asText());
        String big = "{\"kind\":\"HogQLQuery\",\"query\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        assertEquals("query", refused("{\"query\":" + big + "}").attr());
    }
}
