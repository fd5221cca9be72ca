package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one breakdown parser ({@link Breakdown#parse}) over PostHog's {@code BreakdownFilter}: the single and list
 * forms read alike, cohorts, limits per kind, and a 400 naming the field for anything malformed or not computed.
 */
class BreakdownParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Breakdown.Supports NO_HOGQL = new Breakdown.Supports("RetentionQuery",
            Set.of("event", "person", "cohort"), 10_000);

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Breakdown trends(String text) {
        return Breakdown.parse(json(text), Breakdown.TRENDS);
    }

    private static String attrOf(String text, Breakdown.Supports supports) {
        return assertThrows(ValidationException.class, () -> Breakdown.parse(json(text), supports)).attr();
    }

    @Test
    void singleAndListFormsAreTheSameBreakdown() {
        Breakdown single = trends("{'breakdown':'$browser','breakdown_type':'person','breakdown_limit':3,"
                + "'breakdown_hide_other_aggregation':true}");
        assertEquals(new Breakdown("person", "$browser", List.of(), 3, true), single);
        assertEquals(single, trends("{'breakdowns':[{'property':'$browser','type':'person'}],'breakdown_limit':3,"
                + "'breakdown_hide_other_aggregation':true}"));
        assertEquals(new Breakdown("event", "$browser", List.of(), 25, false), trends("{'breakdown':['$browser']}"));
        assertEquals(new Breakdown("event", "$browser", List.of(), 25, false),
                trends("{'breakdown':'','breakdowns':[{'property':'$browser'}]}"));
    }

    /** Two or three property entries are PostHog's multiple breakdown, each entry typed and checked on its own. */
    @Test
    void severalEntriesCombineForTrends() {
        Breakdown b = trends("{'breakdowns':[{'property':'$browser'},{'property':'plan','type':'person'},"
                + "{'property':'properties.$os','type':'hogql'}],'breakdown_limit':5}");
        assertEquals(new Breakdown("event", "$browser", List.of(), 5, false, List.of(
                new Breakdown.Property("person", "plan"), new Breakdown.Property("hogql", "properties.$os"))), b);
        assertEquals(3, b.width());
        assertEquals("type", attrOf("{'breakdowns':[{'property':'a'},{'property':'b','type':'group'}]}",
                Breakdown.TRENDS));
        assertEquals("breakdowns", attrOf("{'breakdowns':[{'property':'a'},{'property':''}]}", Breakdown.TRENDS));
    }

    /**
     * A multiple breakdown's value travels as one text; its values come back exactly, separators and escapes inside
     * values included, and the other bucket is one "other" per entry.
     */
    @Test
    void multipleValuesRoundTripThroughTheirKey() {
        Breakdown b = trends("{'breakdowns':[{'property':'a'},{'property':'b'},{'property':'c'}]}");
        for (List<String> values : List.of(List.of("Chrome", "Mac OS X", "x"), List.of("", "", ""),
                List.of("a\u0001b", "\u0002", "\u0002\u0001\u0003"), List.of(Breakdown.NULL_VALUE, "y", ""))) {
            assertEquals(values, b.values(Breakdown.key(values)));
        }
        assertEquals(List.of(Breakdown.OTHER_VALUE, Breakdown.OTHER_VALUE, Breakdown.OTHER_VALUE),
                b.values(Breakdown.OTHER_VALUE));
        assertEquals(Breakdown.OTHER_VALUE, Breakdown.key(List.of(Breakdown.OTHER_VALUE, Breakdown.OTHER_VALUE,
                Breakdown.OTHER_VALUE)));
        // element-wise order: a shorter first value sorts first, as ClickHouse compares the arrays
        assertEquals(true, Breakdown.key(List.of("a", "z", "z")).compareTo(Breakdown.key(List.of("a b", "a", "a"))) < 0);
    }

    @Test
    void noBreakdown() {
        assertNull(trends("{}"));
        assertNull(trends("{'breakdown':null,'breakdowns':[]}"));
        assertNull(trends("{'breakdown_type':'cohort','breakdown':[]}"));
        assertNull(Breakdown.parse(null, Breakdown.TRENDS));
    }

    @Test
    void cohortsInBothForms() {
        Breakdown b = trends("{'breakdown_type':'cohort','breakdown':[7,'all','12']}");
        assertEquals(List.of(7L, 0L, 12L), b.cohorts());
        assertEquals(b.cohorts(), trends("{'breakdowns':[{'type':'cohort','property':7},{'type':'cohort','property':"
                + "'all'},{'type':'cohort','property':'12'}]}").cohorts());
        assertEquals(List.of(5L), trends("{'breakdown_type':'cohort','breakdown':5}").cohorts());
    }

    @Test
    void malformedOrUncomputedFieldsAre400NamingThem() {
        assertEquals("breakdown_normalize_url", attrOf("{'breakdown':'$url','breakdown_normalize_url':true}",
                Breakdown.TRENDS));
        assertEquals("breakdown_path_cleaning", attrOf("{'breakdown':'$url','breakdown_path_cleaning':true}",
                Breakdown.TRENDS));
        assertEquals("histogram_bin_count", attrOf("{'breakdowns':[{'property':'n','histogram_bin_count':5}]}",
                Breakdown.TRENDS));
        assertEquals("somethingNew", attrOf("{'breakdown':'$browser','somethingNew':1}", Breakdown.TRENDS));
        assertEquals("extra", attrOf("{'breakdowns':[{'property':'a','extra':1}]}", Breakdown.TRENDS));
        assertEquals("breakdown_limit", attrOf("{'breakdown':'a','breakdown_limit':'many'}", Breakdown.TRENDS));
        assertEquals("breakdown_limit", attrOf("{'breakdown':'a','breakdown_limit':0}", Breakdown.TRENDS));
        assertEquals("breakdown_limit", attrOf("{'breakdown':'a','breakdown_limit':10001}", NO_HOGQL));
        assertEquals("breakdowns", attrOf("{'breakdown':'a','breakdowns':[{'property':'b'}]}", Breakdown.TRENDS));
        assertEquals("breakdowns", attrOf("{'breakdowns':[{'property':'a'},{'property':'b'}]}", NO_HOGQL));
        assertEquals("breakdowns", attrOf("{'breakdowns':[{'property':'a'},{'property':1,'type':'cohort'}]}",
                Breakdown.TRENDS));
        assertEquals("breakdowns", attrOf("{'breakdowns':[{'property':'a'},{'property':'b'},{'property':'c'},"
                + "{'property':'d'}]}", Breakdown.TRENDS));
        assertEquals("breakdown", attrOf("{'breakdown':['a','b']}", Breakdown.TRENDS));
        assertEquals("breakdown", attrOf("{'breakdown':{'a':1}}", Breakdown.TRENDS));
        assertEquals("breakdown", attrOf("{'breakdown_type':'cohort','breakdown':['x']}", Breakdown.TRENDS));
        assertEquals("breakdown_type", attrOf("{'breakdown':'a','breakdown_type':'group'}", Breakdown.TRENDS));
        assertEquals("breakdown_type", attrOf("{'breakdown':'a','breakdown_type':'hogql'}", NO_HOGQL));
        assertEquals("type", attrOf("{'breakdowns':[{'property':'a','type':'data_warehouse'}]}", Breakdown.TRENDS));
        assertEquals("breakdownFilter", attrOf("'$browser'", Breakdown.TRENDS));
    }
}
