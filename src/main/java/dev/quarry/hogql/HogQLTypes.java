package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;

/**
 * HogQL's (ClickHouse-style) type names as Quarry uses them — {@code Int64}, {@code Float64}, {@code String},
 * {@code Bool}, {@code Date}, {@code DateTime64(6, 'UTC')}, {@code UUID}, {@code JSON}, {@code Interval},
 * {@code Array(T)}, {@code Tuple(T1, T2, …)}, each possibly {@code Nullable(…)} — and the rules on them: the
 * category a type falls in, its PostgreSQL type, element types. PostHog reports column types by these names.
 */
public final class HogQLTypes {
    /** The type of a NULL literal. */
    public static final String NULL_TYPE = "Nullable(Nothing)";

    private HogQLTypes() {}

    /** The type without {@code Nullable(…)}. */
    public static String base(String t) {
        return t.startsWith("Nullable(") ? t.substring(9, t.length() - 1) : t;
    }

    /** The type as nullable (arrays and JSON are never wrapped: they hold NULL as they are). */
    public static String nullable(String t) {
        if (t.startsWith("Nullable(") || t.startsWith("Array(") || t.equals("JSON")) {
            return t;
        }
        return "Nullable(" + t + ")";
    }

    /**
     * The category of a type: null, int, float, string, datetime, date, uuid, bool, json, array, tuple, interval or
     * other.
     */
    /**
     * {@code Int8 … UInt256}: {@code U?Int\d+}, checked by hand because {@link #cat} runs for nearly every printed node
     * (a regex here was most of the cost of printing, and so of refusing an over-budget query).
     */
    private static boolean isIntName(String b) {
        int i = b.startsWith("UInt") ? 4 : b.startsWith("Int") ? 3 : -1;
        if (i < 0 || i == b.length()) {
            return false;
        }
        for (; i < b.length(); i++) {
            if (b.charAt(i) < '0' || b.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    public static String cat(String t) {
        String b = base(t);
        if (t.equals(NULL_TYPE)) {
            return "null";
        }
        if (isIntName(b)) {
            return "int";
        }
        if (b.startsWith("Float")) {
            return "float";
        }
        if (b.equals("String")) {
            return "string";
        }
        if (b.startsWith("DateTime")) {
            return "datetime";
        }
        if (b.equals("Date")) {
            return "date";
        }
        if (b.equals("UUID")) {
            return "uuid";
        }
        if (b.equals("Bool")) {
            return "bool";
        }
        if (b.equals("JSON")) {
            return "json";
        }
        if (b.startsWith("Array(")) {
            return "array";
        }
        if (b.startsWith("Tuple(")) {
            return "tuple";
        }
        if (b.equals("Interval")) {
            return "interval";
        }
        return "other";
    }

    public static boolean isNum(String t) {
        String c = cat(t);
        return c.equals("int") || c.equals("float");
    }

    /** {@code T} of {@code Array(T)}. */
    public static String elementType(String arrayType) {
        String b = base(arrayType);
        return b.substring(6, b.length() - 1);
    }

    /** The PostgreSQL type values of this type are held in. */
    public static String pgType(String t) {
        return switch (cat(t)) {
            case "int" -> "bigint";
            case "float" -> "float8";
            case "datetime" -> "timestamptz";
            case "date" -> "date";
            case "uuid" -> "uuid";
            case "bool" -> "boolean";
            case "json" -> "jsonb";
            default -> "text";
        };
    }

    /** PostgreSQL arrays are rectangular and multi-dimensional, not ClickHouse's arrays of arrays: refused. */
    public static void noNestedArrays(List<String> elementTypes) {
        for (String t : elementTypes) {
            if (cat(t).equals("array")) {
                throw new HogQLResolutionException("Arrays of arrays are not supported");
            }
        }
    }

    /** The item types of {@code Tuple(T1, T2, …)}. */
    public static List<String> tupleTypes(String tupleType) {
        String inner = base(tupleType);
        inner = inner.substring(6, inner.length() - 1);
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int k = 0; k < inner.length(); k++) {
            char ch = inner.charAt(k);
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
            } else if (ch == '\'') {
                k = inner.indexOf('\'', k + 1);
            } else if (ch == ',' && depth == 0) {
                out.add(inner.substring(start, k).trim());
                start = k + 1;
            }
        }
        if (!inner.isBlank()) {
            out.add(inner.substring(start).trim());
        }
        return out;
    }
}
