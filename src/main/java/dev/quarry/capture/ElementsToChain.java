package dev.quarry.capture;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An older SDK's {@code $elements} (a list of objects: {@code tag_name}, {@code $el_text}, {@code nth_child},
 * {@code nth_of_type}, {@code attr__class}, {@code attr__href}, {@code attr__id} and other {@code attr__*} keys; posthog-js
 * without {@code elementsChainAsString}, autocapturing mobile SDKs) written as the elements chain PostHog's ingestion
 * stores for it ({@code extractElements} then {@code elementsToString}): per element the tag, its classes sorted
 * ({@code .a.b}, quotes removed), {@code :} and the attributes sorted by name as JavaScript's {@code localeCompare}
 * orders them ({@code text} (at most 400 characters) when non-empty, {@code nth-child} and {@code nth-of-type} (0 when
 * absent), {@code href} (at most 2,048), {@code attr_id}, every {@code attr__*} key as sent), each {@code key="value"}
 * with its quotes escaped; elements joined by {@code ;}.
 * <p>
 * Where PostHog's conversion throws (an element that is not an object; a {@code null} attribute value; a
 * {@code $el_text}, {@code attr__href} or {@code attr__class} that is not a string; an object or list where a value is
 * written) the event gets no chain and keeps {@code $elements} in its properties, as PostHog's does.
 */
final class ElementsToChain {
    /** ASCII punctuation in the order of the Unicode root collation JavaScript's {@code localeCompare} uses. */
    private static final String PUNCTUATION_ORDER = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

    private ElementsToChain() {
    }

    /** The chain for a sent {@code $elements} list; null where PostHog's conversion fails. */
    static String of(JsonNode elements) {
        List<String> written = new ArrayList<>(elements.size());
        for (JsonNode element : elements) {
            if (!element.isObject()) {
                return null;
            }
            String one = element(element);
            if (one == null) {
                return null;
            }
            written.add(one);
        }
        return String.join(";", written);
    }

    private static String element(JsonNode el) {
        StringBuilder out = new StringBuilder();
        JsonNode tag = el.get("tag_name");
        if (truthy(tag)) {
            String text = jsString(tag);
            if (text == null) {
                return null;
            }
            out.append(text);
        }
        JsonNode classNode = el.get("attr__class");
        if (present(classNode)) {
            if (!classNode.isTextual()) {
                return null;
            }
            List<String> classes = new ArrayList<>(List.of(classNode.textValue().split(" ", -1)));
            classes.sort(Comparator.naturalOrder()); // JavaScript's default sort: UTF-16 code units
            for (String name : classes) {
                out.append('.').append(name.replace("\"", ""));
            }
        }
        Map<String, String> attributes = new TreeMap<>(ElementsToChain::localeCompare);
        JsonNode text = el.get("$el_text");
        if (present(text)) {
            if (!text.isTextual()) {
                return null;
            }
            String value = prefix(text.textValue(), 400);
            if (!value.isEmpty()) {
                attributes.put("text", value);
            }
        }
        String nthChild = numberOr(el.get("nth_child"));
        String nthOfType = numberOr(el.get("nth_of_type"));
        if (nthChild == null || nthOfType == null) {
            return null;
        }
        attributes.put("nth-child", nthChild);
        attributes.put("nth-of-type", nthOfType);
        JsonNode href = el.get("attr__href");
        if (present(href)) {
            if (!href.isTextual()) {
                return null;
            }
            String value = prefix(href.textValue(), 2048);
            if (!value.isEmpty()) {
                attributes.put("href", value);
            }
        }
        JsonNode id = el.get("attr__id");
        if (truthy(id)) {
            String value = jsString(id);
            if (value == null) {
                return null;
            }
            attributes.put("attr_id", value);
        }
        for (Map.Entry<String, JsonNode> field : el.properties()) {
            if (field.getKey().startsWith("attr__")) {
                String value = jsString(field.getValue());
                if (value == null) {
                    return null; // PostHog calls toString() on it: a null throws
                }
                attributes.put(field.getKey(), value);
            }
        }
        out.append(':');
        attributes.forEach((key, value) -> out.append(escape(key)).append("=\"").append(escape(value)).append('"'));
        return out.toString();
    }

    /** {@code value ?? 0} written as JavaScript writes it; null where it cannot be written. */
    private static String numberOr(JsonNode value) {
        return present(value) ? jsString(value) : "0";
    }

    private static boolean present(JsonNode value) {
        return value != null && !value.isNull() && !value.isMissingNode();
    }

    /** JavaScript's truthiness of a JSON value. */
    private static boolean truthy(JsonNode value) {
        if (!present(value)) {
            return false;
        }
        if (value.isTextual()) {
            return !value.textValue().isEmpty();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            return d != 0 && !Double.isNaN(d);
        }
        return true;
    }

    /** A scalar as JavaScript's {@code toString()} writes it; null for null, objects and lists. */
    private static String jsString(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "true" : "false";
        }
        if (value.isNumber()) {
            return JsNumbers.text(value.doubleValue());
        }
        return null;
    }

    /** JavaScript's {@code slice(0, n)}: the first n UTF-16 code units. */
    private static String prefix(String text, int n) {
        return text.length() <= n ? text : text.substring(0, n);
    }

    private static String escape(String text) {
        return text.replace("\"", "\\\"");
    }

    /**
     * JavaScript's {@code a.localeCompare(b)} for attribute names, as the Unicode root collation orders them: ignoring
     * case first (punctuation before digits before letters, ASCII punctuation in its collation order), then lower case
     * before upper case, then code units.
     */
    static int localeCompare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(primary(a.charAt(i)), primary(b.charAt(i)));
            if (c != 0) {
                return c;
            }
        }
        if (a.length() != b.length()) {
            return Integer.compare(a.length(), b.length());
        }
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y && Character.toLowerCase(x) == Character.toLowerCase(y)) {
                return Character.isLowerCase(x) ? -1 : 1;
            }
        }
        return a.compareTo(b);
    }

    private static int primary(char c) {
        int punctuation = PUNCTUATION_ORDER.indexOf(c);
        if (Character.isWhitespace(c)) {
            return c;
        }
        if (punctuation >= 0) {
            return 0x100 + punctuation;
        }
        if (c >= '0' && c <= '9') {
            return 0x200 + c;
        }
        if (c < 0x80 && Character.isLetter(c)) {
            return 0x300 + Character.toLowerCase(c);
        }
        return 0x10000 + c;
    }
}
