package dev.quarry.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.hogql.ElementFilters;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.web.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An action's steps (PostHog's ActionStepJSON list): read from a request body into the stored form, and turned into
 * the HogQL condition an event meets when it matches the action, as PostHog's {@code action_to_expr}:
 * <ul>
 *   <li>the steps are OR'd; a step is the AND of what it sets (a step that sets nothing matches every event; an
 *       action without steps matches none);</li>
 *   <li>{@code event}: {@code event = <event>} (null: any event);</li>
 *   <li>{@code url} on {@code properties.$current_url} by {@code url_matching}: {@code exact} is equality,
 *       {@code regex} is {@code match(…)}, {@code contains} (the default) is {@code LIKE '%<url>%'} (the URL's own
 *       {@code %} and {@code _} stay wildcards, as in PostHog);</li>
 *   <li>{@code properties}: property filters, as everywhere else ({@code hogql.PropertyFilters}).</li>
 * </ul>
 * The element fields ({@code tag_name}, {@code text}, {@code href}, {@code selector}) count only in a step of
 * {@code $autocapture} events, as in PostHog, and are matched on the event's {@code elements_chain}
 * ({@link #elementConditions}). {@code selector_regex} is stored and, as by PostHog's queries, not read.
 */
public final class ActionSteps {
    /** ActionStepJSON's fields, in the order they are stored and answered. */
    static final List<String> FIELDS = List.of("event", "properties", "selector", "selector_regex", "tag_name", "text",
            "text_matching", "href", "href_matching", "url", "url_matching");
    private static final Set<String> MATCHING = Set.of("contains", "regex", "exact");
    private static final String AUTOCAPTURE = "$autocapture";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Quarry's budget for one action (PostHog sets none; its actions have a handful of steps). */
    static final int MAX_STEPS = 100;
    static final int MAX_STEPS_CHARS = 65_536;

    private ActionSteps() {
    }

    /**
     * A request's {@code steps} as stored: a list of objects, each with every ActionStepJSON field (null when not
     * given, but {@code url_matching} then {@code contains}, ActionStepJSON's default; other keys dropped, as DRF's
     * serializer drops them). Text fields take strings or null, the matching
     * fields {@code contains}/{@code regex}/{@code exact}, {@code properties} a list of property filters that
     * Quarry can evaluate.
     *
     * @throws ValidationException 400 with {@code attr} "steps" naming the step and field at fault, or past
     *     {@link #MAX_STEPS} steps or {@link #MAX_STEPS_CHARS} characters of JSON
     */
    public static ArrayNode read(JsonNode steps) {
        if (steps == null || steps.isNull()) {
            return MAPPER.createArrayNode();
        }
        if (!steps.isArray()) {
            throw new ValidationException("Expected a list of items but got type \"" + typeName(steps) + "\".",
                    "steps");
        }
        // a budget before any step's HogQL is parsed (this runs on the request's thread): an action's condition is
        // compiled into every query that uses it, and its JSON is answered by every list of the project's actions
        if (steps.size() > MAX_STEPS) {
            throw new ValidationException("Ensure this field has no more than " + MAX_STEPS + " elements.", "steps");
        }
        if (steps.toString().length() > MAX_STEPS_CHARS) {
            throw new ValidationException("Ensure the steps take no more than " + MAX_STEPS_CHARS
                    + " characters of JSON.", "steps");
        }
        ArrayNode out = MAPPER.createArrayNode();
        for (int i = 0; i < steps.size(); i++) {
            JsonNode step = steps.get(i);
            if (!step.isObject()) {
                throw new ValidationException("steps[" + i + "]: Invalid data. Expected a dictionary, but got "
                        + typeName(step) + ".", "steps");
            }
            ObjectNode stored = out.addObject();
            for (String f : FIELDS) {
                JsonNode v = step.get(f);
                if (v == null && f.equals("url_matching")) {
                    stored.put(f, "contains"); // ActionStepJSON's default for a step that does not say
                } else if (v == null || v.isNull()) {
                    stored.putNull(f);
                } else if (f.equals("properties")) {
                    stored.set(f, properties(v, i));
                } else if (!v.isTextual()) {
                    throw new ValidationException("steps[" + i + "]." + f + ": Not a valid string.", "steps");
                } else if (f.endsWith("_matching") && !MATCHING.contains(v.asText())) {
                    throw new ValidationException("steps[" + i + "]." + f + ": \"" + v.asText()
                            + "\" is not a valid choice.", "steps");
                } else {
                    stored.put(f, v.asText());
                }
            }
        }
        return out;
    }

    private static JsonNode properties(JsonNode v, int i) {
        if (!v.isArray()) {
            throw new ValidationException("steps[" + i + "].properties: Expected a list of items but got type \""
                    + typeName(v) + "\".", "steps");
        }
        try {
            PropertyFilters.toExpr(v);
        } catch (HogQLException e) {
            throw new ValidationException("steps[" + i + "].properties: " + e.getMessage(), "steps");
        }
        return v;
    }

    /**
     * The condition an event meets when it matches the action with these steps (stored JSON text).
     *
     * @param actionId named in errors
     * @param attr the field an error names (the series, or the HogQL call)
     * @throws ValidationException 400 when a step matches autocapture elements, or a stored step cannot be read
     */
    public static Expr condition(long actionId, String stepsJson, String attr) {
        JsonNode steps;
        try {
            steps = MAPPER.readTree(stepsJson == null ? "[]" : stepsJson);
        } catch (IOException e) {
            throw new IllegalStateException("Stored action steps are not JSON", e);
        }
        List<Expr> anyOf = new ArrayList<>();
        for (JsonNode step : steps) {
            List<Expr> allOf = new ArrayList<>();
            String event = text(step, "event");
            if (event != null) {
                allOf.add(new Expr.Compare("=", Expr.Field.of("event"), new Expr.Constant(event)));
            }
            if (AUTOCAPTURE.equals(event)) {
                try {
                    allOf.addAll(elementConditions(step));
                } catch (HogQLException e) {
                    throw new ValidationException("Action " + actionId + ": " + e.getMessage(), attr);
                }
            }
            String url = text(step, "url");
            if (url != null) {
                Expr current = Expr.Field.of("properties", "$current_url");
                String matching = text(step, "url_matching");
                allOf.add(switch (matching == null ? "contains" : matching) {
                    case "exact" -> new Expr.Compare("=", current, new Expr.Constant(url));
                    case "regex" -> Expr.Call.of("match", current, new Expr.Constant(url));
                    default -> new Expr.Compare("like", current, new Expr.Constant("%" + url + "%"));
                });
            }
            JsonNode properties = step.get("properties");
            if (properties != null && properties.isArray() && !properties.isEmpty()) {
                try {
                    allOf.add(PropertyFilters.toExpr(properties));
                } catch (HogQLException e) {
                    throw new ValidationException("Action " + actionId + ": " + e.getMessage(), attr);
                }
            }
            anyOf.add(allOf.isEmpty() ? new Expr.Constant(true)
                    : allOf.size() == 1 ? allOf.get(0) : new Expr.And(allOf));
        }
        if (anyOf.isEmpty()) {
            return new Expr.Constant(false);
        }
        return anyOf.size() == 1 ? anyOf.get(0) : new Expr.Or(anyOf);
    }

    /**
     * The element conditions of an {@code $autocapture} step, as PostHog's {@code action_to_expr} writes them on the
     * elements chain ({@link ElementFilters}; PostHog reads its materialized columns, Quarry the same expressions on
     * the column): {@code selector} as a CSS selector ({@link ElementFilters#selector}), {@code tag_name} as the regular
     * expression {@code (^|;)<tag>(\.|$|;|:)} (the tag as written, as PostHog does); {@code href} on the chain's first
     * href ({@code elements_chain_href}) and {@code text} on any of its texts ({@code elements_chain_texts}), each by
     * its {@code _matching}: {@code exact} (the default) equality, {@code contains} {@code ILIKE '%…%'}, {@code regex}
     * a match.
     */
    private static List<Expr> elementConditions(JsonNode step) {
        List<Expr> conditions = new ArrayList<>();
        String selector = text(step, "selector");
        if (selector != null) {
            conditions.add(ElementFilters.selector(selector));
        }
        String tag = text(step, "tag_name");
        if (tag != null) {
            conditions.add(ElementFilters.tagName(tag));
        }
        String href = text(step, "href");
        if (href != null) {
            conditions.add(matching(ElementFilters.href(), href, text(step, "href_matching")));
        }
        String elementText = text(step, "text");
        if (elementText != null) {
            Expr x = Expr.Field.of("x");
            conditions.add(Expr.Call.of("arrayExists",
                    new Expr.Lambda(List.of("x"), matching(x, elementText, text(step, "text_matching"))),
                    ElementFilters.texts()));
        }
        return conditions;
    }

    /** {@code exact} (the default for elements): equality; {@code contains}: ILIKE '%…%'; {@code regex}: a match. */
    private static Expr matching(Expr value, String wanted, String matching) {
        return switch (matching == null ? "exact" : matching) {
            case "contains" -> new Expr.Compare("ilike", value, new Expr.Constant("%" + wanted + "%"));
            case "regex" -> Expr.Call.of("match", value, new Expr.Constant(wanted));
            default -> new Expr.Compare("=", value, new Expr.Constant(wanted));
        };
    }

    /** A step's text field; PostHog treats an empty string as not set. */
    private static String text(JsonNode step, String field) {
        JsonNode v = step.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
    }

    private static String typeName(JsonNode v) {
        return v.isObject() ? "dict" : v.isArray() ? "list" : v.isTextual() ? "str" : v.isBoolean() ? "bool"
                : v.isNumber() ? (v.isIntegralNumber() ? "int" : "float") : "NoneType";
    }
}
