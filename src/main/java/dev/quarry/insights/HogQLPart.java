package dev.quarry.insights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A piece of HogQL (constant template text written in this package) with the values of its placeholders. Runners
 * compose parts: the same "cells" part computes an insight's numbers and, filtered to one cell, its actors.
 */
public record HogQLPart(String text, Map<String, Object> values) {
    public HogQLPart {
        values = new LinkedHashMap<>(values);
    }

    /** This part as a subquery inside {@code outer}, where {@code outer} writes {@code %s} for it. */
    public HogQLPart wrap(String outer, Map<String, Object> extra) {
        Map<String, Object> v = new LinkedHashMap<>(values);
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            if (v.containsKey(e.getKey())) {
                throw new IllegalArgumentException("placeholder used twice: " + e.getKey());
            }
            v.put(e.getKey(), e.getValue());
        }
        return new HogQLPart(outer.replace("%s", "(" + text + ")"), v);
    }
}
