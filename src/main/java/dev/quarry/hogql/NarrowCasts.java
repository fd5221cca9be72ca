package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.List;

/**
 * The integer casts PostHog's HogQL offers by ClickHouse's own names (posthog/hogql/functions/clickhouse/conversions.py,
 * TYPE_CONVERSION_FUNCTIONS: {@code _toInt8}, {@code _toInt16}, {@code _toInt32}, {@code _toInt64}, {@code _toUInt8},
 * {@code _toUInt64}, {@code _toUInt128}, printed as ClickHouse's {@code toInt8} … {@code toUInt128}), with ClickHouse's
 * values (its type-conversion-functions reference):
 * <ul>
 * <li>an integer past the target's range wraps modulo 2^bits, no error ({@code toInt8(200)} -56, {@code toInt8(128)}
 * -128, {@code toUInt8(-1)} 255, {@code toUInt64(-1)} 18446744073709551615, {@code toInt32(3000000000)}
 * -1294967296);</li>
 * <li>a float is truncated toward zero ({@code toInt8(-1.9)} -1, {@code toUInt8(2.9)} 2), then wrapped; NaN and
 * infinities fail the query ("Unexpected inf or nan to integer conversion", CANNOT_CONVERT_TYPE);</li>
 * <li>a string is read as a decimal integer with an optional sign, and wraps the same way ({@code toInt8('300')} 44,
 * as {@code CAST('300', 'Int8')}); any other text (a float's text, hex, spaces) fails the query (CANNOT_PARSE_TEXT,
 * "Cannot parse string … as Int8");</li>
 * <li>a Bool is 0 or 1, a DateTime its Unix seconds, a Date its days since 1970-01-01 ({@code toInt32(toDate('2024-01-01'))}
 * 19723), each wrapped; NULL stays NULL.</li>
 * </ul>
 * The result's {@code types} label is the target type (Nullable when the argument is). Values up to 32 bits and Int64
 * are held in bigint; UInt64 and UInt128 exactly as numeric, as Quarry holds those types elsewhere.
 */
final class NarrowCasts {
    private NarrowCasts() {
    }

    static void register() {
        for (String target : List.of("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt64", "UInt128")) {
            boolean signed = !target.startsWith("U");
            int bits = Integer.parseInt(target.substring(signed ? 3 : 4));
            scalar("_to" + target, 1, 1, (t, c) -> switch (cat(t.get(0))) {
                case "null" -> HogQLTypes.nullable(target);
                default -> HogQLTypes.nullableLike(t.get(0), target);
            }, (p, c, name) -> {
                Frag x = p.expr(c.args().get(0));
                String v = switch (cat(x.type())) {
                    case "int" -> "(" + x.sql() + ")::numeric";
                    case "float" -> "hogql_float_to_integer((" + x.sql() + ")::float8)";
                    case "bool" -> "(" + x.sql() + ")::int::numeric";
                    case "datetime" -> "floor(extract(epoch from " + x.sql() + "))";
                    case "date" -> "((" + x.sql() + ")::date - date '1970-01-01')::numeric"; // days, as Date holds it
                    case "null" -> "NULL::numeric";
                    default -> "hogql_text_to_integer(" + p.str(x) + ", '" + target + "')";
                };
                return bits <= 32 ? "hogql_wrap_narrow(" + v + ", " + bits + ", " + signed + ")"
                        : bits == 64 && signed ? "hogql_wrap(" + v + ", 64, true)::bigint"
                        : "hogql_wrap(" + v + ", " + bits + ", " + signed + ")";
            });
        }
    }
}
