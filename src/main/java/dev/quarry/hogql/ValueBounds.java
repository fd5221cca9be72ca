package dev.quarry.hogql;

import java.util.Set;

/**
 * Which built values of a user's HogQL go through {@code quarry_bounded} (V117_1: a 400 {@code memory_limit_exceeded}
 * for a value past 64 MiB, before anything reads it further). PostgreSQL bounds no backend's memory, and a string or
 * array can outgrow what it reads many times over in one row: {@code x || x} nested ten subqueries deep, a
 * {@code replaceAll} whose replacement is longer than what it replaces, pads, escapes, a mapped array. So in a user's
 * statement every function call whose value is variable-width (text, JSON, arrays, tuples) is checked, except those
 * that never return more than they read ({@link #NOT_GROWING}); aggregates only when they build an array. About 1 µs
 * per checked value. A query record's HogQL fragment inside a runner's statement is checked for the functions of
 * {@link #FRAGMENT_BUILDERS} ({@link Aggregations#boundCollections}), which the printer cannot type there apart.
 */
final class ValueBounds {
    private ValueBounds() {
    }

    /** Functions whose variable-width value is never larger than what they read (or a small constant more). */
    static final Set<String> NOT_GROWING = Set.of("lower", "upper", "lowerUTF8", "upperUTF8", "substring",
            "substringUTF8", "trim", "trimLeft", "trimRight", "reverse", "reverseUTF8", "extract", "regexpExtract",
            "extractAll", "if", "multiIf", "coalesce", "ifNull", "nullIf", "toString", "toUUID", "assumeNotNull",
            "toNullable", "toValidUTF8", "decodeXMLComponent", "base64Decode", "tryBase64Decode", "extractURLParameter",
            "extractURLParameters", "extractURLParameterNames", "cutURLParameter", "appendTrailingCharIfAbsent",
            "monthName", "dateName", "timeZoneOf", "tupleElement", "arrayElement", "arraySlice", "arrayFilter",
            "arraySort", "arrayReverseSort", "arrayReverse", "arrayDistinct", "arrayCompact", "arrayPopBack",
            "arrayPopFront", "arrayIntersect", "JSONExtract", "JSONExtractString", "JSONExtractRaw",
            "JSONExtractArrayRaw", "JSONExtractKeys", "JSONExtractKeysAndValues", "JSONExtractKeysAndValuesRaw",
            "JSONExtractKey", "JSONType", "any", "anyLast", "anyHeavy", "argMax", "argMin", "min", "max");

    /** The aggregates whose value is built from every row: checked as built values are. */
    static final Set<String> BUILDING_AGGREGATES = Set.of("groupArray", "groupUniqArray");

    /** The builders checked inside a runner's statement, where only a fragment's own calls are a user's. */
    static final Set<String> FRAGMENT_BUILDERS = Set.of("groupArray", "groupUniqArray", "arrayMap", "arrayConcat",
            "arrayStringConcat", "concat", "concatWithSeparator", "replaceAll", "replaceOne", "replace",
            "replaceRegexpAll", "replaceRegexpOne", "leftPad", "rightPad", "leftPadUTF8", "rightPadUTF8", "repeat",
            "encodeXMLComponent", "base64Encode", "formatDateTime", "splitByChar", "splitByString", "splitByRegexp",
            "splitByWhitespace", "alphaTokens", "arrayPushBack", "arrayPushFront", "array", "tuple", "toJSONString",
            "translate", "translateUTF8", "range");

    /** Whether a call of {@code spec} typed {@code type} is checked in a user's statement. */
    static boolean checked(Functions.Spec spec, String type) {
        String name = spec.name();
        if (name.startsWith("#") || spec.window()) {
            return false;
        }
        if (spec.aggregate()) {
            return BUILDING_AGGREGATES.contains(name);
        }
        return !NOT_GROWING.contains(name) && !fixedWidth(type);
    }

    /** Numbers, dates, times, uuids, booleans and NULL: a value of a known, small size. */
    static boolean fixedWidth(String type) {
        return switch (HogQLTypes.cat(type)) {
            case "null", "int", "float", "datetime", "date", "uuid", "bool", "interval" -> true;
            default -> false;
        };
    }
}
