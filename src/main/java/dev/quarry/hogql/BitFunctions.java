package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.Functions.TypeRule;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.math.BigInteger;

/**
 * ClickHouse's bit functions that ScalarFunctions does not hold, with ClickHouse's result types and values
 * (src/Functions/bitNot.cpp, bitRotateLeft.cpp, bitRotateRight.cpp, bitHammingDistance.cpp; types by
 * DataTypes/NumberTraits.h), and the ClickHouse types of {@code gcd} / {@code lcm} (GCDLCMImpl.h):
 * <ul>
 * <li>{@code bitNot(x)}: ResultOfBitNot — the argument's own type; every bit of the value in that width flipped
 * ({@code bitNot(1)} UInt8 254, {@code bitNot(-1)} Int8 0, {@code bitNot(toInt64(5))} Int64 -6,
 * {@code bitNot(4294967296)} UInt64 18446744069414584319). A non-integer is ClickHouse's "Illegal type".</li>
 * <li>{@code bitRotateLeft(a, n)} / {@code bitRotateRight(a, n)}: ResultOfBit — the wider argument's width, signed
 * when either is; {@code (a << n) | (a >> (W - n))} (right: the mirror) computed in that width as ClickHouse's C++
 * does, a signed value's right shift keeping its sign ({@code bitRotateLeft(99, 2)} UInt8 141, its docs' example,
 * {@code bitRotateRight(99, 2)} UInt8 216). ClickHouse's value for an amount outside 0 … W is C++'s undefined
 * shift; Quarry rotates by the amount modulo W there. Past 64 bits it is ClickHouse's NOT_IMPLEMENTED "Bit rotate is
 * not implemented for big integers" (a 400).</li>
 * <li>{@code bitHammingDistance(a, b)}: UInt8, the count of differing bits of the two integers as UInt64 (a negative
 * one sign-extended): {@code bitHammingDistance(111, 121)} 3, its docs' example.</li>
 * <li>{@code gcd(a, b)} / {@code lcm(a, b)} are typed ResultOfAdditionMultiplication, as {@code a + b}:
 * {@code gcd(12, 18)} UInt16 6, {@code lcm(-4, 6)} Int16 12 (the values are ScalarFunctions' own).</li>
 * </ul>
 */
final class BitFunctions {
    private BitFunctions() {
    }

    static void register() {
        registerBitTestMany();
        scalar("bitNot", 1, 1, (t, c) -> {
            String x = t.get(0);
            String cat = HogQLTypes.cat(x);
            if (!cat.equals("int") && !cat.equals("null")) {
                throw illegal(x, c);
            }
            return x;
        }, (p, c, name) -> bitNot(p.expr(c.args().get(0))));
        TypeRule rotateType = (t, c) -> {
            boolean nullable = false;
            for (int i = 0; i < 2; i++) {
                String cat = HogQLTypes.cat(t.get(i));
                if (!cat.equals("int") && !cat.equals("null")) {
                    throw illegal(t.get(i), c);
                }
                nullable |= t.get(i).startsWith("Nullable(") || cat.equals("null");
            }
            String type = bitType(t.get(0), t.get(1));
            if (IntegerArithmetic.width(type) > 64) {
                throw new HogQLResolutionException("Bit rotate is not implemented for big integers", c);
            }
            return nullable ? HogQLTypes.nullable(type) : type;
        };
        CallPrinter rotate = (p, c, name) -> rotate(p, c, name.equals("bitrotateleft"));
        scalar("bitRotateLeft", 2, 2, rotateType, rotate);
        scalar("bitRotateRight", 2, 2, rotateType, rotate);
        scalar("bitHammingDistance", 2, 2, (t, c) -> {
            boolean nullable = false;
            for (int i = 0; i < 2; i++) {
                String cat = HogQLTypes.cat(t.get(i));
                if (!cat.equals("int") && !cat.equals("null")) {
                    throw illegal(t.get(i), c);
                }
                nullable |= t.get(i).startsWith("Nullable(") || cat.equals("null");
            }
            return nullable ? "Nullable(UInt8)" : "UInt8";
        }, (p, c, name) -> "bit_count((" + asInt64(p.expr(c.args().get(0))) + " # " + asInt64(p.expr(c.args().get(1)))
                + ")::bit(64))");
    }

    /**
     * {@code bitTestAll(x, p1, p2, …)} / {@code bitTestAny(x, p1, …)}: UInt8, whether every (any) bit at the positions
     * (from 0, the least significant) is 1, in the width of {@code x}'s type; a position at or past that width adds
     * no bit (FunctionBitTestMany.h's mask), so it counts as set for All and unset for Any:
     * {@code bitTestAll(43, 0, 1, 3, 5)} 1 and {@code bitTestAll(43, 0, 1, 3, 5, 2)} 0, {@code bitTestAny(43, 0, 2)}
     * 1 and {@code bitTestAny(43, 4, 2)} 0 (ClickHouse's docs' examples: 43 is 0b101011); {@code bitTestAll(-1, 7, 6)} 1
     * and {@code bitTestAny(-1, 8, 9)} 0 (Int8). PostHog's list takes three arguments or more. The value must be an integer and each position an unsigned integer
     * (ClickHouse's ILLEGAL_TYPE_OF_ARGUMENT); a NULL argument gives NULL.
     */
    private static void registerBitTestMany() {
        TypeRule type = (t, c) -> {
            boolean nullable = false;
            for (int i = 0; i < t.size(); i++) {
                String cat = HogQLTypes.cat(t.get(i));
                boolean ok = cat.equals("null") || cat.equals("int") && (i == 0 || HogQLTypes.base(t.get(i))
                        .startsWith("UInt"));
                if (!ok) {
                    throw new HogQLResolutionException("Illegal type " + HogQLTypes.base(t.get(i)) + " of "
                            + (i == 0 ? "first argument" : "argument " + (i + 1)) + " of function " + c.name(), c);
                }
                nullable |= t.get(i).startsWith("Nullable(") || cat.equals("null");
            }
            return nullable ? "Nullable(UInt8)" : "UInt8";
        };
        // each argument's SQL is written once (a nested call as the value or a position would otherwise be copied
        // once per position and multiply per level): the positions' mask as bit(64), one bit per position below the
        // width (a position at or past 64 shifts the bit out; one past the width is cut by the width's mask), then
        // All is "no bit of the mask missing from x", Any "some bit of the mask in x"; a NULL anywhere gives NULL
        CallPrinter print = (p, c, name) -> {
            boolean all = name.equals("bittestall");
            Frag x = p.expr(c.args().get(0));
            int w = HogQLTypes.cat(x.type()).equals("int") ? Math.min(64, IntegerArithmetic.width(x.type())) : 64;
            String xs = asInt64(x) + "::bit(64)";
            java.util.List<String> bits = new java.util.ArrayList<>();
            for (Expr a : c.args().subList(1, c.args().size())) {
                Frag n = p.expr(a);
                String ns = HogQLTypes.cat(n.type()).equals("null") ? "NULL::numeric" : "(" + n.sql() + ")::numeric";
                // numeric_smaller, unlike LEAST, is NULL for a NULL position
                bits.add("(B'1'::bit(64) >> (63 - numeric_smaller(" + ns + ", 64))::int)");
            }
            String mask = "(" + String.join(" | ", bits) + ")";
            if (w < 64) {
                mask = "(" + mask + " & " + ((1L << w) - 1) + "::bigint::bit(64))";
            }
            return "(bit_count(" + (all ? "(~" + xs + ")" : xs) + " & " + mask + ") " + (all ? "=" : ">")
                    + " 0)::int";
        };
        // PostHog's mapping.py takes 3 arguments or more (bitTestAll(x, p) is its arity error)
        scalar("bitTestAll", 3, -1, type, print);
        scalar("bitTestAny", 3, -1, type, print);
    }

    /**
     * The ClickHouse type of {@code gcd(a, b)} / {@code lcm(a, b)} of two integers: ResultOfAdditionMultiplication,
     * the wider width doubled up to 64 bits, signed when either is ({@code gcd(12, 18)} UInt16); Int64 (Quarry's
     * earlier label) for anything else. Nullable when either argument is.
     */
    static final TypeRule GCD_TYPE = (t, c) -> {
        String a = t.get(0);
        String b = t.get(1);
        boolean nullable = a.startsWith("Nullable(") || b.startsWith("Nullable(") || HogQLTypes.cat(a).equals("null")
                || HogQLTypes.cat(b).equals("null");
        String type = "Int64";
        if (HogQLTypes.cat(a).equals("int") && HogQLTypes.cat(b).equals("int")) {
            String la = HogQLTypes.base(a);
            String lb = HogQLTypes.base(b);
            int w = Math.max(IntegerArithmetic.width(la), IntegerArithmetic.width(lb));
            boolean signed = !HogQLTypes.base(la).startsWith("UInt") || !HogQLTypes.base(lb).startsWith("UInt");
            type = w > 64 ? "Int64" : IntegerArithmetic.typeName(w >= 64 ? 64 : w * 2, signed);
        }
        return nullable ? HogQLTypes.nullable(type) : type;
    };

    /**
     * The WHEN branches of {@code gcd(a, b)} / {@code lcm(a, b)} that fail the query as ClickHouse's GCDLCMImpl does,
     * in its order: each argument checked as a divisor of the other (throwIfDivisionLeadsToFPE) — a zero is
     * ILLEGAL_DIVISION "Division by zero", the smallest value of a signed argument's own type with a signed -1 is
     * ILLEGAL_DIVISION "Division of minimal signed number by minus one" ({@code gcd(-128, -1)}); then, for a signed
     * result type, an argument equal to that type's smallest or largest value is DECIMAL_OVERFLOW "Intermediate result
     * overflow (signed a = …, signed b = …, min = …, max = …)" — reachable only where the result is Int64 (an Int64
     * argument, or a UInt64 with a signed one): {@code gcd(toInt64(9223372036854775807), 3)},
     * {@code lcm(-9223372036854775808, 2)}. Quarry computed these (PostgreSQL's gcd of the smallest bigint and 2 is 2).
     *
     * @param xs the first argument as bigint SQL
     * @param resultType the call's type ({@link #GCD_TYPE})
     */
    static String gcdChecks(String xType, String xs, String yType, String ys, String resultType) {
        StringBuilder sql = new StringBuilder("WHEN " + xs + " = 0 OR " + ys + " = 0 THEN "
                + IntegerArithmetic.raise("Division by zero", "illegal_division", "bigint"));
        String xb = HogQLTypes.base(xType);
        String yb = HogQLTypes.base(yType);
        if (xb.matches("Int(8|16|32|64)") && yb.matches("Int(8|16|32|64)")) {
            String xMin = BigInteger.ONE.shiftLeft(IntegerArithmetic.width(xb) - 1).negate().toString();
            String yMin = BigInteger.ONE.shiftLeft(IntegerArithmetic.width(yb) - 1).negate().toString();
            sql.append(" WHEN (" + xs + " = " + xMin + " AND " + ys + " = -1) OR (" + ys + " = " + yMin + " AND " + xs
                    + " = -1) THEN " + IntegerArithmetic.raise("Division of minimal signed number by minus one",
                    "illegal_division", "bigint"));
        }
        if (HogQLTypes.base(resultType).equals("Int64")) {
            String min = "-9223372036854775808";
            String max = "9223372036854775807";
            sql.append(" WHEN " + xs + " IN (" + min + ", " + max + ") OR " + ys + " IN (" + min + ", " + max
                    + ") THEN hogql_raise('Intermediate result overflow (signed a = ' || " + xs
                    + " || ', signed b = ' || " + ys + " || ', min = " + min + ", max = " + max
                    + ")', 'decimal_overflow', NULL::bigint)");
        }
        return sql.toString();
    }

    /**
     * The value of {@code gcd(a, b)} / {@code lcm(a, b)} (bigint operands, checked by {@link #gcdChecks}). ClickHouse's
     * lcm is {@code |a| / gcd(a, b) * |b|} in the result type's unsigned width, wrapping ("overflow in implementation
     * specific way", src/Functions/lcm.cpp), then read as the result type; only a 64-bit result can overflow (narrower
     * arguments are widened first), so there it is computed in numeric and wrapped: {@code lcm(toInt64(3037000500),
     * toInt64(3037000501))} is -9223372033672301116 and {@code lcm(4294967296, 4294967297)} (UInt64) 4294967296, where
     * PostgreSQL's lcm fails with bigint out of range.
     */
    static String gcdValue(String name, String xs, String ys, String resultType) {
        String base = HogQLTypes.base(resultType);
        if (!name.equals("lcm") || !(base.equals("Int64") || base.equals("UInt64"))) {
            return name + "(" + xs + ", " + ys + ")";
        }
        String product = "(div(abs((" + xs + ")::numeric), gcd(" + xs + ", " + ys + ")::numeric) * abs((" + ys
                + ")::numeric))";
        return base.equals("Int64") ? "hogql_wrap(" + product + ", 64, true)::bigint"
                : "hogql_wrap(" + product + ", 64, false)";
    }

    private static HogQLResolutionException illegal(String type, Expr.Call c) {
        return new HogQLResolutionException("Illegal type " + HogQLTypes.base(type) + " of argument of function "
                + c.name(), c);
    }

    /** ClickHouse's ResultOfBit of two integer types: the wider width, signed when either is. */
    private static String bitType(String a, String b) {
        boolean aNull = HogQLTypes.cat(a).equals("null");
        boolean bNull = HogQLTypes.cat(b).equals("null");
        if (aNull && bNull) {
            return "UInt8";
        }
        String x = aNull ? HogQLTypes.base(b) : HogQLTypes.base(a);
        String y = bNull ? HogQLTypes.base(a) : HogQLTypes.base(b);
        int w = Math.max(IntegerArithmetic.width(x), IntegerArithmetic.width(y));
        return IntegerArithmetic.typeName(w, !x.startsWith("UInt") || !y.startsWith("UInt"));
    }

    /** {@code bitNot(x)}: the value with every bit of its type's width flipped, in that type. */
    private static String bitNot(Frag x) {
        String cat = HogQLTypes.cat(x.type());
        if (cat.equals("null")) {
            return "NULL::bigint";
        }
        int w = IntegerArithmetic.width(x.type());
        boolean signed = !HogQLTypes.base(x.type()).startsWith("UInt");
        if (signed) {
            // two's complement: ~x = -x - 1, inside every signed width
            return w <= 64 ? "(~(" + x.sql() + ")::bigint)" : "(-(" + x.sql() + ")::numeric - 1)::numeric";
        }
        BigInteger max = BigInteger.ONE.shiftLeft(w).subtract(BigInteger.ONE);
        return w < 64 ? "(" + max + " - (" + x.sql() + ")::bigint)" : "(" + max + " - (" + x.sql() + ")::numeric)::numeric";
    }

    /** An integer of at most 64 bits as the bigint of its 64 bits (a UInt64 past Int64 as its two's complement). */
    private static String asInt64(Frag x) {
        if (HogQLTypes.cat(x.type()).equals("null")) {
            return "NULL::bigint";
        }
        if (IntegerArithmetic.isNumericSql(x) || IntegerArithmetic.width(x.type()) > 64) {
            return "hogql_wrap((" + x.sql() + ")::numeric, 64, true)::bigint";
        }
        return "(" + x.sql() + ")::bigint";
    }

    /**
     * {@code bitRotateLeft} / {@code bitRotateRight} in the call's type (W bits, at most 64): the first argument cast
     * to it, then {@code (a << n) | (a >> (W - n))} (right: {@code (a >> n) | (a << (W - n))}) with the amount taken
     * modulo W, and the result wrapped into W bits. Narrow widths and Int64 shift a bigint (its right shift keeps the
     * sign, as C++'s of a signed value); UInt64 shifts the 64 bits as a bit string (logical shifts).
     */
    private static String rotate(PostgresPrinter p, Expr.Call c, boolean left) {
        Frag a = p.expr(c.args().get(0));
        Frag n = p.expr(c.args().get(1));
        String type = p.type(c);
        if (HogQLTypes.cat(a.type()).equals("null") || HogQLTypes.cat(n.type()).equals("null")) {
            return "NULL::bigint";
        }
        int w = IntegerArithmetic.width(type);
        boolean signed = !HogQLTypes.base(type).startsWith("UInt");
        String r = "(((" + asInt64(n) + ") % " + w + " + " + w + ") % " + w + ")::int";
        if (w == 64 && !signed) {
            String bits = asInt64(a) + "::bit(64)";
            String one = left ? " << " : " >> ";
            String other = left ? " >> " : " << ";
            String rotated = "((" + bits + one + r + ") | (" + bits + other + "(64 - " + r + ")))::bigint";
            // amount 0 (and so W): the value itself (a shift by 64 is C++'s undefined shift)
            return "hogql_wrap((CASE WHEN " + r + " = 0 THEN " + asInt64(a) + " ELSE " + rotated + " END)::numeric, 64,"
                    + " false)";
        }
        String x = w < 64 ? "hogql_wrap_narrow((" + a.sql() + ")::numeric, " + w + ", " + signed + ")" : asInt64(a);
        String one = left ? " << " : " >> ";
        String other = left ? " >> " : " << ";
        String rotated = "((" + x + one + r + ") | (" + x + other + "(" + w + " - " + r + ")))";
        String value = "(CASE WHEN " + r + " = 0 THEN " + x + " ELSE " + rotated + " END)";
        return w < 64 ? "hogql_wrap_narrow(" + value + "::numeric, " + w + ", " + signed + ")" : value;
    }
}
