package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.Printer;
import dev.quarry.hogql.Functions.TypeRule;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * PostHog's (ClickHouse's) scalar functions beyond the core set of {@link CoreFunctions}, as entries of the function table ({@link Functions}): arithmetic, comparison and
 * logic as functions, mathematics, strings, URLs, intervals and date arithmetic, JSON and tuples. Each prints
 * PostgreSQL that gives ClickHouse's answer; where ClickHouse would fail the whole query (division by zero, the log
 * of a negative number) the value is NULL instead. Names PostHog has and Quarry does not are refused by
 * {@link FunctionCatalog}.
 */
final class ScalarFunctions {
    private ScalarFunctions() {}

    static void register() {
        scalar("plus", 2, 2, (p, c, name) -> p.arithmetic("+", c.args().get(0), c.args().get(1)));
        scalar("minus", 2, 2, (p, c, name) -> p.arithmetic("-", c.args().get(0), c.args().get(1)));
        scalar("multiply", 2, 2, (p, c, name) -> p.arithmetic("*", c.args().get(0), c.args().get(1)));
        scalar("divide", 2, 2, (p, c, name) -> p.arithmetic("/", p.expr(c.args().get(0)), p.expr(c.args().get(1))));
        scalar("modulo", 2, 2, (p, c, name) -> p.arithmetic("%", p.expr(c.args().get(0)), p.expr(c.args().get(1))));
        scalar("moduloOrZero", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag m = p.arithmetic("%", p.expr(a.get(0)), p.expr(a.get(1)));
            return f("coalesce(" + m.sql() + ", 0)", HogQLTypes.base(m.type()));
        });
        scalar("positiveModulo", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            Frag m = p.arithmetic("%", x, y);
            String ys = p.num(y);
            return f("(CASE WHEN " + m.sql() + " < 0 THEN " + m.sql() + " + abs(" + ys + ") ELSE " + m.sql() + " END)",
                    m.type());
        });
        Printer intdivFn = (p, c, name) -> {
            List<Expr> a = c.args();
            // integer division truncating toward zero, as ClickHouse's; NULL (OrZero: 0) when dividing by zero
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            String sql = "(CASE WHEN abs((" + p.num(x) + ")::float8 / NULLIF((" + p.num(y) + ")::float8, 0)) < 9.2e18"
                    + " THEN trunc((" + p.num(x) + ")::numeric / NULLIF((" + p.num(y) + ")::numeric, 0))::bigint END)";
            return name.equals("intdiv") ? f(sql, "Nullable(Int64)") : f("coalesce(" + sql + ", 0)", "Int64");
        };
        scalar("intDiv", 2, 2, intdivFn);
        scalar("intDivOrZero", 2, 2, intdivFn);
        // bits: ClickHouse's bitAnd of two integers (PostgreSQL's &; other types are ClickHouse's "Illegal type")
        scalar("bitAnd", 2, 2, twoIntegers("bitAnd"), (p, a, c, name) -> {
            String wide = IntegerArithmetic.bitsSql("&", a, c); // past bigint: ClickHouse's width and sign
            return wide != null ? wide : "(" + a.get(0).sql() + " & " + a.get(1).sql() + ")";
        });
        // ClickHouse's bitXor of two integers (PostgreSQL's #), added as this one entry (issue 17's example)
        scalar("bitXor", 2, 2, twoIntegers("bitXor"), (p, a, c, name) -> {
            String wide = IntegerArithmetic.bitsSql("#", a, c);
            return wide != null ? wide : "(" + a.get(0).sql() + " # " + a.get(1).sql() + ")";
        });
        // ClickHouse's bitOr, bitShiftLeft, bitShiftRight, bitTest and bitCount over 64-bit integers (issue 18: the
        // lifecycle and stickiness runners combine per-person activity bitmaps with them). A shift by less than 0 or
        // more than 63 positions gives 0 (PostgreSQL's shift of a bigint is only defined within 0..63).
        scalar("bitOr", 2, 2, (p, c, name) -> bitPair(p, c, name, "|"));
        Printer shiftFn = (p, c, name) -> {
            Frag x = bitArg(p, c, name, 0);
            Frag n = bitArg(p, c, name, 1);
            String op = name.equalsIgnoreCase("bitShiftLeft") ? " << " : " >> ";
            return f("(CASE WHEN " + n.sql() + " BETWEEN 0 AND 63 THEN (" + x.sql() + ")::bigint" + op + "(" + n.sql()
                    + ")::int ELSE 0 END)", nullableIf(nullable(x) || nullable(n), "Int64"));
        };
        scalar("bitShiftLeft", 2, 2, shiftFn);
        scalar("bitShiftRight", 2, 2, shiftFn);
        scalar("bitTest", 2, 2, (p, c, name) -> {
            Frag x = bitArg(p, c, name, 0);
            Frag n = bitArg(p, c, name, 1);
            return f("(CASE WHEN " + n.sql() + " BETWEEN 0 AND 63 THEN ((" + x.sql() + ")::bigint >> (" + n.sql()
                    + ")::int) & 1 ELSE 0 END)", nullableIf(nullable(x) || nullable(n), "Int64"));
        });
        scalar("bitCount", 1, 1, (p, c, name) -> {
            Frag x = bitArg(p, c, name, 0);
            return f("bit_count((" + x.sql() + ")::bigint::bit(64))", nullableIf(nullable(x), "Int64"));
        });
        scalar("negate", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("(- " + p.num(x) + ")", p.nullableLike(x, p.numType(x)));
        });
        Printer gcdFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            return f(name + "(trunc(" + p.num(x) + ")::bigint, trunc(" + p.num(y) + ")::bigint)", "Int64");
        };
        scalar("gcd", 2, 2, gcdFn);
        scalar("lcm", 2, 2, gcdFn);
        Printer max2Fn = (p, c, name) -> {
            List<Expr> a = c.args();
            return f((name.equals("max2") ? "GREATEST(" : "LEAST(") + "(" + p.num(p.expr(a.get(0))) + ")::float8, ("
                    + p.num(p.expr(a.get(1))) + ")::float8)", "Float64");
        };
        scalar("max2", 2, 2, max2Fn);
        scalar("min2", 2, 2, max2Fn);
        // ---------------------------------------------------------------- comparison and logic
        scalar("equals", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("=", c.args().get(0), c.args().get(1))));
        scalar("notEquals", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("!=", c.args().get(0), c.args().get(1))));
        scalar("less", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("<", c.args().get(0), c.args().get(1))));
        scalar("greater", 2, 2, (p, c, name) -> p.expr(new Expr.Compare(">", c.args().get(0), c.args().get(1))));
        scalar("lessOrEquals", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("<=", c.args().get(0), c.args().get(1))));
        scalar("greaterOrEquals", 2, 2, (p, c, name) -> p.expr(new Expr.Compare(">=", c.args().get(0), c.args().get(1))));
        scalar("in", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("in", c.args().get(0), c.args().get(1))));
        scalar("notIn", 2, 2, (p, c, name) -> p.expr(new Expr.Compare("not in", c.args().get(0), c.args().get(1))));
        scalar("and", 2, -1, (p, c, name) -> p.expr(new Expr.And(c.args())));
        scalar("or", 2, -1, (p, c, name) -> p.expr(new Expr.Or(c.args())));
        scalar("not", 1, 1, (p, c, name) -> p.expr(new Expr.Not(c.args().get(0))));
        scalar("xor", 2, -1, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("((" + a.stream().map(x -> "(" + p.bool(p.expr(x)) + ")::int").collect(Collectors.joining(" + "))
                    + ") % 2 = 1)", "Bool");
        });
        // ---------------------------------------------------------------- mathematics
        scalar("e", 0, 0, returns("Float64"), (p, a, c, name) -> "exp(1::float8)");
        scalar("pi", 0, 0, returns("Float64"), (p, a, c, name) -> "pi()");
        Printer expFn = (p, c, name) -> math(p, c.args().get(0), name + "(%s)", null);
        scalar("exp", 1, 1, expFn);
        scalar("sin", 1, 1, expFn);
        scalar("cos", 1, 1, expFn);
        scalar("tan", 1, 1, expFn);
        scalar("atan", 1, 1, expFn);
        scalar("sinh", 1, 1, expFn);
        scalar("cosh", 1, 1, expFn);
        scalar("asinh", 1, 1, expFn);
        scalar("cbrt", 1, 1, expFn);
        scalar("degrees", 1, 1, expFn);
        scalar("radians", 1, 1, expFn);
        scalar("exp2", 1, 1, (p, c, name) -> math(p, c.args().get(0), "power(2::float8, %s)", null));
        scalar("exp10", 1, 1, (p, c, name) -> math(p, c.args().get(0), "power(10::float8, %s)", null));
        Printer logFn = (p, c, name) -> math(p, c.args().get(0), "ln(%s)", "%s > 0");
        scalar("log", 1, 1, logFn);
        scalar("ln", 1, 1, logFn);
        scalar("log2", 1, 1, (p, c, name) -> math(p, c.args().get(0), "log(2::numeric, (%s)::numeric)::float8", "%s > 0"));
        scalar("log10", 1, 1, (p, c, name) -> math(p, c.args().get(0), "log10(%s)", "%s > 0"));
        scalar("log1p", 1, 1, (p, c, name) -> math(p, c.args().get(0), "ln(1 + %s)", "%s > -1"));
        scalar("sqrt", 1, 1, (p, c, name) -> math(p, c.args().get(0), "sqrt(%s)", "%s >= 0"));
        Printer asinFn = (p, c, name) -> math(p, c.args().get(0), name + "(%s)", name.equals("atanh") ? "abs(%s) < 1" : "abs(%s) <= 1");
        scalar("asin", 1, 1, asinFn);
        scalar("acos", 1, 1, asinFn);
        scalar("atanh", 1, 1, asinFn);
        scalar("acosh", 1, 1, (p, c, name) -> math(p, c.args().get(0), "acosh(%s)", "%s >= 1"));
        scalar("sign", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("sign(" + p.num(x) + ")::bigint", p.nullableLike(x, "Int64"));
        });
        scalar("factorial", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            // ClickHouse: factorial of a negative number is 1; above 20 it is an error (NULL here)
            return f("(CASE WHEN " + p.num(x) + " <= 20 THEN factorial(GREATEST(trunc(" + p.num(x) + "), 0)::bigint)::bigint END)",
                    "Nullable(Int64)");
        });
        Printer intexp2Fn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String base = name.equals("intexp2") ? "2" : "10";
            return f("(CASE WHEN " + p.num(x) + " < " + (base.equals("2") ? "63" : "19") + " THEN power(" + base
                    + "::numeric, GREATEST(trunc(" + p.num(x) + "), 0))::bigint END)", "Nullable(Int64)");
        };
        scalar("intExp2", 1, 1, intexp2Fn);
        scalar("intExp10", 1, 1, intexp2Fn);
        Printer powFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return f("(CASE WHEN " + x + " > 0 OR (" + x + " = 0 AND " + y + " >= 0) OR (" + x + " < 0 AND " + y
                    + " = trunc(" + y + ")) THEN power(" + x + ", " + y + ") END)", "Nullable(Float64)");
        };
        scalar("pow", 2, 2, powFn);
        scalar("power", 2, 2, powFn);
        scalar("atan2", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("atan2((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)",
                    "Float64");
        });
        scalar("hypot", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return f("sqrt(" + x + " * " + x + " + " + y + " * " + y + ")", "Float64");
        });
        scalar("width_bucket", 4, 4, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("width_bucket((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1)))
                    + ")::float8, (" + p.num(p.expr(a.get(2))) + ")::float8, " + p.int4(p.expr(a.get(3))) + ")::bigint",
                    "Int64");
        });
        Printer truncFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long places = a.size() == 2 ? p.constSigned(a.get(1), "trunc precision") : 0;
            if (HogQLTypes.cat(x.type()).equals("int") && places >= 0) {
                return x;
            }
            return f("trunc((" + p.num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8",
                    p.nullableLike(x, "Float64"));
        };
        scalar("trunc", 1, 2, truncFn);
        scalar("truncate", 1, 2, truncFn);
        scalar("roundBankers", 1, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long places = a.size() == 2 ? p.constSigned(a.get(1), "roundBankers precision") : 0;
            places = Math.max(-20, Math.min(20, places));
            // float8 round() rounds half to even
            return f("(round((" + p.num(x) + ")::float8 * 1e" + places + ") / 1e" + places + ")",
                    p.nullableLike(x, "Float64"));
        });
        Printer isfiniteFn = (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            return switch (name) {
                case "isfinite" -> f("(" + x + " NOT IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8))", "Bool");
                case "isinfinite" -> f("(" + x + " IN ('Infinity'::float8, '-Infinity'::float8))", "Bool");
                default -> f("(" + x + " = 'NaN'::float8)", "Bool");
            };
        };
        scalar("isFinite", 1, 1, isfiniteFn);
        scalar("isInfinite", 1, 1, isfiniteFn);
        scalar("isNaN", 1, 1, isfiniteFn);
        scalar("ifNotFinite", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return f("(CASE WHEN " + x + " IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN " + y
                    + " ELSE " + x + " END)", "Float64");
        });
        // ---------------------------------------------------------------- strings
        scalar("lengthUTF8", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("char_length(" + p.str(x) + ")::bigint", p.nullableLike(x, "UInt64"));
        });
        Printer lowerutf8Fn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f((name.startsWith("lower") ? "lower(" : "upper(") + p.str(x) + ")", p.nullableLike(x, "String"));
        };
        scalar("lowerUTF8", 1, 1, lowerutf8Fn);
        scalar("upperUTF8", 1, 1, lowerutf8Fn);
        // PostgreSQL text is always valid UTF-8
        scalar("isValidUTF8", 1, 1, (p, c, name) -> f("TRUE", "Bool"));
        scalar("toValidUTF8", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f(p.str(x), p.nullableLike(x, "String"));
        });
        Printer reverseFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            if (cat(x).equals("array")) {
                return p.call(new Expr.Call("arrayReverse", a, null, false));
            }
            return f("reverse(" + p.str(x) + ")", p.nullableLike(x, "String"));
        };
        scalar("reverse", 1, 1, reverseFn);
        scalar("reverseUTF8", 1, 1, reverseFn);
        Printer trimleftFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String chars = a.size() == 2 ? ", " + p.str(p.expr(a.get(1))) : "";
            return f((name.equals("trimleft") ? "ltrim(" : "rtrim(") + p.str(x) + chars + ")", p.nullableLike(x, "String"));
        };
        // trimLeft(s[, chars]), trimRight(s[, chars]): TRIM(LEADING / TRAILING chars FROM s)
        scalar("trimLeft", 1, 2, trimleftFn);
        scalar("trimRight", 1, 2, trimleftFn);
        scalar("ascii", 1, 1, (p, c, name) -> f("ascii(" + p.str(p.expr(c.args().get(0))) + ")::bigint", "Int64"));
        scalar("base64Encode", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("translate(encode(convert_to(" + p.str(x) + ", 'UTF8'), 'base64'), E'\\n', '')",
                    p.nullableLike(x, "String"));
        });
        Printer base64DecodeFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("hogql_base64_decode(" + p.str(x) + ")", p.nullableLike(x, "String"));
        };
        scalar("base64Decode", 1, 1, base64DecodeFn);
        scalar("tryBase64Decode", 1, 1, base64DecodeFn);
        scalar("encodeXMLComponent", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("replace(replace(replace(replace(replace(" + p.str(x) + ", '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), "
                    + "'\"', '&quot;'), '''', '&apos;')", p.nullableLike(x, "String"));
        });
        scalar("decodeXMLComponent", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("replace(replace(replace(replace(replace(" + p.str(x) + ", '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), "
                    + "'&apos;', ''''), '&amp;', '&')", p.nullableLike(x, "String"));
        });
        Printer leftpadFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String fill = a.size() == 3 ? p.str(p.expr(a.get(2))) : "' '";
            return f((name.startsWith("left") ? "lpad(" : "rpad(") + p.str(x) + ", LEAST(" + p.int4(p.expr(a.get(1)))
                    + ", 1000000), " + fill + ")", p.nullableLike(x, "String"));
        };
        scalar("leftPad", 2, 3, leftpadFn);
        scalar("rightPad", 2, 3, leftpadFn);
        scalar("leftPadUTF8", 2, 3, leftpadFn);
        scalar("rightPadUTF8", 2, 3, leftpadFn);
        scalar("repeat", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            // the count is capped so that one call cannot build a gigabyte string
            return f("repeat(" + p.str(x) + ", LEAST(GREATEST(" + p.int4(p.expr(a.get(1))) + ", 0), 1000000 / GREATEST(length("
                    + p.str(x) + "), 1)))", p.nullableLike(x, "String"));
        });
        scalar("substringUTF8", 2, 3, (p, c, name) -> p.expr(new Expr.Call("substring", c.args(), null, false)));
        scalar("appendTrailingCharIfAbsent", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String s = p.str(x);
            String ch = p.str(p.expr(a.get(1)));
            return f("(CASE WHEN " + s + " = '' OR right(" + s + ", length(" + ch + ")) = " + ch + " THEN " + s + " ELSE "
                    + s + " || " + ch + " END)", p.nullableLike(x, "String"));
        });
        scalar("concatWithSeparator", 2, -1, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("concat_ws(" + a.stream().map(x -> p.str(p.expr(x))).collect(Collectors.joining(", ")) + ")",
                    "String");
        });
        scalar("positionUTF8", 2, 2, (p, c, name) -> p.expr(new Expr.Call("position", c.args(), null, false)));
        Printer positioncaseinsensitiveFn = (p, c, name) -> {
            List<Expr> a = c.args();
            return f("strpos(lower(" + p.str(p.expr(a.get(0))) + "), lower(" + p.str(p.expr(a.get(1)))
                    + "))::bigint", "Int64");
        };
        scalar("positionCaseInsensitive", 2, 2, positioncaseinsensitiveFn);
        scalar("positionCaseInsensitiveUTF8", 2, 2, positioncaseinsensitiveFn);
        scalar("extractAll", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("hogql_extract_all(" + p.str(p.expr(a.get(0))) + ", " + CoreFunctions.regex(p, a.get(1)) + ")",
                    "Array(String)");
        });
        Printer countsubstringsFn = (p, c, name) -> {
            List<Expr> a = c.args();
            boolean ci = name.contains("caseinsensitive");
            String h = ci ? "lower(" + p.str(p.expr(a.get(0))) + ")" : p.str(p.expr(a.get(0)));
            String n = ci ? "lower(" + p.str(p.expr(a.get(1))) + ")" : p.str(p.expr(a.get(1)));
            return f("coalesce(((length(" + h + ") - length(replace(" + h + ", " + n + ", ''))) / NULLIF(length(" + n
                    + "), 0))::bigint, 0)", "UInt64");
        };
        scalar("countSubstrings", 2, 2, countsubstringsFn);
        scalar("countSubstringsCaseInsensitive", 2, 2, countsubstringsFn);
        scalar("countSubstringsCaseInsensitiveUTF8", 2, 2, countsubstringsFn);
        scalar("countMatches", 2, 2, (p, c, name) -> f("hogql_count_matches(" + p.str(p.expr(c.args().get(0))) + ", " + CoreFunctions.regex(p, c.args().get(1)) + ")", "UInt64"));
        scalar("regexpExtract", 2, 3, (p, c, name) -> {
            List<Expr> a = c.args();
            String idx = a.size() == 3 ? p.int4(p.expr(a.get(2))) : "1";
            return f("hogql_regexp_extract_group(" + p.str(p.expr(a.get(0))) + ", " + CoreFunctions.regex(p, a.get(1)) + ", "
                    + idx + ")", "String");
        });
        scalar("replace", 3, 3, (p, c, name) -> p.expr(new Expr.Call("replaceAll", c.args(), null, false)));
        Printer replaceregexpallFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("hogql_regexp_replace(" + p.str(x) + ", " + CoreFunctions.regex(p, a.get(1)) + ", " + p.str(p.expr(a.get(2)))
                    + ", '" + (name.endsWith("all") ? "g" : "") + "')", p.nullableLike(x, "String"));
        };
        scalar("replaceRegexpAll", 3, 3, replaceregexpallFn);
        scalar("replaceRegexpOne", 3, 3, replaceregexpallFn);
        Printer translateFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("translate(" + p.str(x) + ", " + p.str(p.expr(a.get(1))) + ", " + p.str(p.expr(a.get(2))) + ")",
                    p.nullableLike(x, "String"));
        };
        scalar("translate", 3, 3, translateFn);
        scalar("translateUTF8", 3, 3, translateFn);
        scalar("splitByString", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String sep = p.str(p.expr(a.get(0)));
            String s = p.str(p.expr(a.get(1)));
            return f("(CASE WHEN " + sep + " = '' THEN regexp_split_to_array(" + s + ", '') ELSE string_to_array(" + s
                    + ", " + sep + ") END)", "Array(String)");
        });
        scalar("splitByRegexp", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("hogql_regexp_split(" + p.str(p.expr(a.get(1))) + ", " + CoreFunctions.regex(p, a.get(0)) + ")",
                    "Array(String)");
        });
        scalar("splitByWhitespace", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("ARRAY(SELECT m[1] FROM regexp_matches(" + p.str(p.expr(a.get(0))) + ", '(\\S+)', 'g') AS m)",
                    "Array(String)");
        });
        scalar("alphaTokens", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            return f("ARRAY(SELECT m[1] FROM regexp_matches(" + p.str(p.expr(a.get(0))) + ", '([a-zA-Z]+)', 'g') AS m)",
                    "Array(String)");
        });
        scalar("arrayStringConcat", 1, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag arr = p.expr(a.get(0));
            if (!cat(arr).equals("array")) {
                throw new HogQLResolutionException("arrayStringConcat expects an array", c);
            }
            String sep = a.size() == 2 ? p.str(p.expr(a.get(1))) : "''";
            String el = HogQLTypes.elementType(arr.type());
            String items = arr.sql();
            if (!HogQLTypes.cat(el).equals("string")) {
                String u = p.generatedAlias("s");
                items = "ARRAY(SELECT " + p.str(new Frag(u + ".\"v\"", el)) + " FROM unnest(" + arr.sql() + ") AS " + u
                        + "(\"v\"))";
            }
            return f("array_to_string(" + items + ", " + sep + ")", "String");
        });
        // ---------------------------------------------------------------- URLs
        scalar("protocol", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '^([A-Za-z][A-Za-z0-9+.-]*):'), '')"));
        scalar("domain", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '')"));
        scalar("domainWithoutWWW", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            return url(p, a.get(0), "regexp_replace(coalesce(substring(%s from "
                    + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), ''), '^www\\.', '')");
        });
        scalar("topLevelDomain", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            return url(p, a.get(0), "coalesce(substring(coalesce(substring(%s from "
                    + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '') from '\\.([^.]+)$'), '')");
        });
        scalar("netloc", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)'), '')"));
        scalar("path", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '')"));
        scalar("pathFull", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*(.*)$'), '')"));
        scalar("queryString", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '\\?([^#]*)'), '')"));
        scalar("fragment", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '#(.*)$'), '')"));
        scalar("queryStringAndFragment", 1, 1, (p, c, name) -> url(p, c.args().get(0), "coalesce(substring(%s from '[?#](.*)$'), '')"));
        scalar("cutWWW", 1, 1, (p, c, name) -> url(p, c.args().get(0), "regexp_replace(%s, '^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)www\\.', '\\1')"));
        scalar("cutQueryString", 1, 1, (p, c, name) -> url(p, c.args().get(0), "regexp_replace(%s, '\\?[^#]*', '')"));
        scalar("cutFragment", 1, 1, (p, c, name) -> url(p, c.args().get(0), "regexp_replace(%s, '#.*$', '')"));
        scalar("cutQueryStringAndFragment", 1, 1, (p, c, name) -> url(p, c.args().get(0), "regexp_replace(%s, '[?#].*$', '')"));
        scalar("encodeURLComponent", 1, 1, (p, c, name) -> url(p, c.args().get(0), "hogql_url_encode(%s)"));
        scalar("decodeURLComponent", 1, 1, (p, c, name) -> url(p, c.args().get(0), "hogql_url_decode(%s)"));
        scalar("extractURLParameters", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            return f("coalesce(ARRAY(SELECT x FROM unnest(string_to_array(coalesce(substring(" + s
                    + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')", "Array(String)");
        });
        scalar("extractURLParameterNames", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            return f("coalesce(ARRAY(SELECT split_part(x, '=', 1) FROM unnest(string_to_array(coalesce(substring(" + s
                    + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')", "Array(String)");
        });
        scalar("extractURLParameter", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            // the first value of the parameter, not decoded; '' when absent (ClickHouse's extractURLParameter)
            String s = p.str(p.expr(a.get(0)));
            String name2 = p.str(p.expr(a.get(1)));
            return f("coalesce((SELECT substr(x, length(" + name2 + ") + 2) FROM unnest(string_to_array(coalesce(substring("
                    + s + " from '\\?([^#]*)'), ''), '&')) WITH ORDINALITY AS q(x, o) WHERE starts_with(x, " + name2
                    + " || '=') OR x = " + name2 + " ORDER BY o LIMIT 1), '')", "String");
        });
        scalar("cutURLParameter", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            String n = p.str(p.expr(a.get(1)));
            return f("regexp_replace(regexp_replace(" + s + ", '([?&])' || regexp_replace(" + n
                    + ", '([^A-Za-z0-9_])', '\\\\\\1', 'g') || '(=[^&#]*)?(&|(?=#)|$)', '\\1', 'g'), '[?&](#|$)', '\\1')",
                    "String");
        });
        // ---------------------------------------------------------------- dates
        Printer tointervalsecondFn = (p, c, name) -> p.interval(p.expr(c.args().get(0)), name.substring("tointerval".length()));
        scalar("toIntervalSecond", 1, 1, tointervalsecondFn);
        scalar("toIntervalMinute", 1, 1, tointervalsecondFn);
        scalar("toIntervalHour", 1, 1, tointervalsecondFn);
        scalar("toIntervalDay", 1, 1, tointervalsecondFn);
        scalar("toIntervalWeek", 1, 1, tointervalsecondFn);
        scalar("toIntervalMonth", 1, 1, tointervalsecondFn);
        scalar("toIntervalQuarter", 1, 1, tointervalsecondFn);
        scalar("toIntervalYear", 1, 1, tointervalsecondFn);
        Printer timestampaddFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag i = p.expr(a.get(1));
            if (!cat(i).equals("interval")) {
                throw new HogQLResolutionException(c.name() + " expects an interval as its second argument", c);
            }
            return p.arithmetic(name.endsWith("add") ? "+" : "-", p.expr(a.get(0)), i);
        };
        scalar("timeStampAdd", 2, 2, timestampaddFn);
        scalar("timeStampSub", 2, 2, timestampaddFn);
        scalar("dateTrunc", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            String unit = Dates.unitArg(p, a.get(0), "dateTrunc");
            return Dates.startOf(p, p.expr(a.get(1)), unit, false);
        });
        scalar("age", 3, 3, (p, c, name) -> age(p, Dates.unitArg(p, c.args().get(0), "age"), p.expr(c.args().get(1)), p.expr(c.args().get(2))));
        scalar("toStartOfSecond", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "second", false));
        scalar("toStartOfFiveMinutes", 1, 1, (p, c, name) -> bin(p, p.expr(c.args().get(0)), "5 minutes"));
        scalar("toStartOfTenMinutes", 1, 1, (p, c, name) -> bin(p, p.expr(c.args().get(0)), "10 minutes"));
        scalar("toStartOfFifteenMinutes", 1, 1, (p, c, name) -> bin(p, p.expr(c.args().get(0)), "15 minutes"));
        scalar("timeSlot", 1, 1, (p, c, name) -> bin(p, p.expr(c.args().get(0)), "30 minutes"));
        scalar("toStartOfISOYear", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("date_trunc('week', make_date(extract(isoyear from " + Dates.localTs(p, x) + ")::int, 1, 4))::date",
                    p.nullableLike(x, "Date"));
        });
        scalar("toLastDayOfMonth", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("(date_trunc('month', " + Dates.localTs(p, x) + ") + INTERVAL '1 month' - INTERVAL '1 day')::date",
                    p.nullableLike(x, "Date"));
        });
        scalar("toLastDayOfWeek", 1, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long mode = a.size() == 2 ? PostgresPrinter.constLong(a.get(1), "toLastDayOfWeek mode") : 0;
            String start = mode % 2 == 1 ? "date_trunc('week', " + Dates.localTs(p, x) + ")::date"
                    : "(date_trunc('week', " + Dates.localTs(p, x) + " + INTERVAL '1 day')::date - 1)";
            return f("(" + start + " + 6)", p.nullableLike(x, "Date"));
        });
        scalar("toISOYear", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "isoyear"));
        scalar("toISOWeek", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "week"));
        scalar("toYYYYMM", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("to_char(" + Dates.localTs(p, x) + ", 'YYYYMM')::bigint", p.nullableLike(x, "UInt32"));
        });
        scalar("toYYYYMMDD", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("to_char(" + Dates.localTs(p, x) + ", 'YYYYMMDD')::bigint", p.nullableLike(x, "UInt32"));
        });
        scalar("toYYYYMMDDhhmmss", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("to_char(" + Dates.localTs(p, x) + ", 'YYYYMMDDHH24MISS')::bigint", p.nullableLike(x, "UInt64"));
        });
        scalar("toUnixTimestamp64Milli", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = Dates.toDateTime(p, p.expr(a.get(0)));
            return f("floor(extract(epoch from " + x.sql() + ") * 1000)::bigint", p.nullableLike(x, "Int64"));
        });
        scalar("fromUnixTimestamp", 1, 1, (p, c, name) -> Dates.toDateTime(p, new Frag("trunc(" + p.num(p.expr(c.args().get(0))) + ")", "Int64")));
        scalar("monthName", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f("to_char(" + Dates.localTs(p, x) + ", 'FMMonth')", p.nullableLike(x, "String"));
        });
        scalar("dateName", 2, 2, (p, c, name) -> dateName(p, c));
        scalar("toModifiedJulianDay", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag d = p.expr(new Expr.Call("toDate", List.of(a.get(0)), null, false));
            return f("(" + d.sql() + " - DATE '1858-11-17')::bigint", p.nullableLike(d, "Int32"));
        });
        scalar("fromModifiedJulianDay", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag n = p.expr(a.get(0));
            return f("(DATE '1858-11-17' + " + p.int4(n) + ")", p.nullableLike(n, "Date"));
        });
        scalar("timeZoneOf", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = Dates.toDateTime(p, p.expr(a.get(0)));
            return f(Dates.zoneOf(p, x.type()), "String");
        });
        scalar("timeZoneOffset", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = Dates.toDateTime(p, p.expr(a.get(0)));
            return f("extract(epoch from (" + Dates.localTs(p, x) + " - (" + x.sql() + " AT TIME ZONE 'UTC')))::bigint",
                    p.nullableLike(x, "Int32"));
        });
        scalar("parseDateTimeBestEffort", 1, 1, (p, c, name) -> Dates.toDateTime(p, new Frag(p.str(p.expr(c.args().get(0))), "String")));
        // addDays(date, n), subtractHours(date, n), …
        for (String u : List.of("Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter", "Year")) {
            String unit = u.toLowerCase(Locale.ROOT);
            scalar("add" + u + "s", 2, 2, (p, c, name) -> p.arithmetic("+", p.expr(c.args().get(0)),
                    p.interval(p.expr(c.args().get(1)), unit)));
            scalar("subtract" + u + "s", 2, 2, (p, c, name) -> p.arithmetic("-", p.expr(c.args().get(0)),
                    p.interval(p.expr(c.args().get(1)), unit)));
        }
        scalar("toDecimal", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return switch (cat(x)) {
                case "int", "float", "bool" -> f("(" + p.num(x) + ")::float8", p.nullableLike(x, "Float64"));
                default -> f("hogql_to_float(" + p.str(x) + ")", "Nullable(Float64)");
            };
        });
        scalar("toJSONString", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            if (cat(x).equals("json")) {
                return f("(" + x.sql() + ")::text", "String");
            }
            if (cat(x).equals("datetime") || cat(x).equals("date")) {
                return f("to_jsonb(" + p.str(x) + ")::text", "String");
            }
            return f("coalesce(to_jsonb(" + x.sql() + ")::text, 'null')", "String");
        });
        scalar("assumeNotNull", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f(x.sql(), HogQLTypes.base(x.type()));
        });
        scalar("toNullable", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            return f(x.sql(), HogQLTypes.nullable(x.type()));
        });
        scalar("isValidJSON", 1, 1, (p, c, name) -> f("(hogql_to_jsonb(" + p.str(p.expr(c.args().get(0))) + ") IS NOT NULL)", "Bool"));
        Printer jsonlengthFn = (p, c, name) -> json(p, c, name);
        scalar("JSONLength", 1, -1, jsonlengthFn);
        scalar("JSONArrayLength", 1, -1, jsonlengthFn);
        scalar("JSONType", 1, -1, jsonlengthFn);
        scalar("JSONExtractUInt", 1, -1, jsonlengthFn);
        scalar("JSONExtractRaw", 1, -1, jsonlengthFn);
        scalar("JSONExtractArrayRaw", 1, -1, jsonlengthFn);
        scalar("JSONExtractKeys", 1, -1, jsonlengthFn);
        scalar("tuple", 0, -1, (p, c, name) -> Literals.tuple(p, c.args().stream().map(p::expr).toList()));
        scalar("tupleElement", 2, 2, (p, c, name) -> tupleElement(p, c));
        scalar("transform", 3, 4, (p, c, name) -> transform(p, c));
        scalar(Functions.COHORT, 1, 1, (p, c, name) -> {
            Long resolved = p.cohortId(c);
            if (resolved != null) {
                return Literals.constant(p, resolved);
            }
            // the team's cohorts were not looked up before compiling: the statement looks the cohort up itself, once
            // (an uncorrelated subquery), and fails with SQLSTATE QC404 when the team has no such cohort — PostHog's
            // 400 "Could not find cohort with ID …" (V28_1)
            Expr arg = c.args().get(0);
            Frag ref = arg instanceof Expr.Constant k && k.value() instanceof Long
                    ? Literals.constant(p, k.value()) : p.expr(arg);
            String typed = arg instanceof Expr.Constant k && k.value() instanceof Long ? ref.sql() + "::bigint"
                    : p.str(ref) + "::text";
            return f("(SELECT quarry_cohort_ref($1, " + typed + "))", "Int64");
        });
    }

    /**
     * The type rule of a function of two integers giving an integer ({@code bitAnd}): ClickHouse's (the widest
     * argument's bits, 64 at least, signed if either is: Int64 for two Int64), nullable if either is.
     */
    private static TypeRule twoIntegers(String fn) {
        return (t, c) -> {
            for (String type : t) {
                // a NULL argument is allowed and gives NULL, as in ClickHouse
                if (!HogQLTypes.cat(type).equals("int") && !HogQLTypes.cat(type).equals("null")) {
                    throw new HogQLResolutionException(fn + " expects two integers, got " + t.get(0) + " and " + t.get(1), c);
                }
            }
            return nullableIf(t.get(0).startsWith("Nullable(") || t.get(1).startsWith("Nullable("),
                    IntegerArithmetic.bitsType(t, c));
        };
    }

    /** Argument {@code i} of a bit function, which must be an integer (ClickHouse's "Illegal type" otherwise). */
    private static Frag bitArg(PostgresPrinter p, Expr.Call c, String name, int i) {
        Frag x = p.expr(c.args().get(i));
        if (cat(x).equals("null")) {
            return new Frag("NULL::bigint", "Nullable(Int64)"); // ClickHouse: a NULL argument gives NULL
        }
        if (!cat(x).equals("int")) {
            throw new HogQLResolutionException(c.name() + " expects integers, got " + x.type(), c);
        }
        return x;
    }

    private static Frag bitPair(PostgresPrinter p, Expr.Call c, String name, String op) {
        Frag x = bitArg(p, c, name, 0);
        Frag y = bitArg(p, c, name, 1);
        Frag wide = IntegerArithmetic.bits(op, x, PostgresPrinter.integerLiteral(c.args().get(0)), y,
                PostgresPrinter.integerLiteral(c.args().get(1)));
        if (wide != null) {
            return wide; // past 64 bits, or a UInt64 past bigint: ClickHouse's width and sign
        }
        return f("((" + x.sql() + ")::bigint " + op + " (" + y.sql() + ")::bigint)", nullableIf(nullable(x) || nullable(y), "Int64"));
    }

    private static boolean nullable(Frag x) {
        return x.type().startsWith("Nullable(");
    }

    private static Frag f(String sql, String type) {
        return new Frag(sql, type);
    }

    private static String cat(Frag f) {
        return HogQLTypes.cat(f.type());
    }

    private static String nullableIf(boolean nullable, String type) {
        return nullable ? HogQLTypes.nullable(type) : type;
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
        Frag dt = Dates.toDateTime(p, x);
        return f("(date_bin('" + width + "', " + Dates.localTs(p, x) + ", TIMESTAMP '2000-01-01') AT TIME ZONE "
                + Dates.zoneOf(p, dt.type()) + ")", p.nullableLike(x, dt.type()));
    }

    /** ClickHouse age(unit, a, b): whole units elapsed from a to b (dateDiff counts unit boundaries instead). */
    private static Frag age(PostgresPrinter p, String unit, Frag a, Frag b) {
        String seconds = "(extract(epoch from " + Dates.toDateTime(p, b).sql() + ") - extract(epoch from " + Dates.toDateTime(p, a).sql() + "))";
        String la = Dates.localTs(p, a);
        String lb = Dates.localTs(p, b);
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
        String l = Dates.localTs(p, x);
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
        List<String> types = HogQLTypes.tupleTypes(t.type());
        if (i < 1 || i > types.size()) {
            throw new HogQLResolutionException("tupleElement index " + i + " is out of range", c);
        }
        String type = types.get((int) i - 1);
        String text = "(" + t.sql() + " ->> " + (i - 1) + ")";
        String sql = switch (HogQLTypes.cat(type)) {
            case "string", "null" -> text;
            case "json" -> "(" + t.sql() + " -> " + (i - 1) + ")";
            case "array" -> throw new HogQLResolutionException("tupleElement of an array element is not supported", c);
            default -> text + "::" + HogQLTypes.pgType(type);
        };
        return f(sql, type);
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
