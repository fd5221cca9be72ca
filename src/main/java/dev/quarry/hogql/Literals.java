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

    /** A tuple: a JSON array of its items (PostHog shows tuples as lists), typed {@code Tuple(T1, T2, …)}. */
    static Frag tuple(PostgresPrinter p, List<Frag> items) {
        String sql = "jsonb_build_array(" + items.stream().map(f -> cat(f.type()).equals("datetime")
                ? "to_char(" + f.sql() + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" : f.sql())
                .collect(Collectors.joining(", ")) + ")";
        return new Frag(sql, HogQLTypes.tupleOf(items.stream().map(Frag::type).toList()));
    }

    static Frag constant(PostgresPrinter p, Object v) {
        if (v == null) {
            return new Frag("NULL", NULL_TYPE);
        }
        if (v instanceof Boolean b) {
            return new Frag(b ? "TRUE" : "FALSE", "Bool");
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            long l = ((Number) v).longValue();
            return new Frag(l < 0 ? "(" + l + ")::bigint" : l + "::bigint", "Int64");
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return new Frag(p.bind(d, "float8"), "Float64");
            }
            return new Frag("(" + d + ")::float8", "Float64");
        }
        if (v instanceof java.math.BigInteger big) {
            // an integer past Int64 (ClickHouse reads such a literal exactly as UInt64 … UInt256/Int256): exact numeric
            return new Frag(p.bind(new java.math.BigDecimal(big), "numeric"), bigIntegerType(big));
        }
        if (v instanceof java.math.BigDecimal bd) {
            return new Frag(p.bind(bd.doubleValue(), "float8"), "Float64");
        }
        if (v instanceof String s) {
            return new Frag(p.bind(s, "text"), "String");
        }
        if (v instanceof UUID u) {
            return new Frag(p.bind(u, "uuid"), "UUID");
        }
        if (v instanceof OffsetDateTime t) {
            return new Frag(p.bind(t, "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof java.time.Instant t) {
            return new Frag(p.bind(t.atOffset(ZoneOffset.UTC), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof java.time.ZonedDateTime t) {
            return new Frag(p.bind(t.toOffsetDateTime(), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof LocalDateTime t) {
            return new Frag(p.bind(t.atZone(p.zone()).toOffsetDateTime(), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof LocalDate d) {
            return new Frag(p.bind(d, "date"), "Date");
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

    /** An array literal: a PostgreSQL array of the items brought to one type, typed by {@link HogQLTypes#arrayOf}. */
    static Frag arrayLit(PostgresPrinter p, List<Frag> items) {
        String type = HogQLTypes.arrayOf(items.stream().map(Frag::type).toList()); // first: refuses arrays of arrays
        if (items.isEmpty()) {
            return new Frag("ARRAY[]::text[]", type);
        }
        Unified u = p.unify(items);
        String sql = "ARRAY[" + String.join(", ", u.sql()) + "]";
        if (u.type().equals(NULL_TYPE)) {
            sql += "::text[]";
        }
        return new Frag(sql, type);
    }
}
