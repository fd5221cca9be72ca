package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.NULL_TYPE;
import static dev.quarry.hogql.HogQLTypes.cat;

import dev.quarry.hogql.PostgresPrinter.Frag;
import dev.quarry.hogql.PostgresPrinter.Unified;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * How literal values print: a constant is a bind parameter (text, UUIDs, dates and times, odd numbers) or a number
 * printed by Java, never user text in the SQL; arrays are PostgreSQL arrays and tuples JSON arrays.
 */
final class Literals {
    private Literals() {}

    /** A tuple's SQL: a JSON array of its items, date-times as ISO text in UTC. */
    static String tupleSql(List<Frag> items) {
        return "jsonb_build_array(" + items.stream().map(f -> cat(f.type()).equals("datetime")
                ? "to_char(" + f.sql() + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" : f.sql())
                .collect(Collectors.joining(", ")) + ")";
    }

    /** A constant printed: its SQL ({@link #sql}) and type ({@link #type}). */
    static Frag constant(PostgresPrinter p, Object v) {
        return new Frag(sql(p, v), type(v));
    }

    /**
     * The HogQL type of a constant value: the smallest of UInt8 … UInt64 / Int8 … Int64 holding a long, UInt64 … Int256 past it, Float64, String, Bool, UUID,
     * {@link Schema#DATETIME} for instants and date-times, Date, {@link HogQLTypes#NULL_TYPE} for NULL.
     *
     * @throws HogQLResolutionException for a value of no HogQL type
     */
    private static final long UINT32_LIMIT = 1L << 32;

    static String type(Object v) {
        if (v == null) {
            return NULL_TYPE;
        }
        if (v instanceof Boolean) {
            return "Bool";
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            // ClickHouse types an integer literal as the smallest type holding it (FieldToDataType): a non-negative
            // one UInt8, UInt16, UInt32 or UInt64 (9223372036854775807 too), a negative one Int8 … Int64
            long l = ((Number) v).longValue();
            if (l >= 0) {
                return l < 1L << 8 ? "UInt8" : l < 1L << 16 ? "UInt16" : l < UINT32_LIMIT ? "UInt32" : "UInt64";
            }
            return l >= Byte.MIN_VALUE ? "Int8" : l >= Short.MIN_VALUE ? "Int16" : l >= Integer.MIN_VALUE ? "Int32"
                    : "Int64";
        }
        if (v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal) {
            return "Float64";
        }
        if (v instanceof java.math.BigInteger big) {
            // an integer past Int64: ClickHouse reads such a literal exactly as UInt64 … UInt256/Int256
            return bigIntegerType(big);
        }
        if (v instanceof String) {
            return "String";
        }
        if (v instanceof UUID) {
            return "UUID";
        }
        if (v instanceof OffsetDateTime || v instanceof java.time.Instant || v instanceof java.time.ZonedDateTime
                || v instanceof LocalDateTime) {
            return Schema.DATETIME;
        }
        if (v instanceof LocalDate) {
            return "Date";
        }
        throw new HogQLResolutionException("Unsupported constant of type " + v.getClass().getSimpleName());
    }

    /** The SQL of a constant: a bind parameter, or a number printed by Java. */
    static String sql(PostgresPrinter p, Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Boolean b) {
            return b ? "TRUE" : "FALSE";
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            long l = ((Number) v).longValue();
            // a UInt64 literal (from 2^32 up) is held as numeric, as UInt64 values past bigint are: a sum of it read
            // through a subquery's column must not overflow bigint (9223372036854775807 + 1 is 9223372036854775808)
            return l < 0 ? "(" + l + ")::bigint" : l >= UINT32_LIMIT ? l + "::numeric" : l + "::bigint";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return p.bind(d, "float8");
            }
            // -0.0 keeps its sign as ClickHouse's does ((-0.0)::float8 reads the numeric 0, which has none)
            return d == 0 && 1 / d < 0 ? "'-0'::float8" : "(" + d + ")::float8";
        }
        if (v instanceof java.math.BigInteger big) {
            return p.bind(new java.math.BigDecimal(big), "numeric"); // exact numeric
        }
        if (v instanceof java.math.BigDecimal bd) {
            return p.bind(bd.doubleValue(), "float8");
        }
        if (v instanceof String s) {
            return p.bind(s, "text");
        }
        if (v instanceof UUID u) {
            return p.bind(u, "uuid");
        }
        if (v instanceof OffsetDateTime t) {
            return p.bind(t, "timestamptz");
        }
        if (v instanceof java.time.Instant t) {
            return p.bind(t.atOffset(ZoneOffset.UTC), "timestamptz");
        }
        if (v instanceof java.time.ZonedDateTime t) {
            return p.bind(t.toOffsetDateTime(), "timestamptz");
        }
        if (v instanceof LocalDateTime t) {
            return p.bind(t.atZone(p.zone()).toOffsetDateTime(), "timestamptz");
        }
        if (v instanceof LocalDate d) {
            return p.bind(d, "date");
        }
        throw new HogQLResolutionException("Unsupported constant of type " + v.getClass().getSimpleName());
    }

    /** The narrowest ClickHouse integer type of a value past Int64 (null past 256 bits: not an integer literal). */
    static String bigIntegerType(java.math.BigInteger big) {
        int bits = big.bitLength();
        if (big.signum() >= 0) {
            return bits <= 64 ? "UInt64" : bits <= 128 ? "UInt128" : bits <= 256 ? "UInt256" : null;
        }
        return bits <= 127 ? "Int128" : bits <= 255 ? "Int256" : null;
    }

    /** An array literal's SQL, given its type ({@link HogQLTypes#arrayOf} of the items' types). */
    static String arraySql(PostgresPrinter p, List<Frag> items, String type) {
        if (items.isEmpty()) {
            return "ARRAY[]::text[]";
        }
        String element = HogQLTypes.elementType(type);
        Unified u = p.unify(items, element.equals("Nullable(String)") && items.stream()
                .allMatch(f -> f.type().equals(NULL_TYPE)) ? NULL_TYPE : element);
        String sql = "ARRAY[" + String.join(", ", u.sql()) + "]";
        if (u.type().equals(NULL_TYPE)) {
            sql += "::text[]";
        }
        return sql;
    }
}
