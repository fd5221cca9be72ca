package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.math.BigInteger;

/**
 * ClickHouse's integer arithmetic on PostgreSQL: {@code + - *} of two integers wrap around (two's complement) at the
 * result type's width instead of failing, and that result type follows ClickHouse's promotion rules — a non-negative
 * literal is the smallest UInt holding it ({@code 9223372036854775807} is UInt64, {@code 1} UInt8); {@code +} and
 * {@code *} of two unsigned values are unsigned, anything else (and every {@code -}) signed; 64 bits at least, the
 * widest operand's width past that (UInt128, Int256…). So {@code 9223372036854775807 + 1} is 9223372036854775808
 * (UInt64), {@code toInt64(9223372036854775807) + 1} is -9223372036854775808 (Int64), {@code 18446744073709551615 * 2}
 * is 18446744073709551614 (UInt64) and {@code count() + 9223372036854775807} does not fail.
 *
 * <p>How it prints, so that ordinary queries stay as fast: an Int64 result of 64-bit operands uses
 * {@code hogql_plus_i64} / {@code hogql_minus_i64} / {@code hogql_multiply_i64} (V44_1: inlined SQL functions that use
 * PostgreSQL's own operator when the result fits, checked by comparisons with constants, and exact numeric reduced
 * modulo 2^64 only when it would not) when both operands are columns, parameters or literals, and their
 * {@code _once} forms (exact numeric reduced modulo 2^64, each operand read once, so still inlined) for computed
 * operands; an unsigned sum of two operands held in bigint (counts, lengths, small
 * literals) is PostgreSQL's plain operator — such values are below 2^63, and so, in practice, their sums — while
 * their product is computed in exact numeric and wrapped modulo 2^64 (count() * count() * … is ClickHouse's
 * UInt64); every operand past bigint (a UInt64 literal from 2^31 up, anything wider)
 * is computed in exact numeric and reduced by {@code hogql_wrap(v, bits, signed)}.
 */
final class IntegerArithmetic {
    private static final BigInteger SMALL = BigInteger.valueOf(1L << 31);

    private IntegerArithmetic() {
    }

    /** What ClickHouse knows of an integer operand: its width in bits, its sign, and how Quarry holds it. */
    private record Operand(Frag frag, int bits, boolean signed, boolean numericSql, boolean smallLiteral, boolean uint64) {
    }

    /**
     * @param literal the operand's literal value (a {@code Long} or {@code BigInteger} constant), or null when it is
     *                no literal
     * @return null when {@code f} is no integer (the caller's rules apply)
     */
    private static Operand operand(Frag f, Object literal) {
        String base = HogQLTypes.base(f.type());
        if (!HogQLTypes.cat(f.type()).equals("int")) {
            return null;
        }
        boolean unsigned = base.startsWith("UInt");
        int bits = Math.max(64, Integer.parseInt(base.substring(unsigned ? 4 : 3)));
        // a UInt64 read from a subquery's column may be held in numeric there (a wrapped sum) or in bigint (a
        // count): read as numeric, which is exact for both (PostgreSQL found no hogql_minus_i64(numeric, bigint))
        boolean numericSql = bits > 64 || isNumericSql(f)
                || base.equals("UInt64") && literal == null && COLUMN.matcher(f.sql()).matches();
        boolean small = false;
        boolean uint64 = base.equals("UInt64");
        if (literal instanceof Long || literal instanceof BigInteger) {
            BigInteger v = literal instanceof Long l ? BigInteger.valueOf(l) : (BigInteger) literal;
            unsigned = v.signum() >= 0;
            small = v.abs().compareTo(SMALL) < 0;
            // a literal from 2^31 up is held exactly: its sums and products can pass bigint
            numericSql = numericSql || !small;
            uint64 = unsigned && !small && bits == 64;
        }
        return new Operand(f, bits, !unsigned, numericSql, small, uint64);
    }

    /** Whether the SQL of an integer value is PostgreSQL numeric (a wide literal or a wrapped wide result). */
    static boolean isNumericSql(Frag f) {
        String sql = f.sql();
        return sql.endsWith("::numeric")
                || (sql.startsWith("hogql_wrap(") || sql.startsWith("hogql_bits_wide(")) && !sql.endsWith("::bigint");
    }

    /** The ClickHouse type name of an integer of this width and sign. */
    static String typeName(int bits, boolean signed) {
        return (signed ? "Int" : "UInt") + bits;
    }

    /** The width in bits of an integer type's name ({@code Int8} 8 … {@code UInt256} 256; Nullable read through). */
    static int width(String type) {
        String b = HogQLTypes.base(type);
        return Integer.parseInt(b.substring(b.startsWith("UInt") ? 4 : 3));
    }

    /**
     * The label of {@code + - *} of two integers of these types, as ClickHouse's NumberTraits types them
     * (ResultOfAdditionMultiplication, ResultOfSubtraction): the wider operand's width doubled, up to 64 bits (past
     * 64 the wider width stays), signed as {@code signed} says. So {@code 1 + 2} (UInt8 + UInt8) is UInt16,
     * {@code 1 + 1000} UInt32, {@code 1 - 2} Int16, {@code 70000 * 70000} UInt64, {@code -1 + 1} Int16. The value is
     * computed at 64 bits (or the wider width) all the same: a result narrower than 64 bits cannot overflow.
     */
    private static String label(boolean signed, String lt, String rt) {
        int w = Math.max(width(lt), width(rt));
        return typeName(w >= 64 ? w : w * 2, signed);
    }

    /**
     * {@code l op r} for {@code + - *} of two integers, or null when this is not that case.
     */
    static Frag of(String op, Frag lf, Object lLiteral, Frag rf, Object rLiteral) {
        if (!(op.equals("+") || op.equals("-") || op.equals("*"))) {
            return null;
        }
        Operand l = operand(lf, lLiteral);
        Operand r = operand(rf, rLiteral);
        if (l == null || r == null) {
            return null;
        }
        int bits = Math.max(l.bits(), r.bits());
        boolean signed = op.equals("-") || l.signed() || r.signed();
        boolean nullable = lf.type().startsWith("Nullable(") || rf.type().startsWith("Nullable(");
        String type = label(signed, lf.type(), rf.type());
        String ls = lf.sql();
        String rs = rf.sql();
        if (Math.max(width(lf.type()), width(rf.type())) <= 16 && !l.numericSql() && !r.numericSql()) {
            // operands of 16 bits or fewer: ClickHouse's result (32 bits at most) cannot overflow bigint
            return new Frag("(" + ls + " " + op + " " + rs + ")", nullable ? HogQLTypes.nullable(type) : type);
        }
        if (l.numericSql() || r.numericSql()) {
            String wrapped = "hogql_wrap((" + ls + ")::numeric " + op + " (" + rs + ")::numeric, " + bits + ", " + signed
                    + ")";
            return new Frag(bits == 64 && signed ? wrapped + "::bigint" : wrapped, nullable ? HogQLTypes.nullable(type) : type);
        }
        if (!signed) {
            if (op.equals("*") && !(l.smallLiteral() && r.smallLiteral())) {
                // a product of unsigned values (counts, lengths) passes 2^63 soon (count() * count() * count()…):
                // ClickHouse's UInt64 wraps modulo 2^64, held exactly as numeric
                return new Frag("hogql_wrap((" + ls + ")::numeric * (" + rs + ")::numeric, 64, false)",
                        nullable ? HogQLTypes.nullable(type) : type);
            }
            return new Frag("(" + ls + " " + op + " " + rs + ")", nullable ? HogQLTypes.nullable(type) : type);
        }
        String fn = switch (op) {
            case "+" -> "hogql_plus_i64";
            case "-" -> "hogql_minus_i64";
            default -> "hogql_multiply_i64";
        };
        if (l.smallLiteral() && r.smallLiteral()) {
            // two literals below 2^31: the result fits, PostgreSQL's operator is exact
            return new Frag("(" + ls + " " + op + " " + rs + ")", type);
        }
        // PostgreSQL inlines the guarded form only when its arguments are cheap (it reads each operand two or three
        // times); for a computed operand the form that reads each once stays inlined
        String form = SIMPLE.matcher(ls).matches() && SIMPLE.matcher(rs).matches() ? fn : fn + "_once";
        return new Frag(form + "(" + ls + ", " + rs + ")", nullable ? HogQLTypes.nullable(type) : type);
    }

    /** The smallest Int64, as a bigint constant of PostgreSQL's (a bare -9223372036854775808 is numeric there). */
    static final String INT64_MIN = "(-9223372036854775807 - 1)";

    /**
     * SQL that fails the statement with ClickHouse's error (hogql_raise, V67_2: SQLSTATE QH400, which the API answers
     * as PostHog's 400 with the code name), typed {@code pgType} so that it can stand in a CASE branch.
     *
     * @param message ClickHouse's message (a constant of Quarry's, never a user value)
     * @param code    the error's code name as PostHog reports it ({@code illegal_division})
     */
    static String raise(String message, String code, String pgType) {
        return "hogql_raise('" + message.replace("'", "''") + "', '" + code + "', NULL::" + pgType + ")";
    }

    /**
     * {@code -x} of an integer as ClickHouse's negate: the result wraps, so -(-2^63) is -2^63 (PostgreSQL's minus
     * fails). For an operand PostgreSQL may read more than once, the guarded hogql_minus_i64; for a computed one
     * that is not Nullable, {@code COALESCE(-NULLIF(x, min), min)}: native operators reading it once (the numeric form,
     * hogql_minus_i64_once, cost a numeric modulo per row); a computed Nullable one keeps that numeric form.
     *
     * @return null when {@code x} is no integer
     */
    static Frag negate(Frag x, Object literal) {
        Frag wrapped = of("-", new Frag("0", "UInt8"), 0L, x, literal);
        if (wrapped != null && wrapped.sql().startsWith("hogql_minus_i64_once(") && !x.type().startsWith("Nullable(")
                && !HogQLTypes.cat(x.type()).equals("null")) {
            return new Frag("COALESCE(- NULLIF(" + x.sql() + ", " + INT64_MIN + "), " + INT64_MIN + ")", wrapped.type());
        }
        return wrapped;
    }

    /** The value of an integer literal ({@code Long} or {@code BigInteger}), else null. */
    static Object literal(Expr e) {
        return e instanceof Expr.Constant c && (c.value() instanceof Long || c.value() instanceof java.math.BigInteger)
                ? c.value() : null;
    }

    /**
     * {@code l % r} of two Int64s: an integer modulo zero fails the query in ClickHouse ("Division by zero"), and so
     * does the smallest Int64 modulo -1 ("Division of minimal signed number by minus one") unless the divisor is a
     * constant and the dividend is not (ClickHouse's modulo by a constant takes the divisor's absolute value and
     * answers 0). PostgreSQL answers 0 for every {@code x % -1}.
     */
    static String modulo(String l, String r) {
        return modulo(l, r, INTEGER_LITERAL.matcher(l).matches());
    }

    /**
     * {@code l % r} of two Int64s as {@link #modulo(String, String)}, told whether the dividend is a constant
     * expression: ClickHouse folds a constant expression before it runs ({@code (-9223372036854775807 - 1) % -1} and
     * {@code toInt64(…) % -1} are constant % constant), and the constant path checks the smallest Int64 by -1 too.
     */
    static String modulo(String l, String r, boolean constantDividend) {
        boolean constantDivisor = INTEGER_LITERAL.matcher(r).matches();
        String minByMinusOne = constantDivisor && !(constantDividend && r.equals("(-1)::bigint"))
                ? "" : " WHEN " + r + " = -1 AND " + l + " = " + INT64_MIN + " THEN " + raise(
                "Division of minimal signed number by minus one", "illegal_division", "bigint");
        return "(CASE WHEN " + r + " = 0 THEN " + raise("Division by zero", "illegal_division", "bigint")
                + minByMinusOne + " ELSE " + l + " % " + r + " END)";
    }

    /**
     * Whether an integer expression is constant the way ClickHouse folds it before running: literals and their
     * arithmetic, negation and integer casts. Columns, aggregates and every other call count as not constant (the
     * safe side: the by-constant divisor path).
     */
    static boolean constant(Expr e) {
        if (e instanceof Expr.Constant c) {
            return c.value() instanceof Long || c.value() instanceof BigInteger;
        }
        if (e instanceof Expr.Negate n) {
            return constant(n.expr());
        }
        if (e instanceof Expr.Arithmetic a) {
            return constant(a.left()) && constant(a.right());
        }
        if (e instanceof Expr.Call c && !c.distinct() && (c.params() == null || c.params().isEmpty())
                && FOLDED.contains(c.name().toLowerCase(java.util.Locale.ROOT))) {
            return c.args().stream().allMatch(IntegerArithmetic::constant);
        }
        return false;
    }

    private static final java.util.Set<String> FOLDED = java.util.Set.of("toint64", "toint32", "toint16", "toint8",
            "toint", "plus", "minus", "multiply", "negate", "abs", "modulo", "intdiv");

    /** An integer literal as {@link Literals} prints it. */
    private static final java.util.regex.Pattern INTEGER_LITERAL =
            java.util.regex.Pattern.compile("\\(-[0-9]+\\)::bigint|[0-9]+::bigint");

    /** A bare column reference ({@code "s"}, {@code "q"."s"}), as a subquery's column is printed. */
    private static final java.util.regex.Pattern COLUMN = java.util.regex.Pattern.compile("(\"[^\"]+\"\\.)*\"[^\"]+\"");

    /** A column, a bind parameter or a literal, possibly cast: cheap to read more than once. */
    private static final java.util.regex.Pattern SIMPLE =
            java.util.regex.Pattern.compile("(\\(-?[0-9]+\\)|[\\w.\"$]+)(::\\w+)?");

    /**
     * ClickHouse's {@code toInt64} of an integer: modulo 2^64 into Int64 ({@code toInt64(99999999999999999999)} is
     * 7766279631452241919); a value held in bigint is already one.
     */
    static Frag toInt64(Frag x) {
        if (!isNumericSql(x) && operand(x, null).bits() == 64) {
            return new Frag(x.sql(), HogQLTypes.nullableLike(x.type(), "Int64"));
        }
        return new Frag("hogql_wrap((" + x.sql() + ")::numeric, 64, true)::bigint", HogQLTypes.nullableLike(x.type(), "Int64"));
    }

    /**
     * HogQL's {@code toInt} of an integer: accurateCastOrNull to Int64, so a value past Int64 is NULL.
     */
    static Frag toIntOrNull(Frag x) {
        if (!isNumericSql(x) && operand(x, null).bits() == 64) {
            return new Frag(x.sql(), HogQLTypes.nullableLike(x.type(), "Int64"));
        }
        String v = "(" + x.sql() + ")::numeric";
        return new Frag("(CASE WHEN " + v + " BETWEEN -9223372036854775808 AND 9223372036854775807 THEN " + v
                + "::bigint END)", "Nullable(Int64)");
    }

    /**
     * {@code bitAnd} / {@code bitOr} / {@code bitXor} of two integers as ClickHouse types them: the widest argument's
     * bits (64 at least), signed when either is; or null when both are held in bigint (PostgreSQL's operators then).
     */
    static Frag bits(String op, Frag xf, Object xLiteral, Frag yf, Object yLiteral) {
        Operand x = operand(xf, xLiteral);
        Operand y = operand(yf, yLiteral);
        if (x == null || y == null || !(isNumericSql(xf) || isNumericSql(yf) || x.bits() > 64 || y.bits() > 64)) {
            return null;
        }
        int bits = Math.max(x.bits(), y.bits());
        boolean signed = x.signed() || y.signed();
        String type = bits == 64 && !signed && !x.uint64() && !y.uint64() ? "Int64" : typeName(bits, signed);
        boolean nullable = xf.type().startsWith("Nullable(") || yf.type().startsWith("Nullable(");
        String sql = "hogql_bits_wide((" + xf.sql() + ")::numeric, (" + yf.sql() + ")::numeric, '" + op + "', " + bits
                + ", " + signed + ")";
        return new Frag(bits == 64 && signed ? sql + "::bigint" : sql, nullable ? HogQLTypes.nullable(type) : type);
    }

    /**
     * The ClickHouse type of a bit function of two integers given their types (a literal's sign from its value): the
     * widest width (64 at least), signed when either is.
     */
    static String bitsType(java.util.List<String> types, Expr.Call c) {
        int bits = 64;
        boolean signed = false;
        boolean uint64 = false;
        for (int k = 0; k < 2; k++) {
            if (HogQLTypes.cat(types.get(k)).equals("null")) {
                continue;
            }
            Object literal = c != null && c.args().size() > k ? IntegerArithmetic.literal(c.args().get(k)) : null;
            Operand o = operand(new Frag("", types.get(k)), literal);
            if (o == null) {
                continue; // not an integer: the rule's own check refuses it
            }
            bits = Math.max(bits, o.bits());
            signed |= o.signed();
            uint64 |= o.uint64();
        }
        return bits == 64 && !signed && !uint64 ? "Int64" : typeName(bits, signed);
    }

    /** The SQL of {@code bitAnd}/{@code bitXor} of two printed integers past bigint, or null (PostgreSQL's operator). */
    static String bitsSql(String op, java.util.List<Frag> args, Expr.Call c) {
        Frag wide = bits(op, args.get(0), IntegerArithmetic.literal(c.args().get(0)), args.get(1),
                IntegerArithmetic.literal(c.args().get(1)));
        return wide == null ? null : wide.sql();
    }

    /**
     * The type of {@code l op r} of two expressions of types {@code lt} and {@code rt} ({@code le}, {@code re}: the
     * operands, read for integer literals): ClickHouse's integer result type for {@code + - *} of integers (as
     * {@link #of} prints it), else {@link HogQLTypes#arithmetic}'s. Read by the typing pass.
     */
    static String type(String op, String lt, Expr le, String rt, Expr re) {
        Frag ints = of(op, new Frag("", lt), IntegerArithmetic.literal(le), new Frag("", rt),
                IntegerArithmetic.literal(re));
        String narrow = op.equals("%") ? narrowType("modulo", lt, rt) : null;
        return ints != null ? ints.type() : narrow != null ? narrow : HogQLTypes.arithmetic(op, lt, rt);
    }

    /**
     * ClickHouse's result type of {@code fn} ({@code modulo}, {@code intDiv}, {@code bit}: bitAnd / bitOr / bitXor)
     * of two integers of types {@code lt} and {@code rt} (a literal's type is the smallest holding it), by
     * NumberTraits (src/DataTypes/NumberTraits.h): ResultOfModulo — the dividend's sign, the divisor's width, doubled
     * (up to 64) when the dividend is signed ({@code 7 % 3} UInt8, {@code -7 % 3} Int16, {@code toInt64(7) % 3}
     * Int16); ResultOfIntegerDivision — the dividend's width, signed when either is ({@code intDiv(7, 2)} UInt8,
     * {@code intDiv(-7, 2)} Int8); ResultOfPositiveModulo — the divisor's width, unsigned; ResultOfBit — the wider width, signed when either is ({@code bitAnd(5, 3)} UInt8).
     * Nullable when either is. Null when an operand is no integer or is wider than 64 bits (the callers' rules then),
     * or, for bits, when the result is 64 bits wide (their existing rule, {@link #bitsType}).
     */
    static String narrowType(String fn, String lt, String rt) {
        if (!HogQLTypes.cat(lt).equals("int") || !HogQLTypes.cat(rt).equals("int")) {
            return null;
        }
        int lw = width(lt);
        int rw = width(rt);
        if (lw > 64 || rw > 64) {
            return null;
        }
        boolean ls = !HogQLTypes.base(lt).startsWith("UInt");
        boolean rs = !HogQLTypes.base(rt).startsWith("UInt");
        String t = switch (fn) {
            case "modulo" -> typeName(ls && rw < 64 ? rw * 2 : rw, ls);
            case "intDiv" -> typeName(lw, ls || rs);
            case "positiveModulo" -> typeName(rw, false);
            default -> Math.max(lw, rw) >= 64 ? null : typeName(Math.max(lw, rw), ls || rs);
        };
        boolean nullable = lt.startsWith("Nullable(") || rt.startsWith("Nullable(");
        return t == null ? null : nullable ? HogQLTypes.nullable(t) : t;
    }

    /**
     * The SQL of an integer result computed in bigint and labelled {@code type} by {@link #narrowType}: where ClickHouse
     * computes in a type narrower than 64 bits that the value may not fit (an unsigned operand met by a signed one:
     * {@code bitAnd(-1, 200)} is Int8 -56, {@code intDiv(200, -1)} Int8 56) wrapped into its bits
     * (hogql_wrap_narrow, V94_2); else as it is.
     */
    static String fitted(String sql, String type, String lt, String rt) {
        if (type == null || !HogQLTypes.cat(type).equals("int") || width(type) >= 64) {
            return sql;
        }
        boolean ls = !HogQLTypes.base(lt).startsWith("UInt");
        boolean rs = !HogQLTypes.base(rt).startsWith("UInt");
        return ls == rs ? sql : "hogql_wrap_narrow((" + sql + ")::numeric, " + width(type) + ", true)";
    }

    /**
     * Whether an integer of type {@code t} ({@code e}: the expression, read for a literal) is held in a PostgreSQL
     * bigint (64 bits, not a literal past Int64), so toInt keeps its value's nullability.
     */
    static boolean heldInBigint(String t, Expr e) {
        Operand o = operand(new Frag("", t), IntegerArithmetic.literal(e));
        return o != null && o.bits() == 64 && !o.numericSql();
    }

    /**
     * The SQL of a sum of integers of type {@code type} ({@code sum}: PostgreSQL's numeric sum) as ClickHouse's:
     * wrapped modulo 2^64, into Int64 (a bigint) for signed values and UInt64 for unsigned ones.
     */
    static String wrappedSum(String sum, String type) {
        String base = HogQLTypes.base(type);
        // narrower unsigned values are held in bigint, and Quarry labels their sums Int64
        boolean unsigned = base.startsWith("UInt") && !base.equals("UInt8") && !base.equals("UInt16")
                && !base.equals("UInt32");
        return unsigned ? "hogql_wrap(" + sum + ", 64, false)" : "hogql_wrap(" + sum + ", 64, true)::bigint";
    }
}
