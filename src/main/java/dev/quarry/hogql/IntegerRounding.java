package dev.quarry.hogql;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.math.BigInteger;

/**
 * ClickHouse's {@code round}, {@code floor}, {@code ceil} and {@code trunc} of an integer with a negative precision
 * ({@code round(1250, -2)} = 1300): the result keeps the argument's integer type, and is computed in that type with
 * two's-complement wrap-around, as ClickHouse's integer rounding does ("integer overflow is Ok" there): with
 * {@code s = 10^-places}, round adds {@code s/2} (after subtracting {@code s} from a negative value), floor subtracts
 * {@code s - 1} from a negative value, ceil adds {@code s - 1} to a non-negative one, then each truncates to a multiple
 * of {@code s}. So at the bounds the value wraps instead of failing: {@code round(toInt64(9223372036854775807), -1)}
 * is -9223372036854775800, {@code round(18446744073709551615, -1)} is 0 (UInt64), and
 * {@code round(9223372036854775807, -1)} is 9223372036854775810 (the literal is a UInt64 in ClickHouse).
 * A scale past the type (10^19 for Int64) gives 0; a precision below -19 is ClickHouse's "Unexpected 'scale'
 * parameter" and one past ±32767 its "Scale argument for rounding function is too large" (both 400s here).
 *
 * <p>Computed at 64 bits: ClickHouse's narrower types (a literal {@code 250} is UInt8 there) would wrap at their
 * own width, which Quarry, holding every narrower integer as Int64, does not follow.
 */
final class IntegerRounding {
    private IntegerRounding() {
    }

    /**
     * The SQL of {@code fn(x, places)} for an integer {@code x} ({@code fn}: round, floor, ceil or trunc), typed as
     * {@code x}; {@code x} itself when {@code places >= 0}.
     *
     * @param xe the argument's expression, read for a literal's sign (a non-negative literal is unsigned)
     */
    static String sql(String fn, Frag x, Expr xe, long places, Expr.Call call) {
        if (places >= 0) {
            return x.sql();
        }
        if (places < -32767) {
            throw new HogQLResolutionException("Scale argument for rounding function is too large", call);
        }
        if (places < -19) {
            throw new HogQLResolutionException("Unexpected 'scale' parameter passed to function " + fn, call);
        }
        Object literal = IntegerArithmetic.literal(xe);
        boolean signed = literal != null ? (literal instanceof Long l ? l < 0 : ((BigInteger) literal).signum() < 0)
                : !HogQLTypes.base(x.type()).startsWith("UInt");
        if (signed && places == -19) {
            return "(CASE WHEN (" + x.sql() + ") IS NULL THEN NULL ELSE 0 END)::bigint"; // 10^19 is past Int64: 0
        }
        String scale = BigInteger.TEN.pow((int) -places).toString();
        String sql = "hogql_round_int((" + x.sql() + ")::numeric, " + scale + ", " + signed + ", '" + fn + "')";
        // an unsigned result can pass Int64 (round(9223372036854775807, -1) is 9223372036854775810): held exactly
        boolean wide = IntegerArithmetic.isNumericSql(x) || !signed && HogQLTypes.base(x.type()).equals("UInt64");
        return wide ? sql + "::numeric" : sql + "::bigint";
    }
}
