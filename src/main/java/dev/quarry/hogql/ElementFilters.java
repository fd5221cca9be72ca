package dev.quarry.hogql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.hogql.PropertyFilters.InvalidFilterException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Conditions on an autocaptured event's elements ({@code events.elements_chain}, the clicked element first, then its
 * ancestors, {@code ;}-separated), as PostHog writes them in {@code posthog/hogql/property.py}: a CSS selector
 * ({@code selector_to_expr}), a tag name ({@code tag_name_to_expr}), and element property filters ({@code type
 * "element"}: {@code selector}, {@code tag_name}, {@code href}, {@code text}). PostHog reads materialized columns
 * ({@code elements_chain_href}, {@code _texts}, {@code _ids}, {@code _elements}); Quarry the same regular expressions
 * on the column ({@link #HREF}, {@link #TEXT}, {@link #ID}, {@link #ELEMENTS}), through the one regex path of the
 * printer (RE2 syntax checked, rewritten for PostgreSQL).
 */
public final class ElementFilters {
    /**
     * PostHog's {@code elements_chain_href}, the chain's first href ({@code (?::|")href="(.*?)"}), written as the
     * same strings in the form PostgreSQL runs in linear time: the alternation as a bracket (PostgreSQL makes a whole
     * expression greedy when its first quantified part is an alternation), and {@code (.*?)"} as
     * {@code ([^"\n]*)"} (RE2's dot stops at a newline and a lazy star at the first quote: the same match), since
     * PostgreSQL took quadratic time on a lazy capture over a long value (one 1 MB chain captured with a project's
     * public token: 377 s against 50 ms).
     */
    public static final String HREF = "[:\"]href=\"([^\"\\n]*)\"";
    /** PostHog's {@code elements_chain_texts}, every text of the chain (written as {@link #HREF}). */
    public static final String TEXT = "[:\"]text=\"([^\"\\n]*)\"";
    /** PostHog's {@code elements_chain_ids}, every {@code id} attribute of the chain (written as {@link #HREF}). */
    static final String ID = "[:\"]attr_id=\"([^\"\\n]*)\"";
    /** PostHog's {@code elements_chain_elements}: the chain's elements of the tags PostHog keeps there. */
    static final String ELEMENTS = "(?:^|;)(a|button|form|input|select|textarea|label)(?:\\.|$|:)";
    /** PostHog's {@code Element.USEFUL_ELEMENTS}: a selector's tag among these is also looked up in {@link #ELEMENTS}. */
    private static final Set<String> USEFUL_ELEMENTS = Set.of("a", "button", "input", "select", "textarea", "label");
    /**
     * What may follow a selector part's conditions within its element: PostHog's build_selector_regex writes
     * {@code ([…]*?)?($|;|:([^;^\s]*(;|$|\s)))}; the optional group around the lazy star matches the same strings
     * without it, and a selector is only ever matched (never extracted), so Quarry leaves it out: one repetition less a
     * part under the regex budget ({@link RegexPatterns#OPTIONAL_REPETITIONS}).
     */
    private static final String PART_END = "[-_a-zA-Z0-9\\.:\"= \\[\\]\\(\\),]*?($|;|:([^;^\\s]*(;|$|\\s)))";
    /**
     * PostHog's {@code SELECTOR_ATTRIBUTE_REGEX}: {@code tag[key="value"]} (one attribute a part). On RE2 (re2j):
     * linear in the part, with the submatches a backtracking engine gives (leftmost-first); java.util.regex took
     * cubic time on a part of {@code [='} repeated that never closes (22 s of CPU for 3 KB).
     */
    private static final com.google.re2j.Pattern ATTRIBUTE =
            com.google.re2j.Pattern.compile("([a-zA-Z]*)\\[(.*)=['|\"](.*)['|\"]\\]");
    /**
     * Quarry's bound on a selector's length (PostHog sets none; the toolbar's selectors are a few hundred
     * characters): the parse is linear, but its expression is compiled and run per row.
     */
    static final int MAX_SELECTOR_LENGTH = 2_000;
    /** A class separator: a dot outside Tailwind's brackets ({@code .shadow-[0_4px_rgba(0,0,0,0.1)]} is one class). */
    private static final Pattern CLASS_DOT = Pattern.compile("\\.(?![^\\[]*\\])");
    /** Python's {@code re.escape} set: these get a backslash. */
    private static final String ESCAPED = "()[]{}?*+-|^$\\.&~# \t\n\r\u000b\f";

    private ElementFilters() {
    }

    private static Expr chain() {
        return Expr.Field.of("elements_chain");
    }

    /** PostHog's {@code elements_chain_href}: the chain's first href, '' when none. */
    public static Expr href() {
        return Expr.Call.of("extract", chain(), new Expr.Constant(HREF));
    }

    /** PostHog's {@code elements_chain_texts}: the chain's texts (an array of strings). */
    public static Expr texts() {
        return Expr.Call.of("extractAll", chain(), new Expr.Constant(TEXT));
    }

    /** PostHog's {@code tag_name_to_expr}: {@code (^|;)<tag>(\.|$|;|:)} on the chain, the tag as written. */
    public static Expr tagName(String tag) {
        return Expr.Call.of("match", chain(), new Expr.Constant("(^|;)" + tag + "(\\.|$|;|:)"));
    }

    /**
     * PostHog's {@code selector_to_expr}: the chain matches {@link #selectorRegex}, and, as PostHog's pre-filters,
     * has every {@code #id} of the selector among its ids and one of its tags among {@link #USEFUL_ELEMENTS}; a
     * selector that is one {@code #id} alone is only the id test. An empty selector (or {@code *}) matches every event.
     */
    public static Expr selector(String selector) {
        List<SelectorPart> parts = SelectorPart.parse(selector);
        List<Expr> exprs = new ArrayList<>();
        exprs.add(Expr.Call.of("match", chain(), new Expr.Constant(selectorRegex(parts))));
        List<Expr> useful = new ArrayList<>();
        for (SelectorPart part : parts) {
            if (part.tagName() != null && USEFUL_ELEMENTS.contains(part.tagName())) {
                useful.add(new Expr.Constant(part.tagName()));
            }
            if (part.attrId() != null) {
                Expr id = Expr.Call.of("has", Expr.Call.of("extractAll", chain(), new Expr.Constant(ID)),
                        new Expr.Constant(part.attrId()));
                if (parts.size() == 1 && part.conditions() == 1) {
                    return id;
                }
                exprs.add(id);
            }
        }
        if (!useful.isEmpty()) {
            exprs.add(Expr.Call.of("arrayExists", new Expr.Lambda(List.of("x"),
                            new Expr.Compare("in", Expr.Field.of("x"), new Expr.TupleLit(useful))),
                    Expr.Call.of("extractAll", chain(), new Expr.Constant(ELEMENTS))));
        }
        return exprs.size() == 1 ? exprs.get(0) : new Expr.And(exprs);
    }

    /**
     * PostHog's {@code build_selector_regex} (RE2 syntax): per part, the clicked element's first, its tag, its
     * classes (sorted), its attributes (sorted by name, {@code id} as {@code attr_id}) and what may follow within the
     * element; a part written after {@code >} is followed by {@code .*}. Prefixed {@code (^|;)} so that a part starts at
     * an element; "" for a selector without parts.
     */
    static String selectorRegex(List<SelectorPart> parts) {
        StringBuilder regex = new StringBuilder();
        for (SelectorPart part : parts) {
            if (part.tagName() != null && !part.tagName().equals("*")) {
                regex.append(escape(part.tagName()));
            }
            if (!part.classes().isEmpty()) {
                List<String> escaped = part.classes().stream().sorted().map(ElementFilters::escape).toList();
                regex.append(".*?\\.").append(String.join("\\..*?", escaped));
            }
            if (!part.attributes().isEmpty()) {
                regex.append(".*?");
                part.attributes().forEach((key, value) ->
                        regex.append(escape(key)).append("=\"").append(escape(value)).append("\".*?"));
            }
            regex.append(PART_END);
            if (part.directDescendant()) {
                regex.append(".*");
            }
        }
        return regex.isEmpty() ? "" : "(^|;)" + regex;
    }

    /** Python's {@code re.escape}: a backslash before each character RE2 (and PostgreSQL) could read as syntax. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (ESCAPED.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * An element property filter (PostHog's {@code ElementPropertyFilter}) on events: {@code selector} and
     * {@code tag_name} with {@code exact} (the default) or {@code is_not}; {@code href} (the chain's first href) and
     * {@code text} (any of its texts) with any property operator. A list value is each value OR'd, AND'd for the
     * negative operators ({@code is_not}, {@code not_icontains}, {@code not_regex}), as in PostHog.
     *
     * @throws InvalidFilterException another key, another operator for selector and tag_name, or no value
     */
    static Expr property(String key, String operator, JsonNode value) {
        if (value != null && value.isArray()) {
            if (value.size() == 1) {
                value = value.get(0);
            } else {
                List<Expr> each = new ArrayList<>();
                for (JsonNode v : value) {
                    each.add(property(key, operator, v));
                }
                if (each.isEmpty()) {
                    throw new InvalidFilterException("Element filter \"" + key + "\" needs a \"value\"");
                }
                boolean negative = operator.equals("is_not") || operator.equals("not_icontains")
                        || operator.equals("not_regex");
                return negative ? new Expr.And(each) : new Expr.Or(each);
            }
        }
        switch (key) {
            case "selector", "tag_name" -> {
                if (!operator.equals("exact") && !operator.equals("is_not")) {
                    throw new InvalidFilterException("Element filter \"" + key + "\" supports the operators exact and "
                            + "is_not, not \"" + operator + "\"");
                }
                String text = elementValue(key, value);
                Expr match = key.equals("selector") ? selector(text) : tagName(text);
                return operator.equals("is_not") ? new Expr.Not(match) : match;
            }
            case "href" -> {
                return PropertyFilters.operator(href(), operator, value);
            }
            case "text" -> {
                return Expr.Call.of("arrayExists", new Expr.Lambda(List.of("x"),
                        PropertyFilters.operator(Expr.Field.of("x"), operator, value)), texts());
            }
            default -> throw new InvalidFilterException("Unsupported element filter \"" + key
                    + "\": selector, tag_name, href or text");
        }
    }

    /** A selector or tag name value as PostHog's {@code str(value)}: a string, a number or a boolean as written. */
    private static String elementValue(String key, JsonNode value) {
        if (value == null || value.isNull() || value.isContainerNode()) {
            throw new InvalidFilterException("Element filter \"" + key + "\" needs a string \"value\"");
        }
        return value.isBoolean() ? (value.booleanValue() ? "True" : "False") : value.asText();
    }

    /**
     * One compound selector of a CSS selector, as PostHog's {@code SelectorPart} reads it: a tag, classes, an
     * {@code #id}, one {@code [attribute="value"]}, {@code :nth-child(n)}. {@code attributes} are the ones matched in
     * the chain (sorted by name; {@code attr_id}, a custom attribute by its own name, {@code nth-child}); {@code
     * conditions} how many of tag, classes, id, attribute and nth-child it sets.
     */
    public record SelectorPart(String tagName, List<String> classes, String attrId, Map<String, String> attributes,
                        int conditions, boolean directDescendant) {

        /**
         * PostHog's {@code Selector}: {@code > * >} and a trailing {@code > *} dropped, {@code \:} read as {@code :},
         * split on spaces outside {@code [...]}, the parts listed clicked-element first (the chain's order); a part
         * after {@code >} is a direct descendant's.
         */
        public static List<SelectorPart> parse(String selector) {
            if (selector.length() > MAX_SELECTOR_LENGTH) {
                throw new InvalidFilterException("A selector may have at most " + MAX_SELECTOR_LENGTH
                        + " characters (this one has " + selector.length() + ")");
            }
            String s = selector.replace("> * > ", "").replace("> *", "").replace("\\:", ":").strip();
            List<String> tags = split(s);
            List<SelectorPart> parts = new ArrayList<>();
            for (int i = tags.size() - 1; i >= 0; i--) {
                String tag = tags.get(i);
                if (tag.equals(">") || tag.isEmpty()) {
                    continue;
                }
                boolean direct = i < tags.size() - 1 && tags.get(i + 1).equals(">");
                parts.add(of(tag, direct));
            }
            return parts;
        }

        private static List<String> split(String selector) {
            List<String> out = new ArrayList<>();
            StringBuilder part = new StringBuilder();
            boolean inAttribute = false;
            char quote = 0;
            for (int i = 0; i < selector.length(); i++) {
                char c = selector.charAt(i);
                if (c == '[' && quote == 0) {
                    inAttribute = true;
                }
                if (c == ']' && quote == 0) {
                    inAttribute = false;
                }
                if (c == '"' || c == '\'') {
                    if (quote == 0) {
                        quote = c;
                    } else if (quote == c) {
                        quote = 0;
                    }
                }
                if (c == ' ' && !inAttribute) {
                    out.add(part.toString());
                    part.setLength(0);
                } else {
                    part.append(c);
                }
            }
            out.add(part.toString());
            return out;
        }

        private static SelectorPart of(String tag, boolean direct) {
            Set<String> set = new LinkedHashSet<>();
            Map<String, String> attributes = new TreeMap<>();
            String attrId = null;
            com.google.re2j.Matcher m = ATTRIBUTE.matcher(tag);
            boolean attribute = m.find();
            if (attribute && tag.contains("[id=")) {
                attrId = m.group(3);
                set.add("attr_id");
                tag = m.group(1);
            }
            if (attribute && tag.contains("[")) {
                set.add("attribute " + m.group(2));
                attributes.put(m.group(2), m.group(3));
                tag = m.group(1);
            }
            String[] nth = tag.split(Pattern.quote(":nth-child("), -1);
            if (nth.length > 1) {
                set.add("nth_child");
                attributes.put("nth-child", nth[1].replace(")", ""));
                tag = nth[0];
            }
            List<String> classes = List.of();
            if (tag.contains(".")) {
                String[] split = CLASS_DOT.split(tag, -1);
                classes = List.of(split).subList(1, split.length);
                set.add("attr_class__contains");
                tag = split[0];
            }
            if (tag.contains("#")) {
                String[] split = tag.split("#", -1);
                attrId = split[1];
                set.add("attr_id");
                tag = split[0];
            }
            if (attrId != null) {
                attributes.put("attr_id", attrId);
            }
            String tagName = null;
            if (!tag.isEmpty()) {
                tagName = tag;
                set.add("tag_name");
            }
            return new SelectorPart(tagName, classes, attrId, attributes, set.size(), direct);
        }
    }
}
