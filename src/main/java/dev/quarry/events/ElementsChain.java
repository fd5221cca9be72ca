package dev.quarry.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * An event's {@code elements_chain} (autocapture's elements as one string, as posthog-js sends {@code $elements_chain}:
 * {@code button.btn.primary:attr__id="buy"nth-child="2"nth-of-type="1"text="Buy";div:nth-child="1"nth-of-type="1"})
 * read back into PostHog's element objects, as its events API shows them ({@code chain_to_element_dicts}): per
 * element, in chain order, {@code text}, {@code tag_name}, {@code attr_class} (the classes, or null), {@code href},
 * {@code attr_id}, {@code nth_child}, {@code nth_of_type} (integers), {@code attributes} (every other key, e.g.
 * {@code attr__id}) and {@code order} (0 for the clicked element). Parsed with PostHog's own patterns, run by RE2
 * (linear in the chain's length, as PostHog's are: no input backtracks). Two departures, both for safety: an
 * {@code nth-child} or {@code nth-of-type} that is not an integer is null (PostHog's {@code int()} fails the request),
 * and at most {@link #MAX_ELEMENTS} elements are read (a real page's chain holds the clicked element's ancestors, a few
 * dozen; a crafted chain of a million {@code a;} would otherwise be a million objects).
 */
public final class ElementsChain {
    /** The most elements read from one chain. */
    public static final int MAX_ELEMENTS = 1_000;

    /** Python's Unicode whitespace, which splits elements like {@code ;} does (PostHog's {@code _PYTHON_WHITESPACE}). */
    private static final String WHITESPACE = "\\x09-\\x0d\\x1c-\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
            + "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}";
    /** One element: a run of anything but whitespace, {@code ;} and {@code "}, or a quoted string (escapes kept). */
    private static final Pattern ELEMENT = Pattern.compile("(?:[^" + WHITESPACE + ";\"]|\"(?:\\\\.|[^\"])*\")+");
    /** The tag and classes, then {@code :} and the attributes (classes may hold {@code :} themselves). */
    private static final Pattern TAG_AND_ATTRIBUTES = Pattern.compile("(.*?)($|:([a-zA-Z\\-_0-9]*=.*))");
    private static final Pattern ATTRIBUTE = Pattern.compile("(?P<key>.*?)=\"(?P<value>.*?[^\\\\])\"");

    private ElementsChain() {
    }

    /** The chain's elements as PostHog's events API serializes them; an empty array for an empty or null chain. */
    public static ArrayNode elements(String chain, ObjectMapper mapper) {
        ArrayNode elements = mapper.createArrayNode();
        if (chain == null || chain.isEmpty()) {
            return elements;
        }
        Matcher each = ELEMENT.matcher(chain);
        int order = 0;
        while (order < MAX_ELEMENTS && each.find()) {
            elements.add(element(each.group(), order++, mapper));
        }
        return elements;
    }

    private static ObjectNode element(String text, int order, ObjectMapper mapper) {
        ObjectNode element = mapper.createObjectNode();
        element.putNull("text");
        element.putNull("tag_name");
        element.putNull("attr_class");
        element.putNull("href");
        element.putNull("attr_id");
        element.putNull("nth_child");
        element.putNull("nth_of_type");
        ObjectNode attributes = element.putObject("attributes");
        element.put("order", order);
        Matcher parts = TAG_AND_ATTRIBUTES.matcher(text);
        if (!parts.find()) {
            return element;
        }
        String tag = parts.group(1);
        String attributesText = parts.group(3);
        if (!tag.isEmpty()) {
            int dot = tag.indexOf('.');
            element.put("tag_name", dot < 0 ? tag : tag.substring(0, dot));
            if (dot >= 0) {
                ArrayNode classes = element.putArray("attr_class");
                for (String name : tag.substring(dot + 1).split("\\.", -1)) {
                    if (!name.isEmpty()) {
                        classes.add(name);
                    }
                }
            }
        }
        if (attributesText == null || attributesText.isEmpty()) {
            return element;
        }
        Matcher attribute = ATTRIBUTE.matcher(attributesText);
        while (attribute.find()) {
            String key = attribute.group("key");
            String value = attribute.group("value");
            switch (key) {
                case "href" -> element.put("href", value);
                case "nth-child" -> putInteger(element, "nth_child", value);
                case "nth-of-type" -> putInteger(element, "nth_of_type", value);
                case "text" -> element.put("text", value);
                case "attr_id" -> element.put("attr_id", value);
                default -> {
                    if (!key.isEmpty()) {
                        attributes.put(key, value);
                    }
                }
            }
        }
        return element;
    }

    /** The value as an integer (an optional sign and digits, surrounding whitespace allowed; 64 bits), else null. */
    private static void putInteger(ObjectNode element, String field, String value) {
        try {
            long number = Long.parseLong(value.strip());
            if (number == (int) number) {
                element.put(field, (int) number);
            } else {
                element.put(field, number);
            }
        } catch (NumberFormatException e) {
            element.putNull(field);
        }
    }
}
