package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * PostHog's (ClickHouse's) scalar functions beyond the core set of {@link Functions}: arithmetic, comparison and
 * logic as functions, mathematics, strings, URLs, intervals and date arithmetic, JSON and tuples. Each prints
 * PostgreSQL that gives ClickHouse's answer; where ClickHouse would fail the whole query (division by zero, the log
 * of a negative number) the value is NULL instead. Names PostHog has and Quarry does not are refused by
 * {@link FunctionCatalog}.
 */
final class ScalarFunctions {
    private ScalarFunctions() {}

    static void register() {
        // arithmetic
        for (String n : List.of("plus", "minus", "multiply", "divide", "intDiv", "intDivOrZero", "modulo",
                "moduloOrZero", "positiveModulo", "gcd", "lcm", "max2", "min2")) {
            Functions.f(n, 2, 2);
        }
        Functions.f("negate", 1, 1);
        // comparison and logic
        for (String n : List.of("equals", "notEquals", "less", "greater", "lessOrEquals", "greaterOrEquals", "in",
                "notIn")) {
            Functions.f(n, 2, 2);
        }
        Functions.f("and", 2, -1);
        Functions.f("or", 2, -1);
        Functions.f("xor", 2, -1);
        Functions.f("not", 1, 1);
        // mathematics
        Functions.f("e", 0, 0);
        Functions.f("pi", 0, 0);
        for (String n : List.of("exp", "log", "ln", "exp2", "log2", "exp10", "log10", "sqrt", "cbrt", "sin", "cos",
                "tan", "asin", "acos", "atan", "cosh", "acosh", "sinh", "asinh", "atanh", "log1p", "sign", "degrees",
                "radians", "factorial", "intExp2", "intExp10", "isFinite", "isInfinite", "isNaN")) {
            Functions.f(n, 1, 1);
        }
        for (String n : List.of("pow", "power", "atan2", "hypot", "ifNotFinite")) {
            Functions.f(n, 2, 2);
        }
        Functions.f("width_bucket", 4, 4);
        Functions.f("trunc", 1, 2);
        Functions.f("truncate", 1, 2);
        Functions.f("roundBankers", 1, 2);
        // strings
        for (String n : List.of("lengthUTF8", "lowerUTF8", "upperUTF8", "isValidUTF8", "toValidUTF8", "reverse",
                "reverseUTF8", "trimLeft", "trimRight", "ascii", "base64Encode", "base64Decode", "tryBase64Decode",
                "encodeXMLComponent", "decodeXMLComponent", "splitByWhitespace", "alphaTokens")) {
            Functions.f(n, 1, 1);
        }
        for (String n : List.of("leftPad", "rightPad", "leftPadUTF8", "rightPadUTF8")) {
            Functions.f(n, 2, 3);
        }
        Functions.f("repeat", 2, 2);
        Functions.f("substringUTF8", 2, 3);
        Functions.f("appendTrailingCharIfAbsent", 2, 2);
        Functions.f("concatWithSeparator", 2, -1);
        for (String n : List.of("positionCaseInsensitive", "positionUTF8", "positionCaseInsensitiveUTF8")) {
            Functions.f(n, 2, 2);
        }
        Functions.f("extractAll", 2, 2);
        Functions.f("countSubstrings", 2, 2);
        Functions.f("countSubstringsCaseInsensitive", 2, 2);
        Functions.f("countSubstringsCaseInsensitiveUTF8", 2, 2);
        Functions.f("countMatches", 2, 2);
        Functions.f("regexpExtract", 2, 3);
        Functions.f("replace", 3, 3);
        Functions.f("replaceRegexpAll", 3, 3);
        Functions.f("replaceRegexpOne", 3, 3);
        Functions.f("translate", 3, 3);
        Functions.f("translateUTF8", 3, 3);
        Functions.f("splitByString", 2, 2);
        Functions.f("splitByRegexp", 2, 2);
        Functions.f("arrayStringConcat", 1, 2);
        // URLs
        for (String n : List.of("protocol", "domain", "domainWithoutWWW", "topLevelDomain", "path", "pathFull",
                "queryString", "fragment", "queryStringAndFragment", "cutWWW", "cutQueryString", "cutFragment",
                "cutQueryStringAndFragment", "encodeURLComponent", "decodeURLComponent", "extractURLParameters",
                "extractURLParameterNames", "netloc")) {
            Functions.f(n, 1, 1);
        }
        Functions.f("extractURLParameter", 2, 2);
        Functions.f("cutURLParameter", 2, 2);
        // dates: intervals and arithmetic
        for (String u : List.of("Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter", "Year")) {
            Functions.f("toInterval" + u, 1, 1);
            Functions.f("add" + u + "s", 2, 2);
            Functions.f("subtract" + u + "s", 2, 2);
        }
        Functions.f("timeStampAdd", 2, 2);
        Functions.f("timeStampSub", 2, 2);
        Functions.f("dateTrunc", 2, 2);
        Functions.f("age", 3, 3);
        Functions.f("toStartOfSecond", 1, 1);
        Functions.f("toStartOfFiveMinutes", 1, 1);
        Functions.f("toStartOfTenMinutes", 1, 1);
        Functions.f("toStartOfFifteenMinutes", 1, 1);
        Functions.f("toStartOfISOYear", 1, 1);
        Functions.f("toLastDayOfMonth", 1, 1);
        Functions.f("toLastDayOfWeek", 1, 2);
        Functions.f("timeSlot", 1, 1);
        Functions.f("toISOYear", 1, 1);
        Functions.f("toISOWeek", 1, 1);
        Functions.f("toYYYYMM", 1, 1);
        Functions.f("toYYYYMMDD", 1, 1);
        Functions.f("toYYYYMMDDhhmmss", 1, 1);
        Functions.f("toUnixTimestamp64Milli", 1, 1);
        Functions.f("fromUnixTimestamp", 1, 1);
        Functions.f("monthName", 1, 1);
        Functions.f("dateName", 2, 2);
        Functions.f("toModifiedJulianDay", 1, 1);
        Functions.f("fromModifiedJulianDay", 1, 1);
        Functions.f("timeZoneOf", 1, 1);
        Functions.f("timeZoneOffset", 1, 1);
        Functions.f("parseDateTimeBestEffort", 1, 1);
        // conversions, nullability, JSON, tuples, other
        Functions.f("toDecimal", 1, 1);
        Functions.f("toJSONString", 1, 1);
        Functions.f("assumeNotNull", 1, 1);
        Functions.f("toNullable", 1, 1);
        Functions.f("isValidJSON", 1, 1);
        for (String n : List.of("JSONLength", "JSONArrayLength", "JSONType", "JSONExtractUInt", "JSONExtractRaw",
                "JSONExtractArrayRaw", "JSONExtractKeys")) {
            Functions.f(n, 1, -1);
        }
        Functions.f("tupleElement", 2, 2);
        Functions.f("transform", 3, 4);
    }

    private static Frag f(String sql, String type) {
        return new Frag(sql, type);
    }

    private static String cat(Frag f) {
        return PostgresPrinter.cat(f.type());
    }

    private static String nullableIf(boolean nullable, String type) {
        return nullable ? PostgresPrinter.nullable(type) : type;
    }

    /** Prints {@code c} (name lower-case) or returns null when the function is not one of this class's. */
    static Frag print(PostgresPrinter p, Expr.Call c, String name) {
        List<Expr> a = c.args();
        switch (name) {
            // ---------------------------------------------------------------- arithmetic
            case "plus":
                return p.arithmetic("+", p.expr(a.get(0)), p.expr(a.get(1)));
            case "minus":
                return p.arithmetic("-", p.expr(a.get(0)), p.expr(a.get(1)));
            case "multiply":
                return p.arithmetic("*", p.expr(a.get(0)), p.expr(a.get(1)));
            case "divide":
                return p.arithmetic("/", p.expr(a.get(0)), p.expr(a.get(1)));
            case "modulo":
                return p.arithmetic("%", p.expr(a.get(0)), p.expr(a.get(1)));
            case "moduloorzero": {
                Frag m = p.arithmetic("%", p.expr(a.get(0)), p.expr(a.get(1)));
                return f("coalesce(" + m.sql() + ", 0)", PostgresPrinter.base(m.type()));
            }
            case "positivemodulo": {
                Frag x = p.expr(a.get(0));
                Frag y = p.expr(a.get(1));
                Frag m = p.arithmetic("%", x, y);
                String ys = p.num(y);
                return f("(CASE WHEN " + m.sql() + " < 0 THEN " + m.sql() + " + abs(" + ys + ") ELSE " + m.sql() + " END)",
                        m.type());
            }
            case "intdiv":
            case "intdivorzero": {
                // integer division truncating toward zero, as ClickHouse's; NULL (OrZero: 0) when dividing by zero
                Frag x = p.expr(a.get(0));
                Frag y = p.expr(a.get(1));
                String sql = "(CASE WHEN abs((" + p.num(x) + ")::float8 / NULLIF((" + p.num(y) + ")::float8, 0)) < 9.2e18"
                        + " THEN trunc((" + p.num(x) + ")::numeric / NULLIF((" + p.num(y) + ")::numeric, 0))::bigint END)";
                return name.equals("intdiv") ? f(sql, "Nullable(Int64)") : f("coalesce(" + sql + ", 0)", "Int64");
            }
            case "negate": {
                Frag x = p.expr(a.get(0));
                return f("(- " + p.num(x) + ")", p.nullableLike(x, p.numType(x)));
            }
            case "gcd":
            case "lcm": {
                Frag x = p.expr(a.get(0));
                Frag y = p.expr(a.get(1));
                return f(name + "(trunc(" + p.num(x) + ")::bigint, trunc(" + p.num(y) + ")::bigint)", "Int64");
            }
            case "max2":
            case "min2":
                return f((name.equals("max2") ? "GREATEST(" : "LEAST(") + "(" + p.num(p.expr(a.get(0))) + ")::float8, ("
                        + p.num(p.expr(a.get(1))) + ")::float8)", "Float64");
            // ---------------------------------------------------------------- comparison and logic
            case "equals":
                return p.expr(new Expr.Compare("=", a.get(0), a.get(1)));
            case "notequals":
                return p.expr(new Expr.Compare("!=", a.get(0), a.get(1)));
            case "less":
                return p.expr(new Expr.Compare("<", a.get(0), a.get(1)));
            case "greater":
                return p.expr(new Expr.Compare(">", a.get(0), a.get(1)));
            case "lessorequals":
                return p.expr(new Expr.Compare("<=", a.get(0), a.get(1)));
            case "greaterorequals":
                return p.expr(new Expr.Compare(">=", a.get(0), a.get(1)));
            case "in":
                return p.expr(new Expr.Compare("in", a.get(0), a.get(1)));
            case "notin":
                return p.expr(new Expr.Compare("not in", a.get(0), a.get(1)));
            case "and":
                return p.expr(new Expr.And(a));
            case "or":
                return p.expr(new Expr.Or(a));
            case "not":
                return p.expr(new Expr.Not(a.get(0)));
            case "xor":
                return f("((" + a.stream().map(x -> "(" + p.bool(p.expr(x)) + ")::int").collect(Collectors.joining(" + "))
                        + ") % 2 = 1)", "Bool");
            // ---------------------------------------------------------------- mathematics
            case "e":
                return f("exp(1::float8)", "Float64");
            case "pi":
                return f("pi()", "Float64");
            case "exp":
            case "sin":
            case "cos":
            case "tan":
            case "atan":
            case "sinh":
            case "cosh":
            case "asinh":
            case "cbrt":
            case "degrees":
            case "radians":
                return math(p, a.get(0), name + "(%s)", null);
            case "exp2":
                return math(p, a.get(0), "power(2::float8, %s)", null);
            case "exp10":
                return math(p, a.get(0), "power(10::float8, %s)", null);
            case "log":
            case "ln":
                return math(p, a.get(0), "ln(%s)", "%s > 0");
            case "log2":
                return math(p, a.get(0), "log(2::numeric, (%s)::numeric)::float8", "%s > 0");
            case "log10":
                return math(p, a.get(0), "log10(%s)", "%s > 0");
            case "log1p":
                return math(p, a.get(0), "ln(1 + %s)", "%s > -1");
            case "sqrt":
                return math(p, a.get(0), "sqrt(%s)", "%s >= 0");
            case "asin":
            case "acos":
            case "atanh":
                return math(p, a.get(0), name + "(%s)", name.equals("atanh") ? "abs(%s) < 1" : "abs(%s) <= 1");
            case "acosh":
                return math(p, a.get(0), "acosh(%s)", "%s >= 1");
            case "sign": {
                Frag x = p.expr(a.get(0));
                return f("sign(" + p.num(x) + ")::bigint", p.nullableLike(x, "Int64"));
            }
            case "factorial": {
                Frag x = p.expr(a.get(0));
                // ClickHouse: factorial of a negative number is 1; above 20 it is an error (NULL here)
                return f("(CASE WHEN " + p.num(x) + " <= 20 THEN factorial(GREATEST(trunc(" + p.num(x) + "), 0)::bigint)::bigint END)",
                        "Nullable(Int64)");
            }
            case "intexp2":
            case "intexp10": {
                Frag x = p.expr(a.get(0));
                String base = name.equals("intexp2") ? "2" : "10";
                return f("(CASE WHEN " + p.num(x) + " < " + (base.equals("2") ? "63" : "19") + " THEN power(" + base
                        + "::numeric, GREATEST(trunc(" + p.num(x) + "), 0))::bigint END)", "Nullable(Int64)");
            }
            case "pow":
            case "power": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
                return f("(CASE WHEN " + x + " > 0 OR (" + x + " = 0 AND " + y + " >= 0) OR (" + x + " < 0 AND " + y
                        + " = trunc(" + y + ")) THEN power(" + x + ", " + y + ") END)", "Nullable(Float64)");
            }
            case "atan2":
                return f("atan2((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)",
                        "Float64");
            case "hypot": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
                return f("sqrt(" + x + " * " + x + " + " + y + " * " + y + ")", "Float64");
            }
            case "width_bucket":
                return f("width_bucket((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1)))
                        + ")::float8, (" + p.num(p.expr(a.get(2))) + ")::float8, " + p.int4(p.expr(a.get(3))) + ")::bigint",
                        "Int64");
            case "trunc":
            case "truncate": {
                Frag x = p.expr(a.get(0));
                long places = a.size() == 2 ? p.constSigned(a.get(1), "trunc precision") : 0;
                if (PostgresPrinter.cat(x.type()).equals("int") && places >= 0) {
                    return x;
                }
                return f("trunc((" + p.num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8",
                        p.nullableLike(x, "Float64"));
            }
            case "roundbankers": {
                Frag x = p.expr(a.get(0));
                long places = a.size() == 2 ? p.constSigned(a.get(1), "roundBankers precision") : 0;
                places = Math.max(-20, Math.min(20, places));
                // float8 round() rounds half to even
                return f("(round((" + p.num(x) + ")::float8 * 1e" + places + ") / 1e" + places + ")",
                        p.nullableLike(x, "Float64"));
            }
            case "isfinite":
            case "isinfinite":
            case "isnan": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                return switch (name) {
                    case "isfinite" -> f("(" + x + " NOT IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8))", "Bool");
                    case "isinfinite" -> f("(" + x + " IN ('Infinity'::float8, '-Infinity'::float8))", "Bool");
                    default -> f("(" + x + " = 'NaN'::float8)", "Bool");
                };
            }
            case "ifnotfinite": {
                String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
                String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
                return f("(CASE WHEN " + x + " IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN " + y
                        + " ELSE " + x + " END)", "Float64");
            }
            // ---------------------------------------------------------------- strings
            case "lengthutf8": {
                Frag x = p.expr(a.get(0));
                return f("char_length(" + p.str(x) + ")::bigint", p.nullableLike(x, "UInt64"));
            }
            case "lowerutf8":
            case "upperutf8": {
                Frag x = p.expr(a.get(0));
                return f((name.startsWith("lower") ? "lower(" : "upper(") + p.str(x) + ")", p.nullableLike(x, "String"));
            }
            case "isvalidutf8":
                return f("TRUE", "Bool"); // PostgreSQL text is always valid UTF-8
            case "tovalidutf8": {
                Frag x = p.expr(a.get(0));
                return f(p.str(x), p.nullableLike(x, "String"));
            }
            case "reverse":
            case "reverseutf8": {
                Frag x = p.expr(a.get(0));
                if (cat(x).equals("array")) {
                    return ArrayFunctions.print(p, new Expr.Call("arrayReverse", a, null, false), "arrayreverse");
                }
                return f("reverse(" + p.str(x) + ")", p.nullableLike(x, "String"));
            }
            case "trimleft":
            case "trimright": {
                Frag x = p.expr(a.get(0));
                return f((name.equals("trimleft") ? "ltrim(" : "rtrim(") + p.str(x) + ")", p.nullableLike(x, "String"));
            }
            case "ascii":
                return f("ascii(" + p.str(p.expr(a.get(0))) + ")::bigint", "Int64");
            case "base64encode": {
                Frag x = p.expr(a.get(0));
                return f("translate(encode(convert_to(" + p.str(x) + ", 'UTF8'), 'base64'), E'\\n', '')",
                        p.nullableLike(x, "String"));
            }
            case "base64decode":
            case "trybase64decode": {
                Frag x = p.expr(a.get(0));
                return f("hogql_base64_decode(" + p.str(x) + ")", p.nullableLike(x, "String"));
            }
            case "encodexmlcomponent": {
                Frag x = p.expr(a.get(0));
                return f("replace(replace(replace(replace(replace(" + p.str(x) + ", '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), "
                        + "'\"', '&quot;'), '''', '&apos;')", p.nullableLike(x, "String"));
            }
            case "decodexmlcomponent": {
                Frag x = p.expr(a.get(0));
                return f("replace(replace(replace(replace(replace(" + p.str(x) + ", '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), "
                        + "'&apos;', ''''), '&amp;', '&')", p.nullableLike(x, "String"));
            }
            case "leftpad":
            case "rightpad":
            case "leftpadutf8":
            case "rightpadutf8": {
                Frag x = p.expr(a.get(0));
                String fill = a.size() == 3 ? p.str(p.expr(a.get(2))) : "' '";
                return f((name.startsWith("left") ? "lpad(" : "rpad(") + p.str(x) + ", LEAST(" + p.int4(p.expr(a.get(1)))
                        + ", 1000000), " + fill + ")", p.nullableLike(x, "String"));
            }
            case "repeat": {
                Frag x = p.expr(a.get(0));
                // the count is capped so that one call cannot build a gigabyte string
                return f("repeat(" + p.str(x) + ", LEAST(GREATEST(" + p.int4(p.expr(a.get(1))) + ", 0), 1000000 / GREATEST(length("
                        + p.str(x) + "), 1)))", p.nullableLike(x, "String"));
            }
            case "substringutf8":
                return p.expr(new Expr.Call("substring", a, null, false));
            case "appendtrailingcharifabsent": {
                Frag x = p.expr(a.get(0));
                String s = p.str(x);
                String ch = p.str(p.expr(a.get(1)));
                return f("(CASE WHEN " + s + " = '' OR right(" + s + ", length(" + ch + ")) = " + ch + " THEN " + s + " ELSE "
                        + s + " || " + ch + " END)", p.nullableLike(x, "String"));
            }
            case "concatwithseparator":
                return f("concat_ws(" + a.stream().map(x -> p.str(p.expr(x))).collect(Collectors.joining(", ")) + ")",
                        "String");
            case "positionutf8":
                return p.expr(new Expr.Call("position", a, null, false));
            case "positioncaseinsensitive":
            case "positioncaseinsensitiveutf8":
                return f("strpos(lower(" + p.str(p.expr(a.get(0))) + "), lower(" + p.str(p.expr(a.get(1)))
                        + "))::bigint", "Int64");
            case "extractall":
                return f("hogql_extract_all(" + p.str(p.expr(a.get(0))) + ", " + p.str(p.expr(a.get(1))) + ")",
                        "Array(String)");
            case "countsubstrings":
            case "countsubstringscaseinsensitive":
            case "countsubstringscaseinsensitiveutf8": {
                boolean ci = name.contains("caseinsensitive");
                String h = ci ? "lower(" + p.str(p.expr(a.get(0))) + ")" : p.str(p.expr(a.get(0)));
                String n = ci ? "lower(" + p.str(p.expr(a.get(1))) + ")" : p.str(p.expr(a.get(1)));
                return f("coalesce(((length(" + h + ") - length(replace(" + h + ", " + n + ", ''))) / NULLIF(length(" + n
                        + "), 0))::bigint, 0)", "UInt64");
            }
            case "countmatches":
                return f("hogql_count_matches(" + p.str(p.expr(a.get(0))) + ", " + p.str(p.expr(a.get(1))) + ")", "UInt64");
            case "regexpextract": {
                String idx = a.size() == 3 ? p.int4(p.expr(a.get(2))) : "1";
                return f("hogql_regexp_extract_group(" + p.str(p.expr(a.get(0))) + ", " + p.str(p.expr(a.get(1))) + ", "
                        + idx + ")", "String");
            }
            case "replace":
                return p.expr(new Expr.Call("replaceAll", a, null, false));
            case "replaceregexpall":
            case "replaceregexpone": {
                Frag x = p.expr(a.get(0));
                return f("hogql_regexp_replace(" + p.str(x) + ", " + p.str(p.expr(a.get(1))) + ", " + p.str(p.expr(a.get(2)))
                        + ", '" + (name.endsWith("all") ? "g" : "") + "')", p.nullableLike(x, "String"));
            }
            case "translate":
            case "translateutf8": {
                Frag x = p.expr(a.get(0));
                return f("translate(" + p.str(x) + ", " + p.str(p.expr(a.get(1))) + ", " + p.str(p.expr(a.get(2))) + ")",
                        p.nullableLike(x, "String"));
            }
            case "splitbystring": {
                String sep = p.str(p.expr(a.get(0)));
                String s = p.str(p.expr(a.get(1)));
                return f("(CASE WHEN " + sep + " = '' THEN regexp_split_to_array(" + s + ", '') ELSE string_to_array(" + s
                        + ", " + sep + ") END)", "Array(String)");
            }
            case "splitbyregexp":
                return f("hogql_regexp_split(" + p.str(p.expr(a.get(1))) + ", " + p.str(p.expr(a.get(0))) + ")",
                        "Array(String)");
            case "splitbywhitespace":
                return f("ARRAY(SELECT m[1] FROM regexp_matches(" + p.str(p.expr(a.get(0))) + ", '(\\S+)', 'g') AS m)",
                        "Array(String)");
            case "alphatokens":
                return f("ARRAY(SELECT m[1] FROM regexp_matches(" + p.str(p.expr(a.get(0))) + ", '([a-zA-Z]+)', 'g') AS m)",
                        "Array(String)");
            case "arraystringconcat": {
                Frag arr = p.expr(a.get(0));
                if (!cat(arr).equals("array")) {
                    throw new HogQLResolutionException("arrayStringConcat expects an array", c);
                }
                String sep = a.size() == 2 ? p.str(p.expr(a.get(1))) : "''";
                String el = PostgresPrinter.elementType(arr.type());
                String items = arr.sql();
                if (!PostgresPrinter.cat(el).equals("string")) {
                    String u = p.generatedAlias("s");
                    items = "ARRAY(SELECT " + p.str(new Frag(u + ".\"v\"", el)) + " FROM unnest(" + arr.sql() + ") AS " + u
                            + "(\"v\"))";
                }
                return f("array_to_string(" + items + ", " + sep + ")", "String");
            }
            // ---------------------------------------------------------------- URLs
            case "protocol":
                return url(p, a.get(0), "coalesce(substring(%s from '^([A-Za-z][A-Za-z0-9+.-]*):'), '')");
            case "domain":
                return url(p, a.get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '')");
            case "domainwithoutwww":
                return url(p, a.get(0), "regexp_replace(coalesce(substring(%s from "
                        + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), ''), '^www\\.', '')");
            case "topleveldomain":
                return url(p, a.get(0), "coalesce(substring(coalesce(substring(%s from "
                        + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '') from '\\.([^.]+)$'), '')");
            case "netloc":
                return url(p, a.get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)'), '')");
            case "path":
                return url(p, a.get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '')");
            case "pathfull":
                return url(p, a.get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*(.*)$'), '')");
            case "querystring":
                return url(p, a.get(0), "coalesce(substring(%s from '\\?([^#]*)'), '')");
            case "fragment":
                return url(p, a.get(0), "coalesce(substring(%s from '#(.*)$'), '')");
            case "querystringandfragment":
                return url(p, a.get(0), "coalesce(substring(%s from '[?#](.*)$'), '')");
            case "cutwww":
                return url(p, a.get(0), "regexp_replace(%s, '^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)www\\.', '\\1')");
            case "cutquerystring":
                return url(p, a.get(0), "regexp_replace(%s, '\\?[^#]*', '')");
            case "cutfragment":
                return url(p, a.get(0), "regexp_replace(%s, '#.*$', '')");
            case "cutquerystringandfragment":
                return url(p, a.get(0), "regexp_replace(%s, '[?#].*$', '')");
            case "encodeurlcomponent":
                return url(p, a.get(0), "hogql_url_encode(%s)");
            case "decodeurlcomponent":
                return url(p, a.get(0), "hogql_url_decode(%s)");
            case "extracturlparameters": {
                String s = p.str(p.expr(a.get(0)));
                return f("coalesce(ARRAY(SELECT x FROM unnest(string_to_array(coalesce(substring(" + s
                        + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')", "Array(String)");
            }
            case "extracturlparameternames": {
                String s = p.str(p.expr(a.get(0)));
                return f("coalesce(ARRAY(SELECT split_part(x, '=', 1) FROM unnest(string_to_array(coalesce(substring(" + s
                        + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')", "Array(String)");
            }
            case "extracturlparameter": {
                // the first value of the parameter, not decoded; '' when absent (ClickHouse's extractURLParameter)
                String s = p.str(p.expr(a.get(0)));
                String name2 = p.str(p.expr(a.get(1)));
                return f("coalesce((SELECT substr(x, length(" + name2 + ") + 2) FROM unnest(string_to_array(coalesce(substring("
                        + s + " from '\\?([^#]*)'), ''), '&')) WITH ORDINALITY AS q(x, o) WHERE starts_with(x, " + name2
                        + " || '=') OR x = " + name2 + " ORDER BY o LIMIT 1), '')", "String");
            }
            case "cuturlparameter": {
                String s = p.str(p.expr(a.get(0)));
                String n = p.str(p.expr(a.get(1)));
                return f("regexp_replace(regexp_replace(" + s + ", '([?&])' || regexp_replace(" + n
                        + ", '([^A-Za-z0-9_])', '\\\\\\1', 'g') || '(=[^&#]*)?(&|(?=#)|$)', '\\1', 'g'), '[?&](#|$)', '\\1')",
                        "String");
            }
            // ---------------------------------------------------------------- dates
            case "tointervalsecond":
            case "tointervalminute":
            case "tointervalhour":
            case "tointervalday":
            case "tointervalweek":
            case "tointervalmonth":
            case "tointervalquarter":
            case "tointervalyear":
                return p.interval(p.expr(a.get(0)), name.substring("tointerval".length()));
            case "timestampadd":
            case "timestampsub": {
                Frag i = p.expr(a.get(1));
                if (!cat(i).equals("interval")) {
                    throw new HogQLResolutionException(c.name() + " expects an interval as its second argument", c);
                }
                return p.arithmetic(name.endsWith("add") ? "+" : "-", p.expr(a.get(0)), i);
            }
            case "datetrunc": {
                String unit = p.unitArg(a.get(0), "dateTrunc");
                return p.startOf(p.expr(a.get(1)), unit, false);
            }
            case "age":
                return age(p, p.unitArg(a.get(0), "age"), p.expr(a.get(1)), p.expr(a.get(2)));
            case "tostartofsecond":
                return p.startOf(p.expr(a.get(0)), "second", false);
            case "tostartoffiveminutes":
                return bin(p, p.expr(a.get(0)), "5 minutes");
            case "tostartoftenminutes":
                return bin(p, p.expr(a.get(0)), "10 minutes");
            case "tostartoffifteenminutes":
                return bin(p, p.expr(a.get(0)), "15 minutes");
            case "timeslot":
                return bin(p, p.expr(a.get(0)), "30 minutes");
            case "tostartofisoyear": {
                Frag x = p.expr(a.get(0));
                return f("date_trunc('week', make_date(extract(isoyear from " + p.localTs(x) + ")::int, 1, 4))::date",
                        p.nullableLike(x, "Date"));
            }
            case "tolastdayofmonth": {
                Frag x = p.expr(a.get(0));
                return f("(date_trunc('month', " + p.localTs(x) + ") + INTERVAL '1 month' - INTERVAL '1 day')::date",
                        p.nullableLike(x, "Date"));
            }
            case "tolastdayofweek": {
                Frag x = p.expr(a.get(0));
                long mode = a.size() == 2 ? PostgresPrinter.constLong(a.get(1), "toLastDayOfWeek mode") : 0;
                String start = mode % 2 == 1 ? "date_trunc('week', " + p.localTs(x) + ")::date"
                        : "(date_trunc('week', " + p.localTs(x) + " + INTERVAL '1 day')::date - 1)";
                return f("(" + start + " + 6)", p.nullableLike(x, "Date"));
            }
            case "toisoyear":
                return p.datePart(p.expr(a.get(0)), "isoyear");
            case "toisoweek":
                return p.datePart(p.expr(a.get(0)), "week");
            case "toyyyymm": {
                Frag x = p.expr(a.get(0));
                return f("to_char(" + p.localTs(x) + ", 'YYYYMM')::bigint", p.nullableLike(x, "UInt32"));
            }
            case "toyyyymmdd": {
                Frag x = p.expr(a.get(0));
                return f("to_char(" + p.localTs(x) + ", 'YYYYMMDD')::bigint", p.nullableLike(x, "UInt32"));
            }
            case "toyyyymmddhhmmss": {
                Frag x = p.expr(a.get(0));
                return f("to_char(" + p.localTs(x) + ", 'YYYYMMDDHH24MISS')::bigint", p.nullableLike(x, "UInt64"));
            }
            case "tounixtimestamp64milli": {
                Frag x = p.toDateTime(p.expr(a.get(0)));
                return f("floor(extract(epoch from " + x.sql() + ") * 1000)::bigint", p.nullableLike(x, "Int64"));
            }
            case "fromunixtimestamp":
                return p.toDateTime(new Frag("trunc(" + p.num(p.expr(a.get(0))) + ")", "Int64"));
            case "monthname": {
                Frag x = p.expr(a.get(0));
                return f("to_char(" + p.localTs(x) + ", 'FMMonth')", p.nullableLike(x, "String"));
            }
            case "datename":
                return dateName(p, c);
            case "tomodifiedjulianday": {
                Frag d = p.expr(new Expr.Call("toDate", List.of(a.get(0)), null, false));
                return f("(" + d.sql() + " - DATE '1858-11-17')::bigint", p.nullableLike(d, "Int32"));
            }
            case "frommodifiedjulianday": {
                Frag n = p.expr(a.get(0));
                return f("(DATE '1858-11-17' + " + p.int4(n) + ")", p.nullableLike(n, "Date"));
            }
            case "timezoneof": {
                Frag x = p.toDateTime(p.expr(a.get(0)));
                return f(p.zoneOf(x.type()), "String");
            }
            case "timezoneoffset": {
                Frag x = p.toDateTime(p.expr(a.get(0)));
                return f("extract(epoch from (" + p.localTs(x) + " - (" + x.sql() + " AT TIME ZONE 'UTC')))::bigint",
                        p.nullableLike(x, "Int32"));
            }
            case "parsedatetimebesteffort":
                return p.toDateTime(new Frag(p.str(p.expr(a.get(0))), "String"));
            default:
                if (name.startsWith("add") || name.startsWith("subtract")) {
                    String unit = name.substring(name.startsWith("add") ? 3 : 8, name.length() - 1);
                    if (Parser.INTERVAL_UNITS.contains(unit)) {
                        return p.arithmetic(name.startsWith("add") ? "+" : "-", p.expr(a.get(0)),
                                p.interval(p.expr(a.get(1)), unit));
                    }
                }
                return other(p, c, name);
        }
    }

    private static Frag other(PostgresPrinter p, Expr.Call c, String name) {
        List<Expr> a = c.args();
        switch (name) {
            case "todecimal": {
                Frag x = p.expr(a.get(0));
                return switch (cat(x)) {
                    case "int", "float", "bool" -> f("(" + p.num(x) + ")::float8", p.nullableLike(x, "Float64"));
                    default -> f("hogql_to_float(" + p.str(x) + ")", "Nullable(Float64)");
                };
            }
            case "tojsonstring": {
                Frag x = p.expr(a.get(0));
                if (cat(x).equals("json")) {
                    return f("(" + x.sql() + ")::text", "String");
                }
                if (cat(x).equals("datetime") || cat(x).equals("date")) {
                    return f("to_jsonb(" + p.str(x) + ")::text", "String");
                }
                return f("coalesce(to_jsonb(" + x.sql() + ")::text, 'null')", "String");
            }
            case "assumenotnull": {
                Frag x = p.expr(a.get(0));
                return f(x.sql(), PostgresPrinter.base(x.type()));
            }
            case "tonullable": {
                Frag x = p.expr(a.get(0));
                return f(x.sql(), PostgresPrinter.nullable(x.type()));
            }
            case "isvalidjson":
                return f("(hogql_to_jsonb(" + p.str(p.expr(a.get(0))) + ") IS NOT NULL)", "Bool");
            case "jsonlength":
            case "jsonarraylength":
            case "jsontype":
            case "jsonextractuint":
            case "jsonextractraw":
            case "jsonextractarrayraw":
            case "jsonextractkeys":
                return json(p, c, name);
            case "tuple":
                return p.tuple(a.stream().map(p::expr).toList());
            case "tupleelement":
                return tupleElement(p, c);
            case "transform":
                return transform(p, c);
            case Functions.COHORT_ID_BY_NAME: {
                // the newest of the team's cohorts with that name; NULL (so nobody) when there is none
                String name2 = p.str(p.expr(a.get(0)));
                String alias = p.generatedAlias("cohort");
                return f("(SELECT " + alias + ".\"id\" FROM \"cohorts\" AS " + alias + " WHERE " + alias + ".\"team_id\" = $1 AND "
                        + alias + ".\"name\" = " + name2 + " AND NOT " + alias + ".\"deleted\" ORDER BY " + alias
                        + ".\"id\" DESC LIMIT 1)", "Nullable(Int64)");
            }
            default:
                return null;
        }
    }

    /** A numeric function of one argument; {@code domain} (with %s) guards arguments PostgreSQL would fail on. */
    private static Frag math(PostgresPrinter p, Expr arg, String template, String domain) {
        String x = "(" + p.num(p.expr(arg)) + ")::float8";
        String call = template.replace("%s", x);
        if (domain == null) {
            return f(call, "Float64");
        }
        return f("(CASE WHEN " + domain.replace("%s", x) + " THEN " + call + " END)", "Nullable(Float64)");
    }

    private static Frag url(PostgresPrinter p, Expr arg, String template) {
        Frag x = p.expr(arg);
        return f(template.replace("%s", p.str(x)), p.nullableLike(x, "String"));
    }

    /** ClickHouse's toStartOfFiveMinutes and friends: the start of the bin in the value's time zone. */
    private static Frag bin(PostgresPrinter p, Frag x, String width) {
        Frag dt = p.toDateTime(x);
        return f("(date_bin('" + width + "', " + p.localTs(x) + ", TIMESTAMP '2000-01-01') AT TIME ZONE "
                + p.zoneOf(dt.type()) + ")", p.nullableLike(x, dt.type()));
    }

    /** ClickHouse age(unit, a, b): whole units elapsed from a to b (dateDiff counts unit boundaries instead). */
    private static Frag age(PostgresPrinter p, String unit, Frag a, Frag b) {
        String seconds = "(extract(epoch from " + p.toDateTime(b).sql() + ") - extract(epoch from " + p.toDateTime(a).sql() + "))";
        String la = p.localTs(a);
        String lb = p.localTs(b);
        String age = "age(" + lb + ", " + la + ")";
        String sql = switch (unit) {
            case "second" -> "trunc(" + seconds + ")";
            case "minute" -> "trunc(" + seconds + " / 60)";
            case "hour" -> "trunc(" + seconds + " / 3600)";
            case "day" -> "trunc(extract(epoch from (" + lb + " - " + la + ")) / 86400)";
            case "week" -> "trunc(extract(epoch from (" + lb + " - " + la + ")) / 604800)";
            case "month" -> "(extract(year from " + age + ") * 12 + extract(month from " + age + "))";
            case "quarter" -> "trunc((extract(year from " + age + ") * 12 + extract(month from " + age + ")) / 3)";
            default -> "extract(year from " + age + ")";
        };
        return f(sql + "::bigint", "Int64");
    }

    private static Frag dateName(PostgresPrinter p, Expr.Call c) {
        String part = p.constString(c.args().get(0), "dateName part");
        Frag x = p.expr(c.args().get(1));
        String l = p.localTs(x);
        String sql = switch (part) {
            case "year" -> "to_char(" + l + ", 'YYYY')";
            case "quarter" -> "to_char(" + l + ", 'Q')";
            case "month" -> "to_char(" + l + ", 'FMMonth')";
            case "week" -> "to_char(" + l + ", 'FMIW')";
            case "dayofyear" -> "to_char(" + l + ", 'FMDDD')";
            case "day" -> "to_char(" + l + ", 'FMDD')";
            case "weekday" -> "to_char(" + l + ", 'FMDay')";
            case "hour" -> "to_char(" + l + ", 'FMHH24')";
            case "minute" -> "to_char(" + l + ", 'FMMI')";
            case "second" -> "to_char(" + l + ", 'FMSS')";
            default -> throw new HogQLResolutionException("dateName does not know the part '" + part + "'", c);
        };
        return f(sql, p.nullableLike(x, "String"));
    }

    private static Frag json(PostgresPrinter p, Expr.Call c, String name) {
        Frag j = p.expr(c.args().get(0));
        String js = cat(j).equals("json") ? j.sql() : "hogql_to_jsonb(" + p.str(j) + ")";
        List<String> path = new ArrayList<>();
        for (Expr k : c.args().subList(1, c.args().size())) {
            if (k instanceof Expr.Constant kc && kc.value() instanceof String s) {
                path.add(s);
            } else if (k instanceof Expr.Constant kc && kc.value() instanceof Long l && l > 0) {
                path.add(Long.toString(l - 1));
            } else {
                throw new HogQLResolutionException("JSON keys must be string literals or positive integers", k);
            }
        }
        String v = path.isEmpty() ? js : p.jsonPath(js, path, false).sql();
        return switch (name) {
            case "jsonlength" -> f("coalesce(CASE jsonb_typeof(" + v + ") WHEN 'array' THEN jsonb_array_length(" + v
                    + ") WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(" + v + ")) ELSE 0 END, 0)::bigint", "UInt64");
            case "jsonarraylength" -> f("(CASE WHEN jsonb_typeof(" + v + ") = 'array' THEN jsonb_array_length(" + v
                    + ")::bigint END)", "Nullable(UInt64)");
            case "jsontype" -> f("coalesce(CASE jsonb_typeof(" + v + ") WHEN 'string' THEN 'String' WHEN 'array' THEN 'Array'"
                    + " WHEN 'object' THEN 'Object' WHEN 'boolean' THEN 'Bool' WHEN 'null' THEN 'Null' WHEN 'number' THEN"
                    + " CASE WHEN (" + v + ")::text ~ '^-?[0-9]+$' THEN 'Int64' ELSE 'Double' END END, 'Null')", "String");
            case "jsonextractuint" -> f("GREATEST(coalesce(hogql_to_int(" + v + " #>> '{}'), 0), 0)", "UInt64");
            case "jsonextractraw" -> f("coalesce((" + v + ")::text, '')", "String");
            case "jsonextractarrayraw" -> f("coalesce(ARRAY(SELECT x::text FROM jsonb_array_elements(CASE WHEN jsonb_typeof("
                    + v + ") = 'array' THEN " + v + " END) AS x), '{}')", "Array(String)");
            default -> f("coalesce(ARRAY(SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(" + v + ") = 'object' THEN " + v
                    + " END)), '{}')", "Array(String)");
        };
    }

    private static Frag tupleElement(PostgresPrinter p, Expr.Call c) {
        Frag t = p.expr(c.args().get(0));
        if (!cat(t).equals("tuple")) {
            throw new HogQLResolutionException("tupleElement expects a tuple", c);
        }
        long i = PostgresPrinter.constLong(c.args().get(1), "tupleElement index");
        List<String> types = tupleTypes(t.type());
        if (i < 1 || i > types.size()) {
            throw new HogQLResolutionException("tupleElement index " + i + " is out of range", c);
        }
        String type = types.get((int) i - 1);
        String text = "(" + t.sql() + " ->> " + (i - 1) + ")";
        String sql = switch (PostgresPrinter.cat(type)) {
            case "string", "null" -> text;
            case "json" -> "(" + t.sql() + " -> " + (i - 1) + ")";
            case "array" -> throw new HogQLResolutionException("tupleElement of an array element is not supported", c);
            default -> text + "::" + PostgresPrinter.pgType(type);
        };
        return f(sql, type);
    }

    static List<String> tupleTypes(String tupleType) {
        String inner = PostgresPrinter.base(tupleType);
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

    /** transform(x, [from…], [to…][, default]): the matching "to" value, else the default (or x itself). */
    private static Frag transform(PostgresPrinter p, Expr.Call c) {
        List<Expr> a = c.args();
        if (!(a.get(1) instanceof Expr.ArrayLit from) || !(a.get(2) instanceof Expr.ArrayLit to)
                || from.items().size() != to.items().size()) {
            throw new HogQLResolutionException("transform expects two array literals of the same length", c);
        }
        Expr otherwise = a.size() == 4 ? a.get(3) : a.get(0);
        return p.expr(new Expr.Case(a.get(0), from.items(), to.items(), otherwise));
    }
}
