package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.like;
import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.Functions.TypeRule;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * PostHog's (ClickHouse's) scalar functions beyond the core set of {@link CoreFunctions}, as entries of the function
 * table ({@link Functions}): arithmetic, comparison and logic as functions, mathematics, strings, URLs, intervals and
 * date arithmetic, JSON and tuples. Each entry is a type rule (argument types → result type, read by the typing pass)
 * and how it prints PostgreSQL that gives ClickHouse's answer; where ClickHouse would fail the whole query (division
 * by zero, the log of a negative number) the value is NULL instead. Names PostHog has and Quarry does not are refused
 * by {@link FunctionCatalog}.
 */
final class ScalarFunctions {
    /** The units dateTrunc answers with a Date, as ClickHouse does. */
    private static final List<String> DATE_TRUNC_UNITS = List.of("year", "quarter", "month", "week");

    private ScalarFunctions() {}

    static void register() {
        arithmetic("plus", "+");
        arithmetic("minus", "-");
        arithmetic("multiply", "*");
        arithmetic("divide", "/");
        arithmetic("modulo", "%");
        // typed as modulo (ClickHouse's ResultOfModulo: moduloOrZero(7, 3) UInt8, moduloOrZero(-7, 3) Int16)
        scalar("moduloOrZero", 2, 2, (t, c) -> HogQLTypes.base(IntegerArithmetic.type("%", t.get(0), arg(c, 0), t.get(1),
                        arg(c, 1))),
                (p, c, name) -> {
                    Frag x = p.expr(c.args().get(0));
                    Frag y = p.expr(c.args().get(1));
                    // the zero divisor (and, of integers, -1: the smallest Int64 by -1 fails in modulo) is answered
                    // before modulo's own checks (which fail the query) are reached
                    boolean ints = HogQLTypes.cat(x.type()).equals("int") && HogQLTypes.cat(y.type()).equals("int");
                    return "(CASE WHEN (" + p.num(y) + ") = 0 THEN 0" + (ints ? " WHEN (" + p.num(y) + ") = -1 THEN 0"
                            : "") + " ELSE coalesce(" + p.arithmeticSql("%", x, y) + ", 0) END)";
                });
        scalar("positiveModulo", 2, 2, (t, c) -> {
            String narrow = IntegerArithmetic.narrowType("positiveModulo", t.get(0), t.get(1));
            return narrow != null ? narrow : HogQLTypes.arithmetic("%", t.get(0), t.get(1));
        }, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            String m = p.arithmeticSql("%", x, y);
            String ys = p.num(y);
            return "(CASE WHEN " + m + " < 0 THEN " + m + " + abs(" + ys + ") ELSE " + m + " END)";
        });
        CallPrinter intdivFn = (p, c, name) -> {
            List<Expr> a = c.args();
            // integer division truncating toward zero, as ClickHouse's; dividing by zero, the smallest Int64 by -1 or
            // floats to a quotient past Int64 fails the query in ClickHouse (ILLEGAL_DIVISION), intDivOrZero gives 0;
            // div() is exact where numeric "/" rounds a 19-digit quotient to 16 significant digits
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            boolean orZero = !name.equals("intdiv");
            String xs = p.num(x);
            String ys = p.num(y);
            if (p.numType(x).equals("Int64") && p.numType(y).equals("Int64") && !IntegerArithmetic.isNumericSql(x)
                    && !IntegerArithmetic.isNumericSql(y)) {
                String min = IntegerArithmetic.INT64_MIN;
                return "(CASE WHEN " + ys + " = 0 THEN " + (orZero ? "0" : IntegerArithmetic.raise("Division by zero",
                        "illegal_division", "bigint")) + " WHEN " + ys + " = -1 AND " + xs + " = " + min + " THEN "
                        + (orZero ? "0" : IntegerArithmetic.raise("Division of minimal signed number by minus one",
                        "illegal_division", "bigint")) + " ELSE " + xs + " / " + ys + " END)";
            }
            String fits = "abs((" + xs + ")::float8 / NULLIF((" + ys + ")::float8, 0)) < 9.2e18";
            return "(CASE WHEN (" + xs + ") IS NULL OR (" + ys + ") IS NULL THEN NULL WHEN " + fits
                    + " THEN div((" + xs + ")::numeric, NULLIF((" + ys + ")::numeric, 0))::bigint ELSE "
                    + (orZero ? "0" : IntegerArithmetic.raise("Cannot perform integer division, because it will "
                    + "produce infinite or too large number", "illegal_division", "bigint")) + " END)";
        };
        TypeRule intdivType = (t, c) -> {
            String narrow = IntegerArithmetic.narrowType("intDiv", t.get(0), t.get(1));
            return narrow != null ? narrow : allTypes(t).stream().anyMatch(x -> x.startsWith("Nullable(")
                    || HogQLTypes.cat(x).equals("null")) ? "Nullable(Int64)" : "Int64";
        };
        // ClickHouse's type (the dividend's width: intDiv(7, 2) UInt8), the value wrapped into it where it may not fit
        CallPrinter intdivTyped = (p, c, name) -> IntegerArithmetic.fitted(intdivFn.print(p, c, name), p.type(c),
                p.type(c.args().get(0)), p.type(c.args().get(1)));
        scalar("intDiv", 2, 2, intdivType, intdivTyped);
        scalar("intDivOrZero", 2, 2, intdivType, intdivTyped);
        // bits: ClickHouse's bitAnd of two integers (PostgreSQL's &; other types are ClickHouse's "Illegal type")
        scalar("bitAnd", 2, 2, twoIntegers("bitAnd"), (p, a, c, name) -> {
            String wide = IntegerArithmetic.bitsSql("&", a, c); // past bigint: ClickHouse's width and sign
            return wide != null ? wide : IntegerArithmetic.fitted("(" + a.get(0).sql() + "::bigint & " + a.get(1).sql()
                    + "::bigint)", p.type(c), a.get(0).type(), a.get(1).type());
        });
        // ClickHouse's bitXor of two integers (PostgreSQL's #), added as this one entry (issue 17's example)
        scalar("bitXor", 2, 2, twoIntegers("bitXor"), (p, a, c, name) -> {
            String wide = IntegerArithmetic.bitsSql("#", a, c);
            return wide != null ? wide : IntegerArithmetic.fitted("(" + a.get(0).sql() + "::bigint # " + a.get(1).sql()
                    + "::bigint)", p.type(c), a.get(0).type(), a.get(1).type());
        });
        // ClickHouse's bitOr, bitShiftLeft, bitShiftRight, bitTest and bitCount over 64-bit integers (issue 18: the
        // lifecycle and stickiness runners combine per-person activity bitmaps with them). A shift by less than 0 or
        // more than 63 positions gives 0 (PostgreSQL's shift of a bigint is only defined within 0..63).
        scalar("bitOr", 2, 2, twoIntegers("bitOr"), (p, a, c, name) -> {
            String wide = IntegerArithmetic.bitsSql("|", a, c);
            return wide != null ? wide : IntegerArithmetic.fitted("((" + bitArg(p, c, 0) + ")::bigint | ("
                    + bitArg(p, c, 1) + ")::bigint)", p.type(c), a.get(0).type(), a.get(1).type());
        });
        CallPrinter shiftFn = (p, c, name) -> {
            String x = bitArg(p, c, 0);
            String n = bitArg(p, c, 1);
            String op = name.equalsIgnoreCase("bitShiftLeft") ? " << " : " >> ";
            // a NULL shift is NULL, as ClickHouse passes NULL through (it fell to the ELSE's 0)
            return "(CASE WHEN " + n + " IS NULL THEN NULL WHEN " + n + " BETWEEN 0 AND 63 THEN (" + x + ")::bigint" + op
                    + "(" + n + ")::int ELSE 0 END)";
        };
        // ClickHouse types a shift as its first argument (bitShiftLeft(99, 2) is UInt8 140: 396 wrapped into 8 bits,
        // its docs' example); an argument narrower than 64 bits is shifted in bigint and wrapped into its width
        TypeRule shiftType = (t, c) -> {
            String bits = BITS.type(t, c);
            String first = t.get(0);
            return HogQLTypes.cat(first).equals("int") && IntegerArithmetic.width(first) < 64 ? first : bits;
        };
        CallPrinter shiftTyped = (p, c, name) -> {
            String sql = shiftFn.print(p, c, name);
            String type = p.type(c);
            return HogQLTypes.cat(type).equals("int") && IntegerArithmetic.width(type) < 64
                    ? "hogql_wrap_narrow((" + sql + ")::numeric, " + IntegerArithmetic.width(type) + ", "
                    + !HogQLTypes.base(type).startsWith("UInt") + ")" : sql;
        };
        scalar("bitShiftLeft", 2, 2, shiftType, shiftTyped);
        scalar("bitShiftRight", 2, 2, shiftType, shiftTyped);
        // bitTest and bitCount are UInt8 in ClickHouse (a bit, a count of at most 64)
        TypeRule uint8Bits = (t, c) -> BITS.type(t, c).startsWith("Nullable(") ? "Nullable(UInt8)" : "UInt8";
        scalar("bitTest", 2, 2, uint8Bits, (p, c, name) -> {
            String x = bitArg(p, c, 0);
            String n = bitArg(p, c, 1);
            return "(CASE WHEN " + n + " BETWEEN 0 AND 63 THEN ((" + x + ")::bigint >> (" + n + ")::int) & 1 ELSE 0 END)";
        });
        scalar("bitCount", 1, 1, uint8Bits, (p, c, name) -> "bit_count((" + bitArg(p, c, 0) + ")::bigint::bit(64))");
        // negate(x) is -x (an integer's wraps: negate(-9223372036854775808) is -9223372036854775808). ClickHouse's
        // ResultOfNegate: a signed integer keeps its type (negate(-1) Int8 1; negate(-128) Int8 -128, wrapped), an
        // unsigned one is the signed type twice as wide (negate(1) Int16; UInt64 Int64)
        scalar("negate", 1, 1, (t, c) -> HogQLTypes.base(t.get(0)).matches("Int(8|16|32|64)") ? t.get(0)
                        : HogQLTypes.cat(t.get(0)).equals("int")
                        ? IntegerArithmetic.type("-", "UInt8", new Expr.Constant(0L), t.get(0), arg(c, 0))
                        : HogQLTypes.nullableLike(t.get(0), HogQLTypes.numType(t.get(0))),
                (p, c, name) -> {
                    String sql = p.expr(new Expr.Negate(c.args().get(0))).sql();
                    String type = p.type(c);
                    return HogQLTypes.base(type).matches("Int(8|16|32)")
                            ? "hogql_wrap_narrow((" + sql + ")::numeric, " + IntegerArithmetic.width(type) + ", true)"
                            : sql;
                });
        CallPrinter gcdFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            Frag y = p.expr(a.get(1));
            // an integer as it is (trunc would read it as a double and round 2^63 - 1 up, out of bigint's range)
            String xs = HogQLTypes.cat(x.type()).equals("int") ? "(" + x.sql() + ")::bigint" : "trunc(" + p.num(x) + ")::bigint";
            String ys = HogQLTypes.cat(y.type()).equals("int") ? "(" + y.sql() + ")::bigint" : "trunc(" + p.num(y) + ")::bigint";
            return "(CASE " + BitFunctions.gcdChecks(x.type(), xs, y.type(), ys, p.type(c)) + " ELSE "
                    + BitFunctions.gcdValue(name, xs, ys, p.type(c)) + " END)";
        };
        scalar("gcd", 2, 2, BitFunctions.GCD_TYPE, gcdFn);
        scalar("lcm", 2, 2, BitFunctions.GCD_TYPE, gcdFn);
        CallPrinter max2Fn = (p, c, name) -> {
            List<Expr> a = c.args();
            return (name.equals("max2") ? "GREATEST(" : "LEAST(") + "(" + p.num(p.expr(a.get(0))) + ")::float8, ("
                    + p.num(p.expr(a.get(1))) + ")::float8)";
        };
        scalar("max2", 2, 2, returns("Float64"), max2Fn);
        scalar("min2", 2, 2, returns("Float64"), max2Fn);
        // ---------------------------------------------------------------- comparison and logic
        comparison("equals", "=");
        comparison("notEquals", "!=");
        comparison("less", "<");
        comparison("greater", ">");
        comparison("lessOrEquals", "<=");
        comparison("greaterOrEquals", ">=");
        comparison("in", "in");
        comparison("notIn", "not in");
        scalar("and", 2, -1, returns(HogQLTypes.BOOL), (p, c, name) -> p.expr(new Expr.And(c.args())).sql());
        scalar("or", 2, -1, returns(HogQLTypes.BOOL), (p, c, name) -> p.expr(new Expr.Or(c.args())).sql());
        scalar("not", 1, 1, returns(HogQLTypes.BOOL), (p, c, name) -> p.expr(new Expr.Not(c.args().get(0))).sql());
        scalar("xor", 2, -1, returns("Bool"), (p, c, name) -> "((" + c.args().stream()
                .map(x -> "(" + p.bool(p.expr(x)) + ")::int").collect(Collectors.joining(" + ")) + ") % 2 = 1)");
        // ---------------------------------------------------------------- mathematics
        scalar("e", 0, 0, returns("Float64"), (p, a, c, name) -> "exp(1::float8)");
        scalar("pi", 0, 0, returns("Float64"), (p, a, c, name) -> "pi()");
        // ClickHouse's Float64 functions are C's: NaN outside the domain, -inf at the log's pole, inf past the largest
        // double, 0 below the smallest (V73_1) — never NULL or PostgreSQL's "out of range"
        for (String fn : List.of("atan", "asinh", "cbrt", "radians")) {
            math(fn, fn + "(%s)", null, null);
        }
        for (String fn : List.of("sin", "cos", "tan")) {
            math(fn, fn + "(%s)", "abs(%s) < 'Infinity'::float8", NAN);
        }
        math("degrees", "(CASE WHEN abs(%s) < 1e300 THEN degrees(%s) ELSE hogql_fdivide(%s, 0.017453292519943295) END)",
                null, null);
        math("exp", "hogql_fexp(%s)", null, null);
        math("sinh", "hogql_fsinh(%s)", null, null);
        math("cosh", "hogql_fcosh(%s)", null, null);
        math("exp2", "hogql_fpow(2::float8, %s)", null, null);
        math("exp10", "hogql_fpow(10::float8, %s)", null, null);
        String logPole = "(CASE WHEN %s = 0 THEN '-Infinity'::float8 ELSE " + NAN + " END)";
        math("log", "ln(%s)", "%s > 0", logPole);
        math("ln", "ln(%s)", "%s > 0", logPole);
        math("log2", "log(2::numeric, (%s)::numeric)::float8", "%s > 0", logPole);
        math("log10", "log10(%s)", "%s > 0", logPole);
        math("log1p", "ln(1 + %s)", "%s > -1", "(CASE WHEN %s = -1 THEN '-Infinity'::float8 ELSE " + NAN + " END)");
        math("sqrt", "sqrt(%s)", "%s >= 0", NAN);
        math("asin", "asin(%s)", "abs(%s) <= 1", NAN);
        math("acos", "acos(%s)", "abs(%s) <= 1", NAN);
        math("atanh", "atanh(%s)", "abs(%s) <= 1", NAN);
        math("acosh", "acosh(%s)", "%s >= 1", NAN);
        scalar("sign", 1, 1, like(0, "Int64"), (p, c, name) -> "sign(" + p.num(p.expr(c.args().get(0))) + ")::bigint");
        scalar("factorial", 1, 1, returns("Nullable(Int64)"), (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            // ClickHouse: factorial of a negative number is 1; above 20 it is an error (NULL here)
            return "(CASE WHEN " + p.num(x) + " <= 20 THEN factorial(GREATEST(trunc(" + p.num(x)
                    + "), 0)::bigint)::bigint END)";
        });
        CallPrinter intexp2Fn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            String base = name.equals("intexp2") ? "2" : "10";
            return "(CASE WHEN " + p.num(x) + " < " + (base.equals("2") ? "63" : "19") + " THEN power(" + base
                    + "::numeric, GREATEST(trunc(" + p.num(x) + "), 0))::bigint END)";
        };
        scalar("intExp2", 1, 1, returns("Nullable(Int64)"), intexp2Fn);
        scalar("intExp10", 1, 1, returns("Nullable(Int64)"), intexp2Fn);
        // C's pow (V73_1): a negative base to a fractional power is NaN, 0 to a negative power inf, overflow inf
        CallPrinter powFn = (p, c, name) -> {
            List<Expr> a = c.args();
            return "hogql_fpow((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)";
        };
        TypeRule powType = (t, c) -> allTypes(t).stream().anyMatch(x -> x.startsWith("Nullable(")
                || HogQLTypes.cat(x).equals("null")) ? "Nullable(Float64)" : "Float64";
        scalar("pow", 2, 2, powType, powFn);
        scalar("power", 2, 2, powType, powFn);
        scalar("atan2", 2, 2, returns("Float64"), (p, c, name) -> "atan2((" + p.num(p.expr(c.args().get(0)))
                + ")::float8, (" + p.num(p.expr(c.args().get(1))) + ")::float8)");
        scalar("hypot", 2, 2, returns("Float64"), (p, c, name) -> {
            List<Expr> a = c.args();
            // the squares of large values pass the largest double: inf only when the result does (V73_1)
            return "hogql_fhypot((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1))) + ")::float8)";
        });
        scalar("width_bucket", 4, 4, returns("Int64"), (p, c, name) -> {
            List<Expr> a = c.args();
            return "width_bucket((" + p.num(p.expr(a.get(0))) + ")::float8, (" + p.num(p.expr(a.get(1)))
                    + ")::float8, (" + p.num(p.expr(a.get(2))) + ")::float8, " + p.int4(p.expr(a.get(3))) + ")::bigint";
        });
        // trunc(x[, places]): an integer with places ≥ 0 stays as it is
        TypeRule truncType = (t, c) -> {
            long places = c.args().size() == 2 ? ConstantArgs.constSigned(c.args().get(1), "trunc precision") : 0;
            return HogQLTypes.cat(t.get(0)).equals("int") ? t.get(0) : HogQLTypes.nullableLike(t.get(0), "Float64");
        };
        CallPrinter truncFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long places = a.size() == 2 ? ConstantArgs.constSigned(a.get(1), "trunc precision") : 0;
            if (HogQLTypes.cat(x.type()).equals("int")) {
                return IntegerRounding.sql("trunc", x, a.get(0), places, c); // stays an integer, as ClickHouse's
            }
            return "trunc((" + p.num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8";
        };
        scalar("trunc", 1, 2, truncType, truncFn);
        scalar("truncate", 1, 2, truncType, truncFn);
        scalar("roundBankers", 1, 2, (t, c) -> {
            if (c.args().size() == 2) {
                ConstantArgs.constSigned(c.args().get(1), "roundBankers precision");
            }
            return HogQLTypes.nullableLike(t.get(0), "Float64");
        }, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long places = a.size() == 2 ? ConstantArgs.constSigned(a.get(1), "roundBankers precision") : 0;
            places = Math.max(-20, Math.min(20, places));
            // float8 round() rounds half to even; a double from 2^52 up is already whole (round(1e308, 2) is 1e308,
            // where x * 10^places passed the largest double), as are NaN and inf (PostgreSQL orders NaN above all)
            String v = "(" + p.num(x) + ")::float8";
            if (places < 0) {
                return "hogql_fdivide(round(hogql_fmultiply(" + v + ", 1e" + places + ")), 1e" + places + ")";
            }
            return "(CASE WHEN abs(" + v + ") >= 4503599627370496 THEN " + v + " ELSE round(" + v + " * 1e" + places
                    + ") / 1e" + places + " END)";
        });
        CallPrinter isfiniteFn = (p, c, name) -> {
            String x = "(" + p.num(p.expr(c.args().get(0))) + ")::float8";
            return switch (name) {
                case "isfinite" -> "(" + x + " NOT IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8))";
                case "isinfinite" -> "(" + x + " IN ('Infinity'::float8, '-Infinity'::float8))";
                default -> "(" + x + " = 'NaN'::float8)";
            };
        };
        scalar("isFinite", 1, 1, returns("Bool"), isfiniteFn);
        scalar("isInfinite", 1, 1, returns("Bool"), isfiniteFn);
        scalar("isNaN", 1, 1, returns("Bool"), isfiniteFn);
        scalar("ifNotFinite", 2, 2, returns("Float64"), (p, c, name) -> {
            List<Expr> a = c.args();
            String x = "(" + p.num(p.expr(a.get(0))) + ")::float8";
            String y = "(" + p.num(p.expr(a.get(1))) + ")::float8";
            return "(CASE WHEN " + x + " IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN " + y
                    + " ELSE " + x + " END)";
        });
        // ---------------------------------------------------------------- strings
        scalar("lengthUTF8", 1, 1, like(0, "UInt64"),
                (p, c, name) -> "char_length(" + p.str(p.expr(c.args().get(0))) + ")::bigint");
        CallPrinter lowerutf8Fn = (p, c, name) -> (name.startsWith("lower") ? "lower(" : "upper(")
                + p.str(p.expr(c.args().get(0))) + ")";
        scalar("lowerUTF8", 1, 1, like(0, "String"), lowerutf8Fn);
        scalar("upperUTF8", 1, 1, like(0, "String"), lowerutf8Fn);
        // PostgreSQL text is always valid UTF-8
        scalar("isValidUTF8", 1, 1, returns("Bool"), (p, c, name) -> "TRUE");
        scalar("toValidUTF8", 1, 1, like(0, "String"), (p, c, name) -> p.str(p.expr(c.args().get(0))));
        // reverse of an array is arrayReverse
        TypeRule reverseType = (t, c) -> HogQLTypes.cat(t.get(0)).equals("array") ? t.get(0)
                : HogQLTypes.nullableLike(t.get(0), "String");
        CallPrinter reverseFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            if (cat(x).equals("array")) {
                return p.call(new Expr.Call("arrayReverse", a, null, false)).sql();
            }
            // reverse counts bytes as ClickHouse's (V58_2), reverseUTF8 characters
            return name.equals("reverse") ? "hogql_reverse_bytes(" + p.str(x) + ")" : "reverse(" + p.str(x) + ")";
        };
        scalar("reverse", 1, 1, reverseType, reverseFn);
        scalar("reverseUTF8", 1, 1, reverseType, reverseFn);
        CallPrinter trimleftFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String chars = a.size() == 2 ? ", " + p.str(p.expr(a.get(1))) : "";
            return (name.equals("trimleft") ? "ltrim(" : "rtrim(") + p.str(x) + chars + ")";
        };
        // trimLeft(s[, chars]), trimRight(s[, chars]): TRIM(LEADING / TRAILING chars FROM s)
        scalar("trimLeft", 1, 2, like(0, "String"), trimleftFn);
        scalar("trimRight", 1, 2, like(0, "String"), trimleftFn);
        scalar("ascii", 1, 1, returns("Int64"), (p, c, name) -> "ascii(" + p.str(p.expr(c.args().get(0))) + ")::bigint");
        scalar("base64Encode", 1, 1, like(0, "String"), (p, c, name) -> "translate(encode(convert_to("
                + p.str(p.expr(c.args().get(0))) + ", 'UTF8'), 'base64'), E'\\n', '')");
        CallPrinter base64DecodeFn = (p, c, name) -> "hogql_base64_decode(" + p.str(p.expr(c.args().get(0))) + ")";
        scalar("base64Decode", 1, 1, like(0, "String"), base64DecodeFn);
        scalar("tryBase64Decode", 1, 1, like(0, "String"), base64DecodeFn);
        scalar("encodeXMLComponent", 1, 1, like(0, "String"), (p, c, name) -> "replace(replace(replace(replace(replace("
                + p.str(p.expr(c.args().get(0))) + ", '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), "
                + "'\"', '&quot;'), '''', '&apos;')");
        scalar("decodeXMLComponent", 1, 1, like(0, "String"), (p, c, name) -> "replace(replace(replace(replace(replace("
                + p.str(p.expr(c.args().get(0))) + ", '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), "
                + "'&apos;', ''''), '&amp;', '&')");
        CallPrinter leftpadFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            String fill = a.size() == 3 ? p.str(p.expr(a.get(2))) : "' '";
            // a result past a million characters is refused (V122_1), never cut short
            String len = "quarry_padded_length(" + p.int4(p.expr(a.get(1))) + ")";
            if (!name.endsWith("utf8")) {
                // leftPad / rightPad count bytes as ClickHouse's (V58_2), the -UTF8 twins characters
                return "hogql_pad_bytes(" + p.str(x) + ", " + len + ", " + fill + ", " + name.startsWith("left") + ")";
            }
            return (name.startsWith("left") ? "lpad(" : "rpad(") + p.str(x) + ", " + len + ", " + fill + ")";
        };
        scalar("leftPad", 2, 3, like(0, "String"), leftpadFn);
        scalar("rightPad", 2, 3, like(0, "String"), leftpadFn);
        scalar("leftPadUTF8", 2, 3, like(0, "String"), leftpadFn);
        scalar("rightPadUTF8", 2, 3, like(0, "String"), leftpadFn);
        scalar("repeat", 2, 2, like(0, "String"), (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            // a result past a million characters is refused (V122_1), so that one call cannot build a gigabyte string
            return "repeat(" + p.str(x) + ", quarry_repeat_times(length(" + p.str(x) + "), " + p.int4(p.expr(a.get(1)))
                    + "))";
        });
        // #funnel_ordered_times(steps, window seconds, step 1 times, …, step n times): #funnel_ordered's answer (V41_2)
        // for an actor whose step times were gathered by #step_times (sorted; NULL: none)
        scalar(Functions.FUNNEL_ORDERED_TIMES, 3, -1, returns("Array(Float64)"), (p, c, name) -> {
            List<Expr> a = c.args();
            int n = a.size() - 2;
            List<String> times = new ArrayList<>();
            List<String> counts = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                String t = "coalesce(" + p.expr(a.get(2 + k)).sql() + ", '{}'::timestamptz[])";
                times.add(t);
                counts.add("cardinality(" + t + ")");
            }
            StringBuilder first = new StringBuilder("ARRAY[1::float8, extract(epoch FROM (" + times.get(0)
                    + ")[1])::float8");
            for (int k = 1; k < n; k++) {
                first.append(", NULL::float8");
            }
            first.append(']');
            String scan = "quarry_funnel_ordered_counts(" + String.join(" || ", times) + ", ARRAY["
                    + String.join(", ", counts) + "]::int[], (" + p.expr(a.get(0)).sql() + ")::int, ("
                    + p.expr(a.get(1)).sql() + ")::float8)";
            return "CASE WHEN " + counts.get(0) + " = 0 THEN NULL" + (n == 1 ? " ELSE " + first
                    : " WHEN " + counts.get(1) + " = 0 THEN " + first + " ELSE " + scan) + " END";
        });
        // substringUTF8: characters, an offset from 1, a negative one from the end, 0 gives '', a negative length
        // stops that many characters before the end (V67_1)
        scalar("substringUTF8", 2, 3, like(0, "String"), (p, c, name) -> {
            List<Expr> a = c.args();
            return "hogql_substring_utf8(" + p.str(p.expr(a.get(0))) + ", " + p.int4(p.expr(a.get(1))) + ", "
                    + (a.size() == 3 ? p.int4(p.expr(a.get(2))) : "2147483647") + ")";
        });
        scalar("appendTrailingCharIfAbsent", 2, 2, like(0, "String"), (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            String ch = p.str(p.expr(a.get(1)));
            return "(CASE WHEN " + s + " = '' OR right(" + s + ", length(" + ch + ")) = " + ch + " THEN " + s + " ELSE "
                    + s + " || " + ch + " END)";
        });
        scalar("concatWithSeparator", 2, -1, returns("String"), (p, c, name) -> "concat_ws("
                + c.args().stream().map(x -> p.str(p.expr(x))).collect(Collectors.joining(", ")) + ")");
        // positionUTF8 counts characters; positionCaseInsensitive bytes with ASCII letters folded (ClickHouse's), its
        // UTF8 twin characters with all letters folded; each takes a start position
        CallPrinter positionsFn = (p, c, name) -> {
            List<Expr> a = c.args();
            boolean ci = name.contains("caseinsensitive");
            boolean utf8 = name.endsWith("utf8");
            String h = p.str(p.expr(a.get(0)));
            String n = p.str(p.expr(a.get(1)));
            if (ci) {
                h = utf8 ? "lower(" + h + ")" : CoreFunctions.asciiLower(h);
                n = utf8 ? "lower(" + n + ")" : CoreFunctions.asciiLower(n);
            }
            String start = a.size() == 3 ? p.int4(p.expr(a.get(2))) : "1";
            if (!utf8) {
                return "hogql_position_bytes(" + h + ", " + n + ", " + start + ")";
            }
            if (a.size() == 2) {
                return "strpos(" + h + ", " + n + ")::bigint";
            }
            return "(CASE WHEN " + start + " < 1 THEN 0 ELSE (SELECT CASE WHEN x > 0 THEN x + " + start
                    + " - 1 ELSE 0 END FROM (SELECT strpos(substr(" + h + ", " + start + "), " + n + ") AS x) k) END)::bigint";
        };
        scalar("positionUTF8", 2, 3, returns("Int64"), positionsFn);
        scalar("positionCaseInsensitive", 2, 3, returns("Int64"), positionsFn);
        scalar("positionCaseInsensitiveUTF8", 2, 3, returns("Int64"), positionsFn);
        scalar("extractAll", 2, 2, returns("Array(String)"), (p, c, name) -> "hogql_extract_all("
                + p.str(p.expr(c.args().get(0))) + ", " + CoreFunctions.regex(p, c.args().get(1), true) + ")");
        CallPrinter countsubstringsFn = (p, c, name) -> {
            List<Expr> a = c.args();
            boolean ci = name.contains("caseinsensitive");
            String h = ci ? "lower(" + p.str(p.expr(a.get(0))) + ")" : p.str(p.expr(a.get(0)));
            String n = ci ? "lower(" + p.str(p.expr(a.get(1))) + ")" : p.str(p.expr(a.get(1)));
            return "coalesce(((length(" + h + ") - length(replace(" + h + ", " + n + ", ''))) / NULLIF(length(" + n
                    + "), 0))::bigint, 0)";
        };
        scalar("countSubstrings", 2, 2, returns("UInt64"), countsubstringsFn);
        scalar("countSubstringsCaseInsensitive", 2, 2, returns("UInt64"), countsubstringsFn);
        scalar("countSubstringsCaseInsensitiveUTF8", 2, 2, returns("UInt64"), countsubstringsFn);
        scalar("countMatches", 2, 2, returns("UInt64"), (p, c, name) -> "hogql_count_matches("
                + p.str(p.expr(c.args().get(0))) + ", " + CoreFunctions.regex(p, c.args().get(1), true) + ")");
        scalar("regexpExtract", 2, 3, returns("String"), (p, c, name) -> {
            List<Expr> a = c.args();
            String idx = a.size() == 3 ? p.int4(p.expr(a.get(2))) : "1";
            return "hogql_regexp_extract_group(" + p.str(p.expr(a.get(0))) + ", " + CoreFunctions.regex(p, a.get(1), true)
                    + ", " + idx + ")";
        });
        scalar("replace", 3, 3, like(0, "String"),
                (p, c, name) -> p.expr(new Expr.Call("replaceAll", c.args(), null, false)).sql());
        CallPrinter replaceregexpallFn = (p, c, name) -> {
            List<Expr> a = c.args();
            return "hogql_regexp_replace(" + p.str(p.expr(a.get(0))) + ", " + CoreFunctions.regex(p, a.get(1), true) + ", "
                    + p.str(p.expr(a.get(2))) + ", '" + (name.endsWith("all") ? "g" : "") + "')";
        };
        scalar("replaceRegexpAll", 3, 3, like(0, "String"), replaceregexpallFn);
        scalar("replaceRegexpOne", 3, 3, like(0, "String"), replaceregexpallFn);
        CallPrinter translateFn = (p, c, name) -> {
            List<Expr> a = c.args();
            return "translate(" + p.str(p.expr(a.get(0))) + ", " + p.str(p.expr(a.get(1))) + ", "
                    + p.str(p.expr(a.get(2))) + ")";
        };
        scalar("translate", 3, 3, like(0, "String"), translateFn);
        scalar("translateUTF8", 3, 3, like(0, "String"), translateFn);
        scalar("splitByString", 2, 2, returns("Array(String)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String sep = p.str(p.expr(a.get(0)));
            String s = p.str(p.expr(a.get(1)));
            return "(CASE WHEN " + sep + " = '' THEN regexp_split_to_array(" + s + ", '') ELSE string_to_array(" + s
                    + ", " + sep + ") END)";
        });
        scalar("splitByRegexp", 2, 2, returns("Array(String)"), (p, c, name) -> "hogql_regexp_split(" + p.str(p.expr(c.args().get(1))) + ", "
                + CoreFunctions.regex(p, c.args().get(0), true) + ")");
        scalar("splitByWhitespace", 1, 1, returns("Array(String)"), (p, c, name) -> "ARRAY(SELECT m[1] FROM regexp_matches("
                + p.str(p.expr(c.args().get(0))) + ", '(\\S+)', 'g') AS m)");
        scalar("alphaTokens", 1, 1, returns("Array(String)"), (p, c, name) -> "ARRAY(SELECT m[1] FROM regexp_matches("
                + p.str(p.expr(c.args().get(0))) + ", '([a-zA-Z]+)', 'g') AS m)");
        scalar("arrayStringConcat", 1, 2, (t, c) -> {
            if (!HogQLTypes.cat(t.get(0)).equals("array")) {
                throw new HogQLResolutionException("arrayStringConcat expects an array", c);
            }
            return "String";
        }, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag arr = p.expr(a.get(0));
            String sep = a.size() == 2 ? p.str(p.expr(a.get(1))) : "''";
            String el = HogQLTypes.elementType(arr.type());
            String items = arr.sql();
            if (!HogQLTypes.cat(el).equals("string")) {
                String u = p.generatedAlias("s");
                items = "ARRAY(SELECT " + p.str(new Frag(u + ".\"v\"", el)) + " FROM unnest(" + arr.sql() + ") AS " + u
                        + "(\"v\"))";
            }
            return "array_to_string(" + items + ", " + sep + ")";
        });
        // ---------------------------------------------------------------- URLs
        url("protocol", "coalesce(substring(%s from '^([A-Za-z][A-Za-z0-9+.-]*):'), '')");
        url("domain", "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '')");
        url("domainWithoutWWW", "regexp_replace(coalesce(substring(%s from "
                + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), ''), '^www\\.', '')");
        url("topLevelDomain", "coalesce(substring(coalesce(substring(%s from "
                + "'^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)'), '') from '\\.([^.]+)$'), '')");
        url("netloc", "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)'), '')");
        url("path", "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*([^?#]*)'), '')");
        url("pathFull", "coalesce(substring(%s from '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*(.*)$'), '')");
        url("queryString", "coalesce(substring(%s from '\\?([^#]*)'), '')");
        url("fragment", "coalesce(substring(%s from '#(.*)$'), '')");
        url("queryStringAndFragment", "coalesce(substring(%s from '[?#](.*)$'), '')");
        url("cutWWW", "regexp_replace(%s, '^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)www\\.', '\\1')");
        url("cutQueryString", "regexp_replace(%s, '\\?[^#]*', '')");
        url("cutFragment", "regexp_replace(%s, '#.*$', '')");
        url("cutQueryStringAndFragment", "regexp_replace(%s, '[?#].*$', '')");
        url("encodeURLComponent", "hogql_url_encode(%s)");
        url("decodeURLComponent", "hogql_url_decode(%s)");
        scalar("extractURLParameters", 1, 1, returns("Array(String)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            return "coalesce(ARRAY(SELECT x FROM unnest(string_to_array(coalesce(substring(" + s
                    + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')";
        });
        scalar("extractURLParameterNames", 1, 1, returns("Array(String)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            return "coalesce(ARRAY(SELECT split_part(x, '=', 1) FROM unnest(string_to_array(coalesce(substring(" + s
                    + " from '\\?([^#]*)'), ''), '&')) AS x WHERE x <> ''), '{}')";
        });
        scalar("extractURLParameter", 2, 2, returns("String"), (p, c, name) -> {
            List<Expr> a = c.args();
            // the first value of the parameter, not decoded; '' when absent (ClickHouse's extractURLParameter)
            String s = p.str(p.expr(a.get(0)));
            String name2 = p.str(p.expr(a.get(1)));
            return "coalesce((SELECT substr(x, length(" + name2 + ") + 2) FROM unnest(string_to_array(coalesce(substring("
                    + s + " from '\\?([^#]*)'), ''), '&')) WITH ORDINALITY AS q(x, o) WHERE starts_with(x, " + name2
                    + " || '=') OR x = " + name2 + " ORDER BY o LIMIT 1), '')";
        });
        scalar("cutURLParameter", 2, 2, returns("String"), (p, c, name) -> {
            List<Expr> a = c.args();
            String s = p.str(p.expr(a.get(0)));
            String n = p.str(p.expr(a.get(1)));
            return "regexp_replace(regexp_replace(" + s + ", '([?&])' || regexp_replace(" + n
                    + ", '([^A-Za-z0-9_])', '\\\\\\1', 'g') || '(=[^&#]*)?(&|(?=#)|$)', '\\1', 'g'), '[?&](#|$)', '\\1')";
        });
        // formatReadableSize (1024s, KiB …), formatReadableDecimalSize (1000s, KB …), formatReadableQuantity (1000s,
        // thousand …): ClickHouse's formatReadable, two decimals (V119_2)
        for (String[] readable : new String[][] {
                {"formatReadableSize", "1024", "' B',' KiB',' MiB',' GiB',' TiB',' PiB',' EiB',' ZiB',' YiB'"},
                {"formatReadableDecimalSize", "1000", "' B',' KB',' MB',' GB',' TB',' PB',' EB',' ZB',' YB'"},
                {"formatReadableQuantity", "1000", "'',' thousand',' million',' billion',' trillion',' quadrillion'"}}) {
            scalar(readable[0], 1, 1, like(0, "String"), (p, c, name) -> "hogql_format_readable(("
                    + p.num(p.expr(c.args().get(0))) + ")::float8, " + readable[1] + ", ARRAY[" + readable[2] + "])");
        }
        // sortableSemVer(v): PostHog's (posthog.py) — the x.y.z of a semantic version (an optional 'v', a pre-release
        // or build suffix, blanks around) as an array of integers that sorts as versions do; anything else is [NULL],
        // which no comparison holds for
        scalar("sortableSemVer", 1, 1, returns("Array(Int64)"), (p, c, name) -> {
            String version = "substring(coalesce(" + p.str(p.expr(c.args().get(0))) + ", '') from "
                    + "'^\\s*v?((0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*))(?:[-+]\\S*)?\\s*$')";
            String u = p.generatedAlias("v");
            return "ARRAY(SELECT CASE WHEN " + u + ".\"e\" ~ '^[0-9]{1,18}$' THEN " + u + ".\"e\"::bigint END "
                    + "FROM unnest(string_to_array(coalesce(" + version + ", '_'), '.')) WITH ORDINALITY AS " + u
                    + "(\"e\", \"o\") ORDER BY " + u + ".\"o\")";
        });
        // ---------------------------------------------------------------- dates
        CallPrinter tointervalsecondFn = (p, c, name) -> p.intervalSql(p.expr(c.args().get(0)),
                name.substring("tointerval".length()));
        for (String u : List.of("Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter", "Year")) {
            scalar("toInterval" + u, 1, 1, returns("Interval"), tointervalsecondFn);
        }
        TypeRule timestampaddType = (t, c) -> {
            if (!HogQLTypes.cat(t.get(1)).equals("interval")) {
                throw new HogQLResolutionException(c.name() + " expects an interval as its second argument", c);
            }
            return HogQLTypes.arithmetic(c.name().toLowerCase(Locale.ROOT).endsWith("add") ? "+" : "-", t.get(0), t.get(1));
        };
        CallPrinter timestampaddFn = (p, c, name) -> p.arithmeticSql(name.endsWith("add") ? "+" : "-",
                p.expr(c.args().get(0)), p.expr(c.args().get(1)));
        scalar("timeStampAdd", 2, 2, timestampaddType, timestampaddFn);
        scalar("timeStampSub", 2, 2, timestampaddType, timestampaddFn);
        // ClickHouse: a Date for year, quarter, month and week, else a DateTime; the optional zone is read as toTimeZone
        scalar("dateTrunc", 2, 3, (t, c) -> {
            String unit = Dates.unitArg(c.args().get(0), "dateTrunc");
            String x = c.args().size() == 3 ? Dates.withZoneType(HogQLTypes.asDateTime(t.get(1)), c.args().get(2))
                    : t.get(1);
            return Dates.startOfType(x, DATE_TRUNC_UNITS.contains(unit));
        }, (p, c, name) -> {
            List<Expr> a = c.args();
            String unit = Dates.unitArg(a.get(0), "dateTrunc");
            Frag x = p.expr(a.get(1));
            if (a.size() == 3) {
                Frag dt = Dates.toDateTime(p, x);
                x = new Frag(dt.sql(), Dates.withZoneType(dt.type(), a.get(2)));
            }
            return Dates.startOfSql(p, x, unit, DATE_TRUNC_UNITS.contains(unit));
        });
        scalar("age", 3, 3, (t, c) -> {
            Dates.unitArg(c.args().get(0), "age");
            return "Int64";
        }, (p, c, name) -> age(p, Dates.unitArg(c.args().get(0), "age"), p.expr(c.args().get(1)),
                p.expr(c.args().get(2))));
        scalar("toStartOfSecond", 1, 1, (t, c) -> Dates.startOfType(t.get(0), false),
                (p, c, name) -> Dates.startOfSql(p, p.expr(c.args().get(0)), "second", false));
        bin("toStartOfFiveMinutes", "5 minutes");
        bin("toStartOfTenMinutes", "10 minutes");
        bin("toStartOfFifteenMinutes", "15 minutes");
        bin("timeSlot", "30 minutes");
        scalar("toStartOfISOYear", 1, 1, like(0, "Date"), (p, c, name) -> "date_trunc('week', make_date(extract(isoyear from "
                + Dates.localTs(p, p.expr(c.args().get(0))) + ")::int, 1, 4))::date");
        scalar("toLastDayOfMonth", 1, 1, like(0, "Date"), (p, c, name) -> "(date_trunc('month', "
                + Dates.localTs(p, p.expr(c.args().get(0))) + ") + INTERVAL '1 month' - INTERVAL '1 day')::date");
        scalar("toLastDayOfWeek", 1, 2, (t, c) -> {
            if (c.args().size() == 2) {
                ConstantArgs.constLong(c.args().get(1), "toLastDayOfWeek mode");
            }
            return HogQLTypes.nullableLike(t.get(0), "Date");
        }, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = p.expr(a.get(0));
            long mode = a.size() == 2 ? ConstantArgs.constLong(a.get(1), "toLastDayOfWeek mode") : 0;
            String start = mode % 2 == 1 ? "date_trunc('week', " + Dates.localTs(p, x) + ")::date"
                    : "(date_trunc('week', " + Dates.localTs(p, x) + " + INTERVAL '1 day')::date - 1)";
            return "(" + start + " + 6)";
        });
        scalar("toISOYear", 1, 1, like(0, "Int64"), (p, c, name) -> Dates.datePartSql(p, p.expr(c.args().get(0)), "isoyear"));
        scalar("toISOWeek", 1, 1, like(0, "Int64"), (p, c, name) -> Dates.datePartSql(p, p.expr(c.args().get(0)), "week"));
        scalar("toYYYYMM", 1, 1, like(0, "UInt32"),
                (p, c, name) -> "to_char(" + Dates.localTs(p, p.expr(c.args().get(0))) + ", 'YYYYMM')::bigint");
        scalar("toYYYYMMDD", 1, 1, like(0, "UInt32"),
                (p, c, name) -> "to_char(" + Dates.localTs(p, p.expr(c.args().get(0))) + ", 'YYYYMMDD')::bigint");
        scalar("toYYYYMMDDhhmmss", 1, 1, like(0, "UInt64"),
                (p, c, name) -> "to_char(" + Dates.localTs(p, p.expr(c.args().get(0))) + ", 'YYYYMMDDHH24MISS')::bigint");
        scalar("toUnixTimestamp64Milli", 1, 1, (t, c) -> HogQLTypes.nullableLike(HogQLTypes.asDateTime(t.get(0)), "Int64"),
                (p, c, name) -> "floor(extract(epoch from " + Dates.toDateTime(p, p.expr(c.args().get(0))).sql()
                        + ") * 1000)::bigint");
        // ClickHouse's fromUnixTimestamp of one argument takes an integer only: a String (to_timestamp('2024-01-01
        // 10:00:00')) or a Float fails with ILLEGAL_TYPE_OF_ARGUMENT, which PostHog shows as a 400
        scalar("fromUnixTimestamp", 1, 1, (t, c) -> {
            String cat = HogQLTypes.cat(t.get(0));
            if (!cat.equals("int") && !cat.equals("null") && !cat.equals("bool")) {
                throw new HogQLResolutionException("Illegal type " + HogQLTypes.resultColumn(t.get(0)) + " of first "
                        + "argument of function fromUnixTimestamp when arguments size is 1. Should be integer", c);
            }
            return HogQLTypes.asDateTime("Int64");
        }, (p, c, name) -> Dates.toDateTime(p,
                new Frag("trunc(" + p.num(p.expr(c.args().get(0))) + ")", "Int64")).sql());
        scalar("monthName", 1, 1, like(0, "String"),
                (p, c, name) -> "to_char(" + Dates.localTs(p, p.expr(c.args().get(0))) + ", 'FMMonth')");
        scalar("dateName", 2, 2, (t, c) -> {
            datePartFormat(c, "");
            return HogQLTypes.nullableLike(t.get(1), "String");
        }, (p, c, name) -> datePartFormat(c, Dates.localTs(p, p.expr(c.args().get(1)))));
        scalar("toModifiedJulianDay", 1, 1, (t, c) -> HogQLTypes.nullableLike(CoreFunctions.toDateType(t.get(0)), "Int32"),
                (p, c, name) -> "(" + p.expr(new Expr.Call("toDate", List.of(c.args().get(0)), null, false)).sql()
                        + " - DATE '1858-11-17')::bigint");
        scalar("fromModifiedJulianDay", 1, 1, like(0, "Date"),
                (p, c, name) -> "(DATE '1858-11-17' + " + p.int4(p.expr(c.args().get(0))) + ")");
        scalar("timeZoneOf", 1, 1, (t, c) -> {
            HogQLTypes.asDateTime(t.get(0));
            return "String";
        }, (p, c, name) -> {
            Frag x = Dates.toDateTime(p, p.expr(c.args().get(0)));
            return Dates.zoneOf(p, x.type());
        });
        scalar("timeZoneOffset", 1, 1, (t, c) -> HogQLTypes.nullableLike(HogQLTypes.asDateTime(t.get(0)), "Int32"),
                (p, c, name) -> {
                    Frag x = Dates.toDateTime(p, p.expr(c.args().get(0)));
                    return "extract(epoch from (" + Dates.localTs(p, x) + " - (" + x.sql() + " AT TIME ZONE 'UTC')))::bigint";
                });
        scalar("parseDateTimeBestEffort", 1, 1, returns(HogQLTypes.asDateTime("String")), (p, c, name) -> Dates.toDateTime(p,
                new Frag(p.str(p.expr(c.args().get(0))), "String")).sql());
        // addDays(date, n), subtractHours(date, n), …
        for (String u : List.of("Second", "Minute", "Hour", "Day", "Week", "Month", "Quarter", "Year")) {
            String unit = u.toLowerCase(Locale.ROOT);
            scalar("add" + u + "s", 2, 2, (t, c) -> HogQLTypes.arithmetic("+", t.get(0), "Interval"),
                    (p, c, name) -> p.arithmeticSql("+", p.expr(c.args().get(0)),
                            p.interval(p.expr(c.args().get(1)), unit)));
            scalar("subtract" + u + "s", 2, 2, (t, c) -> HogQLTypes.arithmetic("-", t.get(0), "Interval"),
                    (p, c, name) -> p.arithmeticSql("-", p.expr(c.args().get(0)),
                            p.interval(p.expr(c.args().get(1)), unit)));
        }
        scalar("toDecimal", 1, 1, (t, c) -> switch (HogQLTypes.cat(t.get(0))) {
            case "int", "float", "bool" -> HogQLTypes.nullableLike(t.get(0), "Float64");
            default -> "Nullable(Float64)";
        }, (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return switch (cat(x)) {
                case "int", "float", "bool" -> "(" + p.num(x) + ")::float8";
                default -> "hogql_to_float(" + p.str(x) + ")";
            };
        });
        scalar("toJSONString", 1, 1, returns("String"), (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            if (cat(x).equals("json")) {
                return "(" + x.sql() + ")::text";
            }
            if (cat(x).equals("datetime") || cat(x).equals("date")) {
                return "to_jsonb(" + p.str(x) + ")::text";
            }
            return "coalesce(to_jsonb(" + p.typed(x) + ")::text, 'null')";
        });
        scalar("assumeNotNull", 1, 1, (t, c) -> HogQLTypes.base(t.get(0)), (p, c, name) -> p.expr(c.args().get(0)).sql());
        scalar("toNullable", 1, 1, (t, c) -> HogQLTypes.nullable(t.get(0)), (p, c, name) -> p.expr(c.args().get(0)).sql());
        scalar("isValidJSON", 1, 1, returns("Bool"),
                (p, c, name) -> "(hogql_to_jsonb(" + p.str(p.expr(c.args().get(0))) + ") IS NOT NULL)");
        json("JSONLength", "UInt64");
        json("JSONArrayLength", "Nullable(UInt64)");
        json("JSONType", "String");
        json("JSONExtractUInt", "UInt64");
        json("JSONExtractRaw", "String");
        json("JSONExtractArrayRaw", "Array(String)");
        json("JSONExtractKeys", "Array(String)");
        scalar("tuple", 0, -1, (t, c) -> HogQLTypes.tupleOf(allTypes(t)),
                (p, c, name) -> Literals.tupleSql(c.args().stream().map(p::expr).toList()));
        scalar("tupleElement", 2, 2, ScalarFunctions::tupleElementType, ScalarFunctions::tupleElement);
        scalar("transform", 3, 4, ScalarFunctions::transformType, (p, c, name) -> p.expr(transform(c)).sql());
        scalar(Functions.COHORT, 1, 1, returns("Int64"), (p, c, name) -> {
            Long resolved = p.cohortId(c);
            if (resolved != null) {
                return Literals.sql(p, resolved);
            }
            // the team's cohorts were not looked up before compiling: the statement looks the cohort up itself, once
            // (an uncorrelated subquery), and fails with SQLSTATE QC404 when the team has no such cohort — PostHog's
            // 400 "Could not find cohort with ID …" (V28_1)
            Expr arg = c.args().get(0);
            Frag ref = arg instanceof Expr.Constant k && k.value() instanceof Long
                    ? Literals.constant(p, k.value()) : p.expr(arg);
            String typed = arg instanceof Expr.Constant k && k.value() instanceof Long ? ref.sql() + "::bigint"
                    : p.str(ref) + "::text";
            return "(SELECT quarry_cohort_ref($1, " + typed + "))";
        });
    }

    /** All argument types of a call. */
    static List<String> allTypes(Functions.ArgTypes t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            out.add(t.get(i));
        }
        return out;
    }

    /** {@code plus(a, b)} …: the operator's rule ({@link HogQLTypes#arithmetic}) and SQL. */
    private static void arithmetic(String name, String op) {
        scalar(name, 2, 2, (t, c) -> IntegerArithmetic.type(op, t.get(0), arg(c, 0), t.get(1), arg(c, 1)),
                (p, c, name2) -> p.arithmeticSql(op, c.args().get(0), c.args().get(1)));
    }

    /** Argument {@code i} of a call, or null when the call has none there (a rule asked with types only). */
    private static Expr arg(Expr.Call c, int i) {
        return c != null && c.args().size() > i ? c.args().get(i) : null;
    }

    /** {@code equals(a, b)} …: the comparison {@code a op b}. */
    private static void comparison(String name, String op) {
        scalar(name, 2, 2, returns(HogQLTypes.BOOL),
                (p, c, name2) -> p.expr(new Expr.Compare(op, c.args().get(0), c.args().get(1))).sql());
    }

    /**
     * The type rule of a function of two integers giving an integer ({@code bitAnd}): ClickHouse's (the widest
     * argument's bits, 64 at least, signed if either is: Int64 for two Int64), nullable if either is.
     */
    private static TypeRule twoIntegers(String fn) {
        return (t, c) -> {
            for (int i = 0; i < 2; i++) {
                // a NULL argument is allowed and gives NULL, as in ClickHouse
                if (!HogQLTypes.cat(t.get(i)).equals("int") && !HogQLTypes.cat(t.get(i)).equals("null")) {
                    throw new HogQLResolutionException(fn + " expects two integers, got " + t.get(0) + " and " + t.get(1), c);
                }
            }
            String narrow = IntegerArithmetic.narrowType("bit", t.get(0), t.get(1));
            return narrow != null ? narrow : nullableIf(t.get(0).startsWith("Nullable(")
                    || t.get(1).startsWith("Nullable("), IntegerArithmetic.bitsType(allTypes(t), c));
        };
    }

    /**
     * The rule of bitOr, the shifts, bitTest and bitCount: integer arguments (ClickHouse's "Illegal type" otherwise; a
     * NULL gives NULL), Int64, nullable when an argument is.
     */
    private static final TypeRule BITS = (t, c) -> {
        boolean nullable = false;
        for (int i = 0; i < t.size(); i++) {
            String x = t.get(i);
            if (!HogQLTypes.cat(x).equals("int") && !HogQLTypes.cat(x).equals("null")) {
                throw new HogQLResolutionException(c.name() + " expects integers, got " + x, c);
            }
            nullable |= x.startsWith("Nullable(");
        }
        return nullableIf(nullable, "Int64");
    };

    /** Argument {@code i} of a bit function (an integer or NULL: checked by {@link #BITS}). */
    private static String bitArg(PostgresPrinter p, Expr.Call c, int i) {
        Frag x = p.expr(c.args().get(i));
        return cat(x).equals("null") ? "NULL::bigint" : x.sql(); // ClickHouse: a NULL argument gives NULL
    }

    private static String cat(Frag f) {
        return HogQLTypes.cat(f.type());
    }

    private static String nullableIf(boolean nullable, String type) {
        return nullable ? HogQLTypes.nullable(type) : type;
    }

    /**
     * A numeric function of one argument ({@code template} with %s), Float64; {@code domain} (with %s) guards
     * arguments PostgreSQL would fail on, and then the result is nullable.
     */
    /** IEEE's NaN as SQL. */
    private static final String NAN = "'NaN'::float8";

    /**
     * A one-argument Float64 function (Float64 as in ClickHouse, NULL only for a NULL argument): {@code template}
     * (with %s for the argument) where {@code domain} holds, {@code outside} (SQL, with %s) elsewhere.
     */
    private static void math(String name, String template, String domain, String outside) {
        scalar(name, 1, 1, like(0, "Float64"), (p, c, lower) -> {
            String x = "(" + p.num(p.expr(c.args().get(0))) + ")::float8";
            String call = template.replace("%s", x);
            return domain == null ? call : "(CASE WHEN " + domain.replace("%s", x) + " THEN " + call + " WHEN " + x
                    + " IS NOT NULL THEN " + outside.replace("%s", x) + " END)";
        });
    }

    /** A URL function: {@code template} (with %s) over the URL as text; String, nullable when the URL is. */
    private static void url(String name, String template) {
        scalar(name, 1, 1, like(0, "String"), (p, c, lower) -> template.replace("%s", p.str(p.expr(c.args().get(0)))));
    }

    /** ClickHouse's toStartOfFiveMinutes and friends: the start of the bin in the value's time zone. */
    private static void bin(String name, String width) {
        scalar(name, 1, 1, (t, c) -> HogQLTypes.nullableLike(t.get(0), HogQLTypes.asDateTime(t.get(0))), (p, c, lower) -> {
            Frag x = p.expr(c.args().get(0));
            Frag dt = Dates.toDateTime(p, x);
            return "(date_bin('" + width + "', " + Dates.localTs(p, x) + ", TIMESTAMP '2000-01-01') AT TIME ZONE "
                    + Dates.zoneOf(p, dt.type()) + ")";
        });
    }

    /** ClickHouse age(unit, a, b): whole units elapsed from a to b (dateDiff counts unit boundaries instead). */
    private static String age(PostgresPrinter p, String unit, Frag a, Frag b) {
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
        return sql + "::bigint";
    }

    /**
     * dateName(part, x): the to_char of the wall-clock time {@code l} for the part; a part ClickHouse does not know is
     * refused.
     */
    private static String datePartFormat(Expr.Call c, String l) {
        String part = ConstantArgs.constString(c.args().get(0), "dateName part");
        return switch (part) {
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
    }

    /** The JSON path keys of a JSON function's arguments after the first: string keys, positions from 1. */
    static List<String> jsonPath(List<Expr> keys) {
        List<String> path = new ArrayList<>();
        for (Expr k : keys) {
            if (k instanceof Expr.Constant kc && kc.value() instanceof String s) {
                path.add(s);
            } else if (k instanceof Expr.Constant kc && kc.value() instanceof Long l && l > 0) {
                path.add(Long.toString(l - 1));
            } else {
                throw new HogQLResolutionException("JSON keys must be string literals or positive integers", k);
            }
        }
        return path;
    }

    /** A JSON function of ClickHouse's (JSONLength, JSONExtractKeys, …) returning {@code type}. */
    private static void json(String name, String type) {
        scalar(name, 1, -1, (t, c) -> {
            jsonPath(c.args().subList(1, c.args().size()));
            return type;
        }, ScalarFunctions::json);
    }

    private static String json(PostgresPrinter p, Expr.Call c, String name) {
        Frag j = p.expr(c.args().get(0));
        String js = cat(j).equals("json") ? j.sql() : "hogql_to_jsonb(" + p.str(j) + ")";
        List<String> path = jsonPath(c.args().subList(1, c.args().size()));
        String v = path.isEmpty() ? js : p.jsonPath(js, path, false);
        return switch (name) {
            case "jsonlength" -> "coalesce(CASE jsonb_typeof(" + v + ") WHEN 'array' THEN jsonb_array_length(" + v
                    + ") WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(" + v + ")) ELSE 0 END, 0)::bigint";
            case "jsonarraylength" -> "(CASE WHEN jsonb_typeof(" + v + ") = 'array' THEN jsonb_array_length(" + v
                    + ")::bigint END)";
            case "jsontype" -> "coalesce(CASE jsonb_typeof(" + v + ") WHEN 'string' THEN 'String' WHEN 'array' THEN 'Array'"
                    + " WHEN 'object' THEN 'Object' WHEN 'boolean' THEN 'Bool' WHEN 'null' THEN 'Null' WHEN 'number' THEN"
                    + " CASE WHEN (" + v + ")::text ~ '^-?[0-9]+$' THEN 'Int64' ELSE 'Double' END END, 'Null')";
            case "jsonextractuint" -> "GREATEST(coalesce(hogql_to_int(" + v + " #>> '{}'), 0), 0)";
            case "jsonextractraw" -> "coalesce((" + v + ")::text, '')";
            case "jsonextractarrayraw" -> "coalesce(ARRAY(SELECT x::text FROM jsonb_array_elements(CASE WHEN jsonb_typeof("
                    + v + ") = 'array' THEN " + v + " END) AS x), '{}')";
            default -> "coalesce(ARRAY(SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(" + v + ") = 'object' THEN " + v
                    + " END)), '{}')";
        };
    }

    /** tupleElement(t, i): item {@code i} (from 1) of the tuple, typed as that item. */
    private static String tupleElementType(Functions.ArgTypes t, Expr.Call c) {
        if (!HogQLTypes.cat(t.get(0)).equals("tuple")) {
            throw new HogQLResolutionException("tupleElement expects a tuple", c);
        }
        long i = ConstantArgs.constLong(c.args().get(1), "tupleElement index");
        List<String> types = HogQLTypes.tupleTypes(t.get(0));
        if (i < 1 || i > types.size()) {
            throw new HogQLResolutionException("tupleElement index " + i + " is out of range", c);
        }
        String type = types.get((int) i - 1);
        if (HogQLTypes.cat(type).equals("array")) {
            throw new HogQLResolutionException("tupleElement of an array element is not supported", c);
        }
        return type;
    }

    private static String tupleElement(PostgresPrinter p, Expr.Call c, String name) {
        Frag t = p.expr(c.args().get(0));
        long i = ConstantArgs.constLong(c.args().get(1), "tupleElement index");
        String type = HogQLTypes.tupleTypes(t.type()).get((int) i - 1);
        String text = "(" + t.sql() + " ->> " + (i - 1) + ")";
        return switch (HogQLTypes.cat(type)) {
            case "string", "null" -> text;
            case "json" -> "(" + t.sql() + " -> " + (i - 1) + ")";
            default -> text + "::" + HogQLTypes.pgType(type);
        };
    }

    /** transform(x, [from…], [to…][, default]): the matching "to" value, else the default (or x itself). */
    private static Expr.Case transform(Expr.Call c) {
        List<Expr> a = c.args();
        if (!(a.get(1) instanceof Expr.ArrayLit from) || !(a.get(2) instanceof Expr.ArrayLit to)
                || from.items().size() != to.items().size() || from.items().isEmpty()) {
            throw new HogQLResolutionException("transform expects two non-empty array literals of the same length", c);
        }
        Expr otherwise = a.size() == 4 ? a.get(3) : a.get(0);
        return new Expr.Case(a.get(0), from.items(), to.items(), otherwise);
    }

    /** transform's type: the CASE it prints as (the "to" values and the default, unified). */
    private static String transformType(Functions.ArgTypes t, Expr.Call c) {
        Expr.Case k = transform(c);
        List<String> results = new ArrayList<>();
        k.results().forEach(r -> results.add(t.of(r)));
        results.add(t.of(k.otherwise()));
        return HogQLTypes.caseResult(results, true);
    }
}
