package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CSS selectors and element filters as PostHog compiles them (posthog/hogql/test/test_property.py's
 * test_selector_to_expr, test_selector_to_expr_tailwind_classes and test_property_to_expr_element give the
 * expected regular expressions; Quarry reads the materialized columns' expressions on elements_chain instead).
 */
class ElementFiltersTest {
    private static final ObjectMapper M = new ObjectMapper();
    /**
     * What build_selector_regex appends after each part's conditions, {@code ([…]*?)?(…)}, without the optional
     * group around the lazy star (the same strings; ElementFilters.PART_END).
     */
    private static final String END = "[-_a-zA-Z0-9\\.:\"= \\[\\]\\(\\),]*?($|;|:([^;^\\s]*(;|$|\\s)))";

    private static String regex(String selector) {
        return ElementFilters.selectorRegex(ElementFilters.SelectorPart.parse(selector));
    }

    private static String selector(String selector) {
        return HogQLPrinter.print(ElementFilters.selector(selector));
    }

    /** HogQL of one element property filter, written with single quotes. */
    private static String filter(String json) throws Exception {
        return HogQLPrinter.print(PropertyFilters.toExpr(M.readTree(json.replace('\'', '"'))));
    }

    @Test
    void selectorRegexesArePostHogs() {
        assertEquals("(^|;)div" + END, regex("div"));
        // the clicked element first: the part after '>' is the ancestor's, followed by anything
        assertEquals("(^|;)div" + END + "div" + END + ".*", regex("div > div"));
        assertEquals("(^|;)button" + END + "div" + END + ".*", regex("div > button"));
        assertEquals("(^|;)a.*?href=\"boo\".*?" + END, regex("a[href='boo']"));
        assertEquals("(^|;).*?\\.class" + END, regex(".class"));
        assertEquals("(^|;)a.*?attr_id=\"withid\".*?" + END, regex("a#withid"));
        assertEquals("(^|;)a.*?attr_id=\"with\\-dashed\\-id\".*?" + END, regex("a#with-dashed-id"));
        // classes sorted, each after the previous one within the element
        assertEquals("(^|;)button.*?\\.btn\\..*?primary" + END, regex("button.primary.btn"));
        // attributes sorted by name: attr_id, then nth-child
        assertEquals("(^|;)li.*?attr_id=\"x\".*?nth\\-child=\"2\".*?" + END, regex("li#x:nth-child(2)"));
        // PostHog drops '> * > ' (leaving a descendant) and reads '\:' as ':'; '*' alone has no tag
        assertEquals(regex("div a"), regex("div > * > a"));
        assertEquals(regex("li:nth-child(2)"), regex("li\\:nth-child(2)"));
        assertEquals("(^|;)" + END, regex("*"));
        assertEquals("", regex("   "));
    }

    @Test
    void tailwindClassesKeepTheirBracketsWhole() {
        assertEquals("(^|;).*?\\.sm:\\[max\\-width:640px\\]" + END, regex(".sm:[max-width:640px]"));
        assertEquals("(^|;).*?\\.w\\-\\[calc\\(100%\\-2rem\\)\\]" + END, regex(".w-[calc(100%-2rem)]"));
        assertEquals("(^|;).*?\\.shadow\\-\\[0_4px_6px_rgba\\(0,0,0,0\\.1\\)\\]" + END,
                regex(".shadow-[0_4px_6px_rgba(0,0,0,0.1)]"));
    }

    @Test
    void selectorExpressionsCarryPostHogsPrefilters() {
        assertEquals("match(elements_chain, '(^|;)div" + END.replace("\\", "\\\\") + "')", selector("div"));
        // a useful tag is also looked up among the chain's elements; an id among its ids
        assertEquals("match(elements_chain, '(^|;)a.*?attr_id=\"withid\".*?" + END.replace("\\", "\\\\") + "') AND "
                + "has(extractAll(elements_chain, '[:\"]attr_id=\"([^\"\\\\n]*)\"'), 'withid') AND "
                + "arrayExists(x -> x IN ('a'), extractAll(elements_chain, "
                + "'(?:^|;)(a|button|form|input|select|textarea|label)(?:\\\\.|$|:)'))", selector("a#withid"));
        // one #id alone is only the id test, however written
        assertEquals("has(extractAll(elements_chain, '[:\"]attr_id=\"([^\"\\\\n]*)\"'), 'with-dashed-id')",
                selector("#with-dashed-id"));
        assertEquals(selector("#with-dashed-id"), selector("[id='with-dashed-id']"));
        assertEquals("has(extractAll(elements_chain, '[:\"]attr_id=\"([^\"\\\\n]*)\"'), 'with\\\\slashed\\\\id')",
                selector("#with\\slashed\\id"));
    }

    @Test
    void elementPropertyFilters() throws Exception {
        assertEquals(selector("div"), filter("{'type':'element','key':'selector','value':'div','operator':'exact'}"));
        assertEquals("NOT " + selector("div"), filter("{'type':'element','key':'selector','value':'div','operator':'is_not'}"));
        assertEquals("match(elements_chain, '(^|;)div(\\\\.|$|;|:)')",
                filter("{'type':'element','key':'tag_name','value':['div']}"));
        assertEquals("extract(elements_chain, '[:\"]href=\"([^\"\\\\n]*)\"') = 'href-text.'",
                filter("{'type':'element','key':'href','value':'href-text.','operator':'exact'}"));
        assertEquals("extract(elements_chain, '[:\"]href=\"([^\"\\\\n]*)\"') ILIKE '%href-text.%'",
                filter("{'type':'element','key':'href','value':'href-text.','operator':'icontains'}"));
        assertEquals("arrayExists(x -> ifNull(match(x, 'text-text.'), false), "
                        + "extractAll(elements_chain, '[:\"]text=\"([^\"\\\\n]*)\"'))",
                filter("{'type':'element','key':'text','value':'text-text.','operator':'regex'}"));
        // several values: any of them, all of them for a negative operator
        assertEquals("(match(elements_chain, '(^|;)a(\\\\.|$|;|:)') OR match(elements_chain, '(^|;)button(\\\\.|$|;|:)'))",
                filter("{'type':'element','key':'tag_name','value':['a','button']}"));
        assertEquals("NOT match(elements_chain, '(^|;)a(\\\\.|$|;|:)') AND NOT match(elements_chain, "
                        + "'(^|;)button(\\\\.|$|;|:)')",
                filter("{'type':'element','key':'tag_name','value':['a','button'],'operator':'is_not'}"));
    }

    /**
     * A part of {@code [='} repeated never closes its attribute: PostHog's attribute pattern took cubic time on it
     * with java.util.regex (22 s of CPU for 3 KB); on RE2 it is linear. The bound is a guard against backtracking
     * coming back, far above the milliseconds it takes.
     */
    @Test
    void anUnclosedAttributeParsesInLinearTime() {
        String hostile = "[='".repeat(ElementFilters.MAX_SELECTOR_LENGTH / 3);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> ElementFilters.SelectorPart.parse(hostile));
        assertEquals("A selector may have at most 2000 characters (this one has 2001)", assertThrows(
                PropertyFilters.InvalidFilterException.class,
                () -> ElementFilters.SelectorPart.parse("a".repeat(2001))).getMessage());
        // the submatches are a backtracking engine's: the last '=' before a quote closes the key
        assertEquals(regex("a[data-x='1=2']"), "(^|;)a.*?data\\-x=\"1=2\".*?" + END);
    }

    @Test
    void refusals() {
        for (String json : List.of(
                "{'type':'element','key':'selector','value':'div','operator':'icontains'}",
                "{'type':'element','key':'tag_name','value':'div','operator':'regex'}",
                "{'type':'element','key':'nth_child','value':'1'}",
                "{'type':'element','key':'selector'}",
                "{'type':'element','key':'selector','value':[]}")) {
            assertThrows(PropertyFilters.InvalidFilterException.class, () -> filter(json), json);
        }
        assertEquals("Element filters cannot be used on persons", assertThrows(PropertyFilters.InvalidFilterException.class,
                () -> PropertyFilters.toExpr(M.readTree("{\"type\":\"element\",\"key\":\"tag_name\",\"value\":\"a\"}"),
                        PropertyFilters.Context.PERSONS)).getMessage());
    }
}
