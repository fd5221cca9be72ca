package dev.quarry.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** PostHog's chain_to_element_dicts on the chains its own tests and posthog-js's autocapture write. */
class ElementsChainParseTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ArrayNode parse(String chain) {
        return ElementsChain.elements(chain, MAPPER);
    }

    @Test
    void elementsInChainOrderWithTheirFieldsInPostHogsOrder() throws Exception {
        ArrayNode elements = parse("a.small.btn:href=\"/docs\"nth-child=\"1\"nth-of-type=\"2\"text=\"Docs\"attr__class=\"small btn\";"
                + "div.container:nth-child=\"3\"nth-of-type=\"1\"attr_id=\"main\";body");
        assertEquals(MAPPER.readTree("""
                [{"text":"Docs","tag_name":"a","attr_class":["small","btn"],"href":"/docs","attr_id":null,
                  "nth_child":1,"nth_of_type":2,"attributes":{"attr__class":"small btn"},"order":0},
                 {"text":null,"tag_name":"div","attr_class":["container"],"href":null,"attr_id":"main",
                  "nth_child":3,"nth_of_type":1,"attributes":{},"order":1},
                 {"text":null,"tag_name":"body","attr_class":null,"href":null,"attr_id":null,
                  "nth_child":null,"nth_of_type":null,"attributes":{},"order":2}]"""), elements);
        JsonNode first = elements.get(0);
        java.util.List<String> names = new java.util.ArrayList<>();
        first.fieldNames().forEachRemaining(names::add);
        assertEquals(java.util.List.of("text", "tag_name", "attr_class", "href", "attr_id", "nth_child", "nth_of_type",
                "attributes", "order"), names);
    }

    @Test
    void quotedSemicolonsEscapedQuotesAndClassesWithColons() {
        ArrayNode elements = parse("button.hover:bg-red:text=\"a; \\\"b\\\"\"nth-child=\"x\";span");
        assertEquals(2, elements.size());
        assertEquals("button", elements.get(0).get("tag_name").asText());
        assertEquals("[\"hover:bg-red\"]", elements.get(0).get("attr_class").toString());
        assertEquals("a; \\\"b\\\"", elements.get(0).get("text").asText());
        assertEquals(true, elements.get(0).get("nth_child").isNull());
        assertEquals("span", elements.get(1).get("tag_name").asText());
        assertEquals(99_999_999_999L, parse("a:nth-child=\"99999999999\"").get(0).get("nth_child").asLong());
        assertEquals(0, parse("").size());
        assertEquals(0, parse(null).size());
    }

    @Test
    void hostileChainsStayLinearAndBounded() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertEquals(ElementsChain.MAX_ELEMENTS, parse("a;".repeat(500_000)).size());
            parse("a:text=\"" + "\\\\".repeat(200_000));
            parse("\"" + "\\\"".repeat(200_000));
            parse("a:" + "k=\"".repeat(100_000));
        });
    }
}
