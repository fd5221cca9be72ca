package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.HogQLTypes.elementType;
import static dev.quarry.hogql.HogQLTypes.isNum;
import static dev.quarry.hogql.HogQLTypes.nullable;
import static dev.quarry.hogql.HogQLTypes.base;
import static dev.quarry.hogql.ConstantArgs.constLong;
import static dev.quarry.hogql.Functions.like;
import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.PostgresPrinter.Frag;
import dev.quarry.hogql.PostgresPrinter.Unified;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The core of PostHog's HogQL function list, as entries of the function table ({@link Functions}): dates and times,
 * strings, conditionals, conversions, rounding, JSON extraction and the basic array functions. Each entry prints
 * PostgreSQL that gives ClickHouse's answer in the team's time zone.
 */
final class CoreFunctions {
    private CoreFunctions() {}

    static void register() {
        scalar(Functions.PROPERTY_PAIRS, 1, 1, returns("Array(String)"),
                (p, c, name) -> "quarry_property_pairs(" + p.expr(c.args().get(0)).sql() + ")");
        scalar(Functions.REGEXP_REPLACE_ALL, 3, 3, returns("String"), (p, c, name) -> "regexp_replace("
                + p.str(p.expr(c.args().get(0))) + ", " + p.str(p.expr(re2(c.args().get(1)))) + ", replace("
                + p.str(p.expr(c.args().get(2))) + ", '\\0', '\\&'), 'g')");
        // dates
        // the compile's clock instant, bound (CompileSettings.now): a fixed clock fixes HogQL's "now" too
        scalar("now", 0, 0, returns(Schema.DATETIME), (p, a, c, name) -> Dates.now(p));
        scalar("today", 0, 0, returns("Date"), (p, a, c, name) -> Dates.today(p, 0));
        scalar("yesterday", 0, 0, returns("Date"), (p, a, c, name) -> Dates.today(p, 1));
        scalar("toDate", 1, 1, (t, c) -> toDateType(t.get(0)), (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return switch (cat(x.type())) {
                case "date" -> x.sql();
                case "string" -> "hogql_to_date(" + x.sql() + ")";
                default -> "(" + Dates.localTs(p, x) + ")::date";
            };
        });
        scalar("toDateTime", 1, 2, (t, c) -> {
            String dt = HogQLTypes.asDateTime(t.get(0));
            return c.args().size() == 2 ? Dates.withZoneType(dt, c.args().get(1)) : dt;
        }, (p, c, name) -> c.args().size() == 1 ? Dates.toDateTime(p, p.expr(c.args().get(0))).sql()
                // a date or a string is local time in the zone given, as ClickHouse reads toDateTime(s, zone)
                : Dates.toDateTime(p, p.expr(c.args().get(0)), Dates.zoneOf(p, p.type(c))).sql());
        startOf("toStartOfMinute", "minute", false);
        startOf("toStartOfHour", "hour", false);
        startOf("toStartOfDay", "day", false);
        scalar("toStartOfWeek", 1, 2, (t, c) -> {
            long mode = c.args().size() == 2 ? constLong(c.args().get(1), "toStartOfWeek mode") : 0;
            return mode % 2 == 1 ? Dates.startOfType(t.get(0), true) : HogQLTypes.nullableLike(t.get(0), "Date");
        }, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            long mode = args.size() == 2 ? constLong(args.get(1), "toStartOfWeek mode") : 0;
            if (mode % 2 == 1) {
                return Dates.startOfSql(p, x, "week", true);
            }
            // Sunday-based weeks
            return "(date_trunc('week', " + Dates.localTs(p, x) + " + INTERVAL '1 day')::date - 1)";
        });
        startOf("toMonday", "week", true);
        startOf("toStartOfMonth", "month", true);
        startOf("toStartOfQuarter", "quarter", true);
        startOf("toStartOfYear", "year", true);
        datePart("toYear", "year");
        datePart("toQuarter", "quarter");
        datePart("toMonth", "month");
        datePart("toDayOfMonth", "day");
        scalar("toDayOfWeek", 1, 2, (t, c) -> {
            if (c.args().size() == 2) {
                constLong(c.args().get(1), "toDayOfWeek mode");
            }
            return HogQLTypes.nullableLike(t.get(0), "Int64");
        }, (p, c, name) -> {
            List<Expr> args = c.args();
            // mode 0: Monday = 1 … Sunday = 7; 1: Monday = 0 … 6; 2: Sunday = 0 … 6; 3: Sunday = 1 … 7
            long mode = args.size() == 2 ? constLong(args.get(1), "toDayOfWeek mode") : 0;
            Frag x = p.expr(args.get(0));
            return switch ((int) (mode % 4)) {
                case 1 -> "(" + Dates.datePartSql(p, x, "isodow") + " - 1)";
                case 2 -> Dates.datePartSql(p, x, "dow");
                case 3 -> "(" + Dates.datePartSql(p, x, "dow") + " + 1)";
                default -> Dates.datePartSql(p, x, "isodow");
            };
        });
        datePart("toDayOfYear", "doy");
        datePart("toHour", "hour");
        datePart("toMinute", "minute");
        scalar("toSecond", 1, 1, returns("Int64"), (p, c, name) -> "floor(extract(second from "
                + Dates.localTs(p, p.expr(c.args().get(0))) + "))::bigint");
        scalar("toUnixTimestamp", 1, 1, returns("Int64"), (p, c, name) -> "floor(extract(epoch from "
                + Dates.toDateTime(p, p.expr(c.args().get(0))).sql() + "))::bigint");
        scalar("dateDiff", 3, 3, (t, c) -> {
            Dates.unitArg(c.args().get(0), "dateDiff");
            return "Int64";
        }, (p, c, name) -> dateDiff(p, Dates.unitArg(c.args().get(0), "dateDiff"), p.expr(c.args().get(1)),
                p.expr(c.args().get(2))));
        Functions.TypeRule dateaddType = (t, c) -> {
            String op = c.name().toLowerCase(Locale.ROOT).equals("dateadd") ? "+" : "-";
            if (c.args().size() == 2) {
                // dateAdd(date, interval), ClickHouse's other argument order
                if (!cat(t.get(1)).equals("interval")) {
                    throw new HogQLResolutionException(Functions.lookup(c.name()).name() + "(date, interval) expects an "
                            + "interval such as toIntervalDay(1) or INTERVAL 1 DAY as its second argument", c);
                }
                return HogQLTypes.arithmetic(op, t.get(0), t.get(1));
            }
            Dates.unitArg(c.args().get(0), Functions.lookup(c.name()).name());
            return HogQLTypes.arithmetic(op, t.get(2), "Interval");
        };
        CallPrinter dateaddFn = (p, c, name) -> {
            List<Expr> args = c.args();
            String op = name.equals("dateadd") ? "+" : "-";
            if (args.size() == 2) {
                return p.arithmeticSql(op, p.expr(args.get(0)), p.expr(args.get(1)));
            }
            String unit = Dates.unitArg(args.get(0), Functions.lookup(name).name());
            return p.arithmeticSql(op, p.expr(args.get(2)), p.interval(p.expr(args.get(1)), unit));
        };
        scalar("dateAdd", 2, 3, dateaddType, dateaddFn);
        scalar("dateSub", 2, 3, dateaddType, dateaddFn);
        scalar("formatDateTime", 2, 2, (t, c) -> {
            toCharPattern(ConstantArgs.constString(c.args().get(1), "formatDateTime format"));
            return HogQLTypes.nullableLike(t.get(0), "String");
        }, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            String pattern = toCharPattern(ConstantArgs.constString(args.get(1), "formatDateTime format"));
            return "to_char(" + Dates.localTs(p, x) + ", " + p.bind(pattern, "text") + ")";
        });
        scalar("toTimeZone", 2, 2, (t, c) -> Dates.withZoneType(HogQLTypes.asDateTime(t.get(0)), c.args().get(1)),
                (p, c, name) -> Dates.toDateTime(p, p.expr(c.args().get(0))).sql());
        // strings
        // ClickHouse's lower / upper change ASCII letters only (lowerUTF8 / upperUTF8 all of Unicode's; V58_2)
        CallPrinter lowerFn = (p, c, name) -> name.equals("lower") ? asciiLower(p.str(p.expr(c.args().get(0))))
                : "hogql_upper_ascii(" + p.str(p.expr(c.args().get(0))) + ")";
        scalar("lower", 1, 1, like(0, "String"), lowerFn);
        scalar("upper", 1, 1, like(0, "String"), lowerFn);
        scalar("length", 1, 1, (t, c) -> cat(t.get(0)).equals("array") ? "UInt64" : HogQLTypes.nullableLike(t.get(0), "UInt64"),
                (p, c, name) -> {
                    Frag x = p.expr(c.args().get(0));
                    if (cat(x.type()).equals("array")) {
                        return "coalesce(cardinality(" + x.sql() + "), 0)::bigint";
                    }
                    // ClickHouse's length of a String counts bytes (lengthUTF8 counts code points)
                    return "octet_length(" + p.str(x) + ")::bigint";
                });
        CallPrinter emptyFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            String len = cat(x.type()).equals("array") ? "coalesce(cardinality(" + x.sql() + "), 0)"
                    : "coalesce(length(" + p.str(x) + "), 0)";
            return "(" + len + (name.equals("empty") ? " = 0)" : " > 0)");
        };
        scalar("empty", 1, 1, returns("Bool"), emptyFn);
        scalar("notEmpty", 1, 1, returns("Bool"), emptyFn);
        scalar("concat", 1, -1, returns("String"), (p, c, name) -> "concat(" + c.args().stream()
                .map(a -> p.str(p.expr(a))).collect(Collectors.joining(", ")) + ")");
        // substring(s, offset[, length]) counts bytes, as ClickHouse's (substringUTF8 characters): an offset from 1, a
        // negative one from the end, 0 gives '' (V58_2), a negative length stops that many bytes before the end (V67_1)
        scalar("substring", 2, 3, like(0, "String"), (p, c, name) -> {
            List<Expr> args = c.args();
            return "hogql_substring_bytes(" + p.str(p.expr(args.get(0))) + ", " + p.int4(p.expr(args.get(1))) + ", "
                    + (args.size() == 3 ? p.int4(p.expr(args.get(2))) : "2147483647") + ")";
        });
        scalar("replaceAll", 3, 3, like(0, "String"), (p, c, name) -> {
            List<Expr> args = c.args();
            return "replace(" + p.str(p.expr(args.get(0))) + ", " + p.str(p.expr(args.get(1))) + ", "
                    + p.str(p.expr(args.get(2))) + ")";
        });
        scalar("replaceOne", 3, 3, like(0, "String"), (p, c, name) -> {
            List<Expr> args = c.args();
            String h = p.str(p.expr(args.get(0)));
            String n = p.str(p.expr(args.get(1)));
            String r = p.str(p.expr(args.get(2)));
            return "(CASE WHEN length(" + n + ") > 0 AND strpos(" + h + ", " + n + ") > 0 THEN overlay(" + h
                    + " placing " + r + " from strpos(" + h + ", " + n + ") for length(" + n + ")) ELSE " + h + " END)";
        });
        // trim(s[, chars]): TRIM(BOTH chars FROM s) reads as trim(s, chars)
        scalar("trim", 1, 2, like(0, "String"), (p, c, name) -> "btrim(" + p.str(p.expr(c.args().get(0)))
                + (c.args().size() == 2 ? ", " + p.str(p.expr(c.args().get(1))) : "") + ")");
        scalar("splitByChar", 2, 2, returns("Array(String)"), (p, c, name) -> "string_to_array("
                + p.str(p.expr(c.args().get(1))) + ", " + p.str(p.expr(c.args().get(0))) + ")");
        // position(haystack, needle[, start]) counts bytes, as ClickHouse's (positionUTF8 characters; V58_2)
        scalar("position", 2, 3, returns("Int64"), (p, c, name) -> "hogql_position_bytes(" + p.str(p.expr(c.args().get(0)))
                + ", " + p.str(p.expr(c.args().get(1))) + ", " + (c.args().size() == 3 ? p.int4(p.expr(c.args().get(2)))
                : "1") + ")");
        likeFn("like", " LIKE ");
        likeFn("ilike", " ILIKE ");
        likeFn("notLike", " NOT LIKE ");
        likeFn("notILike", " NOT ILIKE ");
        scalar("match", 2, 2, returns("Bool"), (p, c, name) -> "hogql_match(" + p.str(p.expr(c.args().get(0))) + ", "
                + regex(p, c.args().get(1)) + ")");
        scalar("extract", 2, 2, returns("String"), (p, c, name) -> "hogql_regexp_extract("
                + p.str(p.expr(c.args().get(0))) + ", " + regex(p, c.args().get(1), true) + ")");
        scalar("startsWith", 2, 2, returns("Bool"), (p, c, name) -> "starts_with(" + p.str(p.expr(c.args().get(0)))
                + ", " + p.str(p.expr(c.args().get(1))) + ")");
        scalar("endsWith", 2, 2, returns("Bool"), (p, c, name) -> {
            String s = p.str(p.expr(c.args().get(0)));
            String suffix = p.str(p.expr(c.args().get(1)));
            return "(right(" + s + ", length(" + suffix + ")) = " + suffix + ")";
        });
        // conditionals
        scalar("if", 3, 3, (t, c) -> HogQLTypes.unify(List.of(t.get(1), t.get(2))), (p, c, name) -> {
            List<Expr> args = c.args();
            Unified u = p.unify(List.of(p.expr(args.get(1)), p.expr(args.get(2))), p.type(c));
            return "(CASE WHEN " + p.bool(p.expr(args.get(0))) + " THEN " + u.sql().get(0) + " ELSE " + u.sql().get(1)
                    + " END)";
        });
        scalar("multiIf", 3, -1, (t, c) -> {
            if (t.size() % 2 == 0) {
                throw new HogQLResolutionException("multiIf expects an odd number of arguments", c);
            }
            List<String> rs = new ArrayList<>();
            for (int k = 1; k < t.size(); k += 2) {
                rs.add(t.get(k));
            }
            rs.add(t.get(t.size() - 1));
            return HogQLTypes.unify(rs);
        }, (p, c, name) -> {
            List<Expr> args = c.args();
            List<Frag> rs = new ArrayList<>();
            for (int k = 1; k < args.size(); k += 2) {
                rs.add(p.expr(args.get(k)));
            }
            rs.add(p.expr(args.get(args.size() - 1)));
            Unified u = p.unify(rs, p.type(c));
            StringBuilder sb = new StringBuilder("(CASE");
            for (int k = 0; k + 1 < args.size(); k += 2) {
                sb.append(" WHEN ").append(p.bool(p.expr(args.get(k)))).append(" THEN ").append(u.sql().get(k / 2));
            }
            return sb.append(" ELSE ").append(u.sql().get(u.sql().size() - 1)).append(" END)").toString();
        });
        Functions.TypeRule coalesceType = (t, c) -> {
            List<String> types = ScalarFunctions.allTypes(t);
            String u = HogQLTypes.unify(types);
            String last = types.get(types.size() - 1);
            return last.startsWith("Nullable(") || cat(last).equals("null") ? u : base(u);
        };
        CallPrinter coalesceFn = (p, c, name) -> {
            List<Frag> fs = c.args().stream().map(p::expr).toList();
            return "coalesce(" + String.join(", ", p.unify(fs, p.type(c)).sql()) + ")";
        };
        scalar("coalesce", 1, -1, coalesceType, coalesceFn);
        scalar("ifNull", 2, 2, coalesceType, coalesceFn);
        scalar("nullIf", 2, 2, (t, c) -> nullable(t.get(0)), (p, c, name) -> {
            List<Expr> args = c.args();
            String[] s = p.coerce(p.expr(args.get(0)), args.get(0), p.expr(args.get(1)), args.get(1));
            return "NULLIF(" + s[0] + ", " + s[1] + ")";
        });
        scalar("isNull", 1, 1, returns("Bool"), (p, c, name) -> "(" + p.expr(c.args().get(0)).sql() + " IS NULL)");
        scalar("isNotNull", 1, 1, returns("Bool"), (p, c, name) -> "(" + p.expr(c.args().get(0)).sql() + " IS NOT NULL)");
        // conversion
        scalar("toString", 1, 1, like(0, "String"), (p, c, name) -> p.str(p.expr(c.args().get(0))));
        Functions.TypeRule tointType = (t, c) -> switch (cat(t.get(0))) {
            case "int" -> c.name().equalsIgnoreCase("toInt64") || IntegerArithmetic.heldInBigint(t.get(0), c.args().get(0))
                    ? HogQLTypes.nullableLike(t.get(0), "Int64") : "Nullable(Int64)";
            case "bool" -> "Int64";
            case "datetime" -> HogQLTypes.nullableLike(t.get(0), "Int64");
            default -> "Nullable(Int64)";
        };
        CallPrinter tointFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return switch (cat(x.type())) {
                // toInt64 wraps modulo 2^64 (ClickHouse's toInt64); toInt is accurateCastOrNull (NULL past Int64)
                case "int" -> (name.equals("toint64") ? IntegerArithmetic.toInt64(x) : IntegerArithmetic.toIntOrNull(x)).sql();
                case "float" -> "(CASE WHEN abs(" + x.sql() + ") < 9.2e18 THEN trunc(" + x.sql() + ")::bigint END)";
                case "bool" -> "(" + x.sql() + ")::int::bigint";
                case "datetime" -> "floor(extract(epoch from " + x.sql() + "))::bigint";
                default -> "hogql_to_int(" + p.str(x) + ")";
            };
        };
        scalar("toInt", 1, 1, tointType, tointFn);
        scalar("toInt64", 1, 1, tointType, tointFn);
        Functions.TypeRule tofloatType = (t, c) -> switch (cat(t.get(0))) {
            case "int", "float", "bool" -> HogQLTypes.nullableLike(t.get(0), "Float64");
            default -> "Nullable(Float64)";
        };
        CallPrinter tofloatFn = (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return switch (cat(x.type())) {
                case "int", "float", "bool" -> "(" + p.num(x) + ")::float8";
                default -> "hogql_to_float(" + p.str(x) + ")";
            };
        };
        scalar("toFloat", 1, 1, tofloatType, tofloatFn);
        scalar("toFloat64", 1, 1, tofloatType, tofloatFn);
        scalar("toUUID", 1, 1, (t, c) -> cat(t.get(0)).equals("uuid") ? t.get(0) : "Nullable(UUID)", (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            return cat(x.type()).equals("uuid") ? x.sql() : "hogql_to_uuid(" + p.str(x) + ")";
        });
        // toBool of a String parses ClickHouse's Bool text (true/false, 1/0, yes/no, on/off, enable/disable, t/f,
        // y/n in any case); any other text fails the query (CANNOT_PARSE_BOOL, PostHog's fixed message) — so does
        // PostHog's every('a'), which is toBool(min('a'))
        scalar("toBool", 1, 1, like(0, HogQLTypes.CLICKHOUSE_BOOL), (p, c, name) -> {
            Frag x = p.expr(c.args().get(0));
            if (!cat(x.type()).equals("string")) {
                return p.bool(x);
            }
            return "(CASE lower(" + x.sql() + ") WHEN 'true' THEN TRUE WHEN '1' THEN TRUE WHEN 'yes' THEN TRUE WHEN 'on'"
                    + " THEN TRUE WHEN 'enable' THEN TRUE WHEN 't' THEN TRUE WHEN 'y' THEN TRUE WHEN 'false' THEN FALSE"
                    + " WHEN '0' THEN FALSE WHEN 'no' THEN FALSE WHEN 'off' THEN FALSE WHEN 'disable' THEN FALSE"
                    + " WHEN 'f' THEN FALSE WHEN 'n' THEN FALSE ELSE CASE WHEN " + x.sql() + " IS NOT NULL THEN "
                    + IntegerArithmetic.raise("Cannot parse a boolean. Check for values other than true, false, 1, or 0.",
                    "cannot_parse_bool", "boolean") + " END END)";
        });
        // math
        scalar("round", 1, 2, (t, c) -> {
            long places = c.args().size() == 2 ? ConstantArgs.constSigned(c.args().get(1), "round precision") : 0;
            return cat(t.get(0)).equals("int") ? t.get(0) : HogQLTypes.nullableLike(t.get(0), "Float64");
        }, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            long places = args.size() == 2 ? ConstantArgs.constSigned(args.get(1), "round precision") : 0;
            if (cat(x.type()).equals("int")) {
                // an integer stays an integer of its type; negative places round half away from zero (1250 → 1300),
                // wrapping at the bounds as ClickHouse's (IntegerRounding)
                return IntegerRounding.sql("round", x, args.get(0), places, c);
            }
            if (cat(x.type()).equals("float")) {
                // ClickHouse rounds a Float half to even (round(2.5) = 2), as roundBankers; other types half away
                return Functions.lookup("roundBankers").sql().print(p, c, "roundbankers");
            }
            return "round((" + p.num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8";
        });
        Functions.TypeRule floorType = (t, c) -> {
            if (c != null && c.args().size() == 2) {
                ConstantArgs.constSigned(c.args().get(1), "floor precision");
                if (cat(t.get(0)).equals("int")) {
                    return t.get(0); // an integer keeps its type (IntegerRounding)
                }
            }
            return HogQLTypes.nullableLike(t.get(0), HogQLTypes.numType(t.get(0)));
        };
        CallPrinter floorFn = (p, c, name) -> name + "(" + p.num(p.expr(c.args().get(0))) + ")";
        // floor(x, N) / ceil(x, N) as PostHog allows (ClickHouse's precision argument): an integer to a multiple of
        // 10^-N (IntegerRounding), a float as ClickHouse computes it, x * 10^N rounded then divided back (a double
        // from 2^52 up, NaN and inf are already whole)
        CallPrinter floorPlacesFn = (p, c, name) -> {
            if (c.args().size() == 1) {
                return floorFn.print(p, c, name);
            }
            Frag x = p.expr(c.args().get(0));
            long places = ConstantArgs.constSigned(c.args().get(1), name + " precision");
            if (cat(x.type()).equals("int")) {
                return IntegerRounding.sql(name, x, c.args().get(0), places, c);
            }
            if (places == 0) {
                return floorFn.print(p, c, name);
            }
            places = Math.max(-20, Math.min(20, places));
            String v = "(" + p.num(x) + ")::float8";
            if (places < 0) {
                return "hogql_fdivide(" + name + "(hogql_fmultiply(" + v + ", 1e" + places + ")), 1e" + places + ")";
            }
            return "(CASE WHEN abs(" + v + ") >= 4503599627370496 THEN " + v + " ELSE " + name + "(" + v + " * 1e"
                    + places + ") / 1e" + places + " END)";
        };
        scalar("floor", 1, 2, floorType, floorPlacesFn);
        scalar("ceil", 1, 2, floorType, floorPlacesFn);
        // abs of a signed integer is ClickHouse's unsigned one of its width: abs(-9223372036854775808) is
        // 9223372036854775808 (UInt64), held exactly as numeric (PostgreSQL's abs of a bigint fails there)
        // (abs(-1) is UInt8: an IntN's abs is UIntN)
        // (an unsigned integer's abs is itself, its type kept: abs(1) UInt8, ClickHouse's ResultOfAbs)
        scalar("abs", 1, 1, (t, c) -> HogQLTypes.base(t.get(0)).matches("Int(8|16|32|64)")
                ? HogQLTypes.nullableLike(t.get(0), "U" + HogQLTypes.base(t.get(0)))
                : HogQLTypes.base(t.get(0)).matches("UInt(8|16|32|64)") ? t.get(0) : floorType.type(t, c), (p, c, name) -> {
                    Frag x = p.expr(c.args().get(0));
                    return HogQLTypes.base(x.type()).equals("Int64") && !IntegerArithmetic.isNumericSql(x)
                            ? "abs((" + x.sql() + ")::numeric)::numeric" : floorFn.print(p, c, name);
                });
        // NaN as ClickHouse's greatest/least take it (FloatOrder.greatest)
        CallPrinter greatestFn = (p, c, name) -> {
            List<Frag> args = c.args().stream().map(p::expr).toList();
            return FloatOrder.greatest(name.equals("greatest"), p.unify(args, p.type(c)).sql(), args, c.args());
        };
        scalar("greatest", 2, -1, (t, c) -> HogQLTypes.unify(ScalarFunctions.allTypes(t)), greatestFn);
        scalar("least", 2, -1, (t, c) -> HogQLTypes.unify(ScalarFunctions.allTypes(t)), greatestFn);
        // JSON
        json("JSONExtractString", 1, "String");
        json("JSONExtractInt", 1, "Int64");
        json("JSONExtractFloat", 1, "Float64");
        json("JSONExtractBool", 1, "Bool");
        json("JSONHas", 2, "Bool");
        // arrays
        scalar("has", 2, 2, (t, c) -> {
            if (!cat(t.get(0)).equals("array")) {
                throw new HogQLResolutionException("has expects an array as its first argument", c);
            }
            if (cat(t.get(1)).equals("array")) {
                throw new HogQLResolutionException("has expects an element of " + t.get(0) + ", got " + t.get(1), c);
            }
            return "Bool";
        }, (p, c, name) -> {
            Frag a = p.expr(c.args().get(0));
            Frag x = p.expr(c.args().get(1));
            String el = elementType(a.type());
            String xs = cat(el).equals(cat(x.type())) || (isNum(el) && isNum(x.type())) ? x.sql()
                    : cat(el).equals("string") ? p.str(x) : x.sql();
            // ClickHouse's has compares with ==: NaN is never found (has([nan], nan) 0)
            return "coalesce(" + (FloatOrder.canBeNaN(x, c.args().get(1)) ? "NULLIF(" + xs + ", " + FloatOrder.NAN
                    + ")" : "(" + xs + ")") + " = ANY(" + a.sql() + "), FALSE)";
        });
        scalar("array", 0, -1, (t, c) -> HogQLTypes.arrayOf(ScalarFunctions.allTypes(t)),
                (p, c, name) -> Literals.arraySql(p, c.args().stream().map(p::expr).toList(), p.type(c)));
        scalar("arrayJoin", 1, 1, (t, c) -> {
            throw new HogQLResolutionException(SelectArrayJoin.MISPLACED, c);
        }, (p, c, name) -> {
            throw new HogQLResolutionException(SelectArrayJoin.MISPLACED, c);
        });
        // PostHog's matchesAction(id or name): a HogQLQuery gives each call its action's condition before it compiles
        // (actions.MatchesAction, which reads the team's action) as a second argument, printed here in its place (the
        // HogQL printer prints the first); a call that reaches the printer with one argument was not given one
        scalar("matchesAction", 1, 2, (t, c) -> t.size() == 2 ? t.get(1) : "UInt8", (p, c, name) -> {
            if (c.args().size() == 2 && c.args().get(0) instanceof Expr.Constant) {
                return p.expr(c.args().get(1)).sql();
            }
            throw new HogQLResolutionException("matchesAction() is supported in a HogQLQuery (the action is read "
                    + "before the query compiles), not here", c);
        });
    }

    /** The type of toDate(x): a Date stays, text may not parse (nullable), other values are their local day. */
    static String toDateType(String t) {
        return switch (cat(t)) {
            case "date" -> t;
            case "string" -> "Nullable(Date)";
            default -> {
                HogQLTypes.asDateTime(t); // refuses what is no date or time
                yield HogQLTypes.nullableLike(t, "Date");
            }
        };
    }

    /** toStartOfDay and friends: the start of the unit in the value's time zone, a Date for {@code dateResult}. */
    private static void startOf(String name, String unit, boolean dateResult) {
        scalar(name, 1, 1, (t, c) -> Dates.startOfType(t.get(0), dateResult),
                (p, c, lower) -> Dates.startOfSql(p, p.expr(c.args().get(0)), unit, dateResult));
    }

    /** toYear and friends: a part of the value's wall-clock time, Int64 (nullable when the value is). */
    private static void datePart(String name, String part) {
        scalar(name, 1, 1, like(0, "Int64"), (p, c, lower) -> Dates.datePartSql(p, p.expr(c.args().get(0)), part));
    }

    /** like(s, pattern) and friends, as the operator. */
    private static void likeFn(String name, String op) {
        scalar(name, 2, 2, returns("Bool"), (p, c, lower) -> "(" + p.str(p.expr(c.args().get(0))) + op
                + p.str(p.expr(c.args().get(1))) + ")");
    }

    private static String dateDiff(PostgresPrinter p, String unit, Frag a, Frag b) {
        String ea = "extract(epoch from " + Dates.toDateTime(p, a).sql() + ")";
        String eb = "extract(epoch from " + Dates.toDateTime(p, b).sql() + ")";
        String la = Dates.localTs(p, a);
        String lb = Dates.localTs(p, b);
        String sql = switch (unit) {
            case "second" -> "(floor(" + eb + ") - floor(" + ea + "))";
            case "minute" -> "(floor(" + eb + " / 60) - floor(" + ea + " / 60))";
            case "hour" -> "(floor(" + eb + " / 3600) - floor(" + ea + " / 3600))";
            case "day" -> "((" + lb + ")::date - (" + la + ")::date)";
            case "week" -> "((date_trunc('week', " + lb + ")::date - date_trunc('week', " + la + ")::date) / 7)";
            case "month" -> "((extract(year from " + lb + ") * 12 + extract(month from " + lb + ")) - (extract(year from "
                    + la + ") * 12 + extract(month from " + la + ")))";
            case "quarter" -> "((extract(year from " + lb + ") * 4 + extract(quarter from " + lb
                    + ")) - (extract(year from " + la + ") * 4 + extract(quarter from " + la + ")))";
            default -> "(extract(year from " + lb + ") - extract(year from " + la + "))";
        };
        return sql + "::bigint";
    }

    private static final Map<Character, String> FORMAT_CODES = Map.ofEntries(
            Map.entry('Y', "YYYY"), Map.entry('y', "YY"), Map.entry('m', "MM"), Map.entry('d', "DD"),
            Map.entry('e', "FMDD"), Map.entry('H', "HH24"), Map.entry('I', "HH12"), Map.entry('i', "MI"),
            Map.entry('M', "MI"), Map.entry('S', "SS"), Map.entry('s', "SS"), Map.entry('p', "AM"),
            Map.entry('j', "DDD"), Map.entry('F', "YYYY-MM-DD"), Map.entry('T', "HH24:MI:SS"),
            Map.entry('D', "MM/DD/YY"), Map.entry('R', "HH24:MI"), Map.entry('u', "ID"), Map.entry('V', "IW"),
            Map.entry('b', "Mon"), Map.entry('B', "FMMonth"), Map.entry('a', "Dy"), Map.entry('W', "FMDay"),
            Map.entry('h', "HH12"), Map.entry('Q', "Q"), Map.entry('C', "CC"), Map.entry('f', "US"));

    /** ClickHouse formatDateTime pattern → PostgreSQL to_char pattern (literal text double-quoted). */
    /**
     * A regular-expression argument as SQL text. A constant pattern (a property filter's value, a literal) goes through
     * {@code hogql_regex_pattern} (V36_1) as an uncorrelated subquery, checked once per statement (when the first
     * row needs it), so an invalid one fails the statement with SQLSTATE 2201B naming the pattern (ClickHouse fails on a pattern that does
     * not compile; PostHog answers 400). Any other pattern fails with PostgreSQL's own 2201B. A constant pattern RE2
     * refuses (backreferences, lookaround) is refused before printing ({@link RegexPatterns}), and RE2's syntax is
     * rewritten for PostgreSQL ({@link #re2}).
     */
    static String regex(PostgresPrinter p, Expr pattern) {
        return regex(p, pattern, false);
    }

    /**
     * As {@link #regex(PostgresPrinter, Expr)}; {@code extent}: the function's answer depends on the text a match
     * covers (extract, replace, split, count), so a constant pattern mixing greedy and lazy quantifiers is refused
     * ({@link Re2ToPostgres#sameGreediness}).
     */
    static String regex(PostgresPrinter p, Expr pattern, boolean extent) {
        if (extent && pattern instanceof Expr.Constant c && c.value() instanceof String text) {
            Re2ToPostgres.sameGreediness(text);
        }
        pattern = re2(pattern);
        String sql = p.str(p.expr(pattern));
        // a pattern computed per row is checked as it is read (V91_1): a backreference or a lookaround, which RE2
        // refuses and PostgreSQL would run by backtracking, fails the statement with cannot_compile_regexp
        return pattern instanceof Expr.Constant ? "(SELECT hogql_regex_pattern(" + sql + "))"
                : "hogql_re2_row_pattern(" + sql + ")";
    }

    /**
     * A constant pattern checked against RE2's syntax ({@link RegexPatterns}) and rewritten for PostgreSQL
     * ({@link Re2ToPostgres}: named groups, flags, {@code \\z}, ASCII classes…; a 400 naming a construct PostgreSQL
     * cannot run the same way); any other expression as it is.
     */
    static Expr re2(Expr pattern) {
        if (pattern instanceof Expr.Constant c && c.value() instanceof String text) {
            RegexPatterns.check(text);
            return new Expr.Constant(Re2ToPostgres.translate(text));
        }
        return pattern;
    }

    static String toCharPattern(String fmt) {
        StringBuilder out = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (int k = 0; k < fmt.length(); k++) {
            char ch = fmt.charAt(k);
            if (ch == '%' && k + 1 < fmt.length()) {
                char code = fmt.charAt(++k);
                String p = FORMAT_CODES.get(code);
                if (p == null) {
                    lit.append(switch (code) {
                        case '%' -> "%";
                        case 'n' -> "\n";
                        case 't' -> "\t";
                        default -> throw new HogQLResolutionException("Unsupported formatDateTime code %" + code);
                    });
                } else {
                    flushLiteral(out, lit);
                    out.append(p);
                }
            } else {
                lit.append(ch);
            }
        }
        flushLiteral(out, lit);
        return out.toString();
    }

    private static void flushLiteral(StringBuilder out, StringBuilder lit) {
        if (lit.length() > 0) {
            out.append('"').append(lit.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            lit.setLength(0);
        }
    }

    /** JSONExtractString and friends: the value at the path of keys after the first argument, as {@code type}. */
    private static void json(String name, int minArgs, String type) {
        scalar(name, minArgs, -1, (t, c) -> {
            ScalarFunctions.jsonPath(c.args().subList(1, c.args().size()));
            return type;
        }, (p, c, lower) -> json(p, lower, c.args()));
    }

    private static String json(PostgresPrinter p, String name, List<Expr> args) {
        Frag j = p.expr(args.get(0));
        String js = cat(j.type()).equals("json") ? j.sql() : "hogql_to_jsonb(" + p.str(j) + ")";
        List<String> path = ScalarFunctions.jsonPath(args.subList(1, args.size()));
        String asText = path.isEmpty() ? "(" + js + " #>> '{}')" : p.jsonPath(js, path, true);
        String asJson = path.isEmpty() ? js : p.jsonPath(js, path, false);
        return switch (name) {
            case "jsonextractstring" -> "coalesce(" + asText + ", '')";
            case "jsonextractint" -> "coalesce(hogql_to_int(" + asText + "), 0)";
            case "jsonextractfloat" -> "coalesce(hogql_to_float(" + asText + "), 0)";
            case "jsonextractbool" -> "coalesce(" + asJson + " = 'true'::jsonb, FALSE)";
            default -> "(" + asJson + " IS NOT NULL)";
        };
    }

    /** ClickHouse's lower: ASCII letters only (V58_2: PostgreSQL's lower for ASCII text, translate otherwise). */
    static String asciiLower(String sql) {
        return "hogql_lower_ascii(" + sql + ")";
    }
}
