package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * HogQL's (ClickHouse-style) type names as Quarry uses them — {@code Int64}, {@code Float64}, {@code String},
 * {@code Bool}, {@code Date}, {@code DateTime64(6, 'UTC')}, {@code UUID}, {@code JSON}, {@code Interval},
 * {@code Array(T)}, {@code Tuple(T1, T2, …)}, each possibly {@code Nullable(…)} — and the rules on them: the
 * category a type falls in, its PostgreSQL type, element types — and the type rules of the operators (arithmetic,
 * comparison, CASE and the other places values meet, access, subquery values): the type of a node from the types of
 * its operands, with no SQL. PostHog reports column types by these names.
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
        if (b.equals("Bool") || b.equals(CLICKHOUSE_BOOL)) {
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

    // ------------------------------------------------------------------ type rules of the operators

    /** {@code Int64} for integers and booleans, else {@code Float64}: what a number of this type computes in. */
    public static String numType(String t) {
        String c = cat(t);
        return c.equals("int") || c.equals("bool") ? "Int64" : "Float64";
    }

    /** {@code type}, made nullable when {@code like} is. */
    public static String nullableLike(String like, String type) {
        return like.startsWith("Nullable(") ? nullable(type) : type;
    }

    /**
     * The type of a value of type {@code t} as a date and time: DateTime stays (with its zone), a Date is its
     * midnight in the team's zone, strings and numbers (Unix seconds) may not convert (nullable).
     *
     * @throws HogQLResolutionException for a type that is no date or time
     */
    public static String asDateTime(String t) {
        return switch (cat(t)) {
            case "datetime" -> t;
            case "date" -> Schema.DATETIME;
            case "string", "int", "float" -> "Nullable(" + Schema.DATETIME + ")";
            case "null" -> NULL_TYPE;
            default -> throw new HogQLResolutionException("Expected a date or time, got " + t);
        };
    }

    /**
     * The type of {@code l op r} for {@code + - * / %}, as ClickHouse types it: intervals add to intervals and to
     * dates and times (a Date stays a Date), a Date ± an integer counts days and a DateTime ± an integer seconds,
     * Date − Date is days (Int64), anything − DateTime is seconds (Float64); numbers: {@code /} is Float64, the
     * others Int64 when both sides are integers (or booleans), else Float64.
     *
     * @throws HogQLResolutionException for an interval used other than added to or subtracted from a date or time
     */
    public static String arithmetic(String op, String l, String r) {
        String lc = cat(l);
        String rc = cat(r);
        if (rc.equals("interval") || lc.equals("interval")) {
            if (lc.equals("interval") && rc.equals("interval")) {
                return "Interval";
            }
            if (lc.equals("interval") && op.equals("+")) {
                return arithmetic(op, r, l);
            }
            if (!rc.equals("interval") || !(op.equals("+") || op.equals("-"))) {
                throw new HogQLResolutionException("Cannot apply " + op + " to " + l + " and " + r);
            }
            return lc.equals("date") ? l : asDateTime(l);
        }
        if ((op.equals("+") || op.equals("-")) && (lc.equals("date") || lc.equals("datetime")) && rc.equals("int")) {
            return arithmetic(op, l, "Interval");
        }
        if (op.equals("+") && lc.equals("int") && (rc.equals("date") || rc.equals("datetime"))) {
            return arithmetic(op, r, l);
        }
        if (op.equals("-") && lc.equals("date") && rc.equals("date")) {
            return "Int64";
        }
        if (op.equals("-") && (lc.equals("datetime") || rc.equals("datetime"))) {
            return "Float64";
        }
        boolean ints = numType(l).equals("Int64") && numType(r).equals("Int64");
        return op.equals("/") || !ints ? "Float64" : "Int64";
    }

    /**
     * The one type values of these types are brought to where they meet (CASE and if branches, array items,
     * coalesce…): one category stays (nullable if any is), numbers of both kinds are Float64, Dates with DateTimes
     * are DateTimes, any other mix is String. NULLs take the others' type, made nullable.
     */
    public static String unify(List<String> types) {
        Set<String> cats = new HashSet<>();
        String type = NULL_TYPE;
        boolean anyNull = false;
        for (String t : types) {
            String c = cat(t);
            if (c.equals("null")) {
                anyNull = true;
                continue;
            }
            cats.add(c);
            if (type.equals(NULL_TYPE)) {
                type = t;
            }
            if (t.startsWith("Nullable(")) {
                anyNull = true;
            }
        }
        if (cats.equals(Set.of("int"))) {
            type = intSupertype(types);
        }
        if (cats.size() <= 1) {
            return anyNull ? nullable(type) : type;
        }
        if (cats.stream().allMatch(c -> c.equals("int") || c.equals("float"))) {
            return anyNull ? "Nullable(Float64)" : "Float64";
        }
        if (cats.equals(Set.of("date", "datetime"))) {
            return Schema.DATETIME;
        }
        return anyNull ? "Nullable(String)" : "String";
    }

    /**
     * ClickHouse's least supertype of integer types (getLeastSupertype): unsigned ones alone the widest of them; with
     * signed ones the widest signed width, doubled when an unsigned one is as wide or wider ({@code [1, 1000]} is
     * Array(UInt16), {@code [-1, 200]} Array(Int16), {@code if(c, 1, -1)} Int8). Past 64 bits (UInt64 with a signed
     * type) the first 64-bit type stays, as Quarry typed such mixes before. NULL types are skipped.
     */
    static String intSupertype(List<String> types) {
        int signedWidth = 0;
        int unsignedWidth = 0;
        String first64 = null;
        for (String t : types) {
            if (cat(t).equals("null")) {
                continue;
            }
            int w = IntegerArithmetic.width(t);
            if (w >= 64 && first64 == null) {
                first64 = base(t);
            }
            if (base(t).startsWith("UInt")) {
                unsignedWidth = Math.max(unsignedWidth, w);
            } else {
                signedWidth = Math.max(signedWidth, w);
            }
        }
        if (signedWidth == 0) {
            return "UInt" + unsignedWidth;
        }
        int w = unsignedWidth >= signedWidth ? unsignedWidth * 2 : signedWidth;
        return w > 64 ? first64 : "Int" + w;
    }

    /**
     * ClickHouse's least supertype of the types a UNION's branches give one column (getLeastSupertype): NULLs take
     * the others' type, made nullable; numbers of both kinds are Float64, Dates with DateTimes DateTimes; one
     * category stays as {@link #unify} keeps it.
     *
     * @throws HogQLResolutionException ClickHouse's NO_COMMON_TYPE for any other mix ("There is no supertype for
     *     types UInt8, String because some of them are String/FixedString/Enum and some of them are not")
     */
    public static String supertype(List<String> types) {
        Set<String> cats = new HashSet<>();
        List<String> names = new ArrayList<>();
        for (String t : types) {
            if (!cat(t).equals("null")) {
                cats.add(cat(t));
            }
            names.add(resultColumn(t));
        }
        boolean numbers = cats.stream().allMatch(c -> c.equals("int") || c.equals("float"));
        if (cats.size() > 1 && !numbers && !cats.equals(Set.of("date", "datetime"))) {
            throw new HogQLResolutionException("There is no supertype for types " + String.join(", ", names)
                    + (cats.contains("string") ? " because some of them are String/FixedString/Enum and some of them"
                            + " are not" : ""));
        }
        return unify(types);
    }

    /** {@code CASE … END}: its results' {@link #unify unified} type, nullable without ELSE. */
    public static String caseResult(List<String> resultTypes, boolean hasElse) {
        String u = unify(resultTypes);
        return hasElse ? u : nullable(u);
    }

    /** {@code [a, b, …]}: {@code Array(T)} of the items' unified type ({@code Array(String)} when empty or all NULL). */
    public static String arrayOf(List<String> itemTypes) {
        if (itemTypes.isEmpty()) {
            return "Array(String)";
        }
        noNestedArrays(itemTypes);
        String u = unify(itemTypes);
        return "Array(" + (u.equals(NULL_TYPE) ? "Nullable(String)" : u) + ")";
    }

    /** {@code (a, b, …)}: {@code Tuple(T1, T2, …)}. */
    public static String tupleOf(List<String> itemTypes) {
        return "Tuple(" + String.join(", ", itemTypes) + ")";
    }

    /**
     * {@code x[i]}: a JSON value's member or item is text (nullable), an array's item is its element type (as
     * ClickHouse's arrayElement: an index past the end gives the type's default value, NULL only for Nullable
     * elements).
     *
     * @throws HogQLResolutionException when {@code x} is neither
     */
    public static String access(String t) {
        if (cat(t).equals("json")) {
            return "Nullable(String)";
        }
        if (!base(t).startsWith("Array(")) {
            throw new HogQLResolutionException("Only arrays can be indexed");
        }
        return elementType(t);
    }

    /** A subquery used as a value: its one column's type, nullable (no row is NULL). */
    public static String subqueryValue(String columnType) {
        return nullable(columnType);
    }

    /**
     * A column of a query's result: JSON values are returned as text (String); a truth value is ClickHouse's
     * {@code UInt8} (comparisons, {@code and}/{@code or}/{@code not}, {@code like}, {@code in}, {@code true} answer
     * 1 or 0 there, and PostHog's JSON shows those numbers), also inside arrays and tuples; every other type as it is.
     */
    public static String resultColumn(String t) {
        return base(t).equals("JSON") ? "String"
                : t.replaceAll("\\bBool\\b", "UInt8").replace(CLICKHOUSE_BOOL, BOOL)
                        .replace("'" + Dates.EXPLICIT_UTC + "')", "'UTC')");
    }

    /**
     * A value of ClickHouse's own Bool type ({@code toBool}, PostHog's {@code every}, the query log's
     * {@code is_personal_api_key_request}): a truth value that stays JSON true/false in results, labelled Bool.
     */
    public static final String CLICKHOUSE_BOOL = "Boolean";

    /** Whether a result column's type (as {@link #resultColumn} labels it) holds ClickHouse Bools: JSON true/false. */
    public static boolean jsonBooleans(String resultType) {
        return resultType != null && resultType.matches(".*\\bBool\\b.*");
    }

    /** A property path read from a JSON value ({@code properties.$browser}): text, nullable. */
    public static final String JSON_PATH = "Nullable(String)";

    /** Comparisons, IN, LIKE, AND, OR, NOT, BETWEEN, IS NULL. */
    public static final String BOOL = "Bool";

    /**
     * ClickHouse's default value of a type, as SQL: what {@code arr[i]} past the end and {@code arrayFirst} with no
     * match answer ({@code 0}, {@code 0.0}, {@code ''}, false, 1970-01-01, the nil UUID, an empty array); NULL for a
     * Nullable type and for types without one here (tuples, JSON).
     */
    public static String defaultValue(String type) {
        if (type.startsWith("Nullable(")) {
            return "NULL";
        }
        return switch (cat(type)) {
            case "int" -> "0::bigint";
            case "float" -> "0::float8";
            case "string" -> "''";
            case "bool" -> "FALSE";
            case "date" -> "'1970-01-01'::date";
            case "datetime" -> "'1970-01-01T00:00:00Z'::timestamptz";
            case "uuid" -> "'00000000-0000-0000-0000-000000000000'::uuid";
            case "array" -> "'{}'::" + HogQLTypes.pgType(HogQLTypes.elementType(type)) + "[]";
            default -> "NULL";
        };
    }
}
