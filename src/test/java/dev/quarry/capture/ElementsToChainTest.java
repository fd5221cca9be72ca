package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** PostHog's extractElements + elementsToString on the $elements lists SDKs send. */
class ElementsToChainTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static String chain(String elements) throws Exception {
        return ElementsToChain.of(MAPPER.readTree(elements));
    }

    @Test
    void posthogJsElementsAsTheChainPostHogStores() throws Exception {
        assertEquals("button.btn.buy:attr__class=\"btn buy\"attr__id=\"b\"attr_id=\"b\"nth-child=\"1\"nth-of-type=\"1\""
                        + "text=\"Buy\";body:nth-child=\"2\"nth-of-type=\"1\"",
                chain("[{\"tag_name\":\"button\",\"$el_text\":\"Buy\",\"classes\":[\"btn\",\"buy\"],"
                        + "\"attr__class\":\"btn buy\",\"attr__id\":\"b\",\"nth_child\":1,\"nth_of_type\":1},"
                        + "{\"tag_name\":\"body\",\"nth_child\":2,\"nth_of_type\":1}]"));
        // classes sorted with their quotes removed, values' quotes escaped, absent nth as 0, attr__ keys as sent
        assertEquals("a.x.y:attr__class=\"y x\\\"\"attr__data-q=\"say \\\"hi\\\"\"attr__href=\"/p\"href=\"/p\""
                        + "nth-child=\"0\"nth-of-type=\"0\"",
                chain("[{\"tag_name\":\"a\",\"attr__class\":\"y x\\\"\",\"attr__href\":\"/p\","
                        + "\"attr__data-q\":\"say \\\"hi\\\"\"}]"));
    }

    @Test
    void whatPostHogsConversionFailsOnGivesNoChain() throws Exception {
        assertNull(chain("[null]"));
        assertNull(chain("[{\"tag_name\":\"a\",\"attr__x\":null}]"));
        assertNull(chain("[{\"tag_name\":\"a\",\"$el_text\":5}]"));
        assertEquals(":nth-child=\"0\"nth-of-type=\"0\"", chain("[{}]"));
    }

    @Test
    void attributeNamesInLocaleCompareOrder() {
        assertEquals(-1, Integer.signum(ElementsToChain.localeCompare("attr__id", "attr_id")));
        assertEquals(-1, Integer.signum(ElementsToChain.localeCompare("attr__data_x", "attr__data-x")));
        assertEquals(-1, Integer.signum(ElementsToChain.localeCompare("attr__a", "attr__B")));
        assertEquals(-1, Integer.signum(ElementsToChain.localeCompare("attr__b", "attr__B")));
        assertEquals(-1, Integer.signum(ElementsToChain.localeCompare("nth-child", "nth-of-type")));
    }
}
