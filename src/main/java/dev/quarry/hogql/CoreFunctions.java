package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.HogQLTypes.elementType;
import static dev.quarry.hogql.HogQLTypes.isNum;
import static dev.quarry.hogql.HogQLTypes.nullable;
import static dev.quarry.hogql.HogQLTypes.base;
import static dev.quarry.hogql.PostgresPrinter.constLong;
import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.Printer;
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
        scalar(Functions.PROPERTY_PAIRS, 1, 1, (p, c, name) -> new Frag("quarry_property_pairs(" + p.expr(c.args().get(0)).sql() + ")", "Array(String)"));
        scalar(Functions.REGEXP_REPLACE_ALL, 3, 3, (p, c, name) -> new Frag("regexp_replace(" + p.str(p.expr(c.args().get(0)))
                + ", " + p.str(p.expr(re2(c.args().get(1)))) + ", replace(" + p.str(p.expr(c.args().get(2))) + ", '\\0', '\\&'), 'g')",
                "String"));
        // dates
        // the compile's clock instant, bound (CompileSettings.now): a fixed clock fixes HogQL's "now" too
        scalar("now", 0, 0, returns(Schema.DATETIME), (p, a, c, name) -> Dates.now(p));
        scalar("today", 0, 0, returns("Date"), (p, a, c, name) -> Dates.today(p, 0));
        scalar("yesterday", 0, 0, returns("Date"), (p, a, c, name) -> Dates.today(p, 1));
        scalar("toDate", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return switch (cat(x.type())) {
                case "date" -> x;
                case "string" -> new Frag("hogql_to_date(" + x.sql() + ")", "Nullable(Date)");
                default -> new Frag("(" + Dates.localTs(p, x) + ")::date", p.nullableLike(x, "Date"));
            };
        });
        scalar("toDateTime", 1, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            Frag dt = Dates.toDateTime(p, x);
            if (args.size() == 2) {
                return Dates.withZone(p, dt, args.get(1));
            }
            return dt;
        });
        scalar("toStartOfMinute", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "minute", false));
        scalar("toStartOfHour", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "hour", false));
        scalar("toStartOfDay", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "day", false));
        scalar("toStartOfWeek", 1, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            long mode = args.size() == 2 ? constLong(args.get(1), "toStartOfWeek mode") : 0;
            if (mode % 2 == 1) {
                return Dates.startOf(p, x, "week", true);
            }
            // Sunday-based weeks
            return new Frag("(date_trunc('week', " + Dates.localTs(p, x) + " + INTERVAL '1 day')::date - 1)",
                    p.nullableLike(x, "Date"));
        });
        scalar("toMonday", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "week", true));
        scalar("toStartOfMonth", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "month", true));
        scalar("toStartOfQuarter", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "quarter", true));
        scalar("toStartOfYear", 1, 1, (p, c, name) -> Dates.startOf(p, p.expr(c.args().get(0)), "year", true));
        scalar("toYear", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "year"));
        scalar("toQuarter", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "quarter"));
        scalar("toMonth", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "month"));
        scalar("toDayOfMonth", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "day"));
        scalar("toDayOfWeek", 1, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            // mode 0: Monday = 1 … Sunday = 7; 1: Monday = 0 … 6; 2: Sunday = 0 … 6; 3: Sunday = 1 … 7
            long mode = args.size() == 2 ? constLong(args.get(1), "toDayOfWeek mode") : 0;
            Frag x = p.expr(args.get(0));
            return switch ((int) (mode % 4)) {
                case 1 -> new Frag("(" + Dates.datePart(p, x, "isodow").sql() + " - 1)", p.nullableLike(x, "Int64"));
                case 2 -> Dates.datePart(p, x, "dow");
                case 3 -> new Frag("(" + Dates.datePart(p, x, "dow").sql() + " + 1)", p.nullableLike(x, "Int64"));
                default -> Dates.datePart(p, x, "isodow");
            };
        });
        scalar("toDayOfYear", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "doy"));
        scalar("toHour", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "hour"));
        scalar("toMinute", 1, 1, (p, c, name) -> Dates.datePart(p, p.expr(c.args().get(0)), "minute"));
        scalar("toSecond", 1, 1, (p, c, name) -> new Frag("floor(extract(second from " + Dates.localTs(p, p.expr(c.args().get(0))) + "))::bigint", "Int64"));
        scalar("toUnixTimestamp", 1, 1, (p, c, name) -> new Frag("floor(extract(epoch from " + Dates.toDateTime(p, p.expr(c.args().get(0))).sql() + "))::bigint", "Int64"));
        scalar("dateDiff", 3, 3, (p, c, name) -> dateDiff(p, Dates.unitArg(p, c.args().get(0), "dateDiff"), p.expr(c.args().get(1)), p.expr(c.args().get(2))));
        Printer dateaddFn = (p, c, name) -> {
            List<Expr> args = c.args();
            if (args.size() == 2) {
                // dateAdd(date, interval), ClickHouse's other argument order
                Frag i = p.expr(args.get(1));
                if (!cat(i.type()).equals("interval")) {
                    throw new HogQLResolutionException(Functions.lookup(name).name() + "(date, interval) expects an interval such as "
                            + "toIntervalDay(1) or INTERVAL 1 DAY as its second argument", c);
                }
                return p.arithmetic(name.equals("dateadd") ? "+" : "-", p.expr(args.get(0)), i);
            }
            String unit = Dates.unitArg(p, args.get(0), Functions.lookup(name).name());
            return p.arithmetic(name.equals("dateadd") ? "+" : "-", p.expr(args.get(2)), p.interval(p.expr(args.get(1)), unit));
        };
        scalar("dateAdd", 2, 3, dateaddFn);
        scalar("dateSub", 2, 3, dateaddFn);
        scalar("formatDateTime", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            String pattern = toCharPattern(p.constString(args.get(1), "formatDateTime format"));
            return new Frag("to_char(" + Dates.localTs(p, x) + ", " + p.bind(pattern, "text") + ")", p.nullableLike(x, "String"));
        });
        scalar("toTimeZone", 2, 2, (p, c, name) -> Dates.withZone(p, Dates.toDateTime(p, p.expr(c.args().get(0))), c.args().get(1)));
        // strings
        Printer lowerFn = (p, c, name) -> new Frag(name + "(" + p.str(p.expr(c.args().get(0))) + ")", p.nullableLike(p.expr(c.args().get(0)), "String"));
        scalar("lower", 1, 1, lowerFn);
        scalar("upper", 1, 1, lowerFn);
        scalar("length", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            if (cat(x.type()).equals("array")) {
                return new Frag("coalesce(cardinality(" + x.sql() + "), 0)::bigint", "UInt64");
            }
            return new Frag("length(" + p.str(x) + ")::bigint", p.nullableLike(x, "UInt64"));
        });
        Printer emptyFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            String len = cat(x.type()).equals("array") ? "coalesce(cardinality(" + x.sql() + "), 0)"
                    : "coalesce(length(" + p.str(x) + "), 0)";
            return new Frag("(" + len + (name.equals("empty") ? " = 0)" : " > 0)"), "Bool");
        };
        scalar("empty", 1, 1, emptyFn);
        scalar("notEmpty", 1, 1, emptyFn);
        scalar("concat", 1, -1, (p, c, name) -> {
            List<Expr> args = c.args();
            return new Frag("concat(" + args.stream().map(a -> p.str(p.expr(a))).collect(Collectors.joining(", ")) + ")",
                    "String");
        });
        scalar("substring", 2, 3, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag s = p.expr(args.get(0));
            String sql = "substr(" + p.str(s) + ", " + p.int4(p.expr(args.get(1)));
            if (args.size() == 3) {
                sql += ", GREATEST(" + p.int4(p.expr(args.get(2))) + ", 0)";
            }
            return new Frag(sql + ")", p.nullableLike(s, "String"));
        });
        scalar("replaceAll", 3, 3, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag s = p.expr(args.get(0));
            return new Frag("replace(" + p.str(s) + ", " + p.str(p.expr(args.get(1))) + ", " + p.str(p.expr(args.get(2))) + ")",
                    p.nullableLike(s, "String"));
        });
        scalar("replaceOne", 3, 3, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag s = p.expr(args.get(0));
            String h = p.str(s);
            String n = p.str(p.expr(args.get(1)));
            String r = p.str(p.expr(args.get(2)));
            return new Frag("(CASE WHEN length(" + n + ") > 0 AND strpos(" + h + ", " + n + ") > 0 THEN overlay(" + h
                    + " placing " + r + " from strpos(" + h + ", " + n + ") for length(" + n + ")) ELSE " + h + " END)",
                    p.nullableLike(s, "String"));
        });
        // trim(s[, chars]): TRIM(BOTH chars FROM s) reads as trim(s, chars)
        scalar("trim", 1, 2, (p, c, name) -> new Frag("btrim(" + p.str(p.expr(c.args().get(0)))
                + (c.args().size() == 2 ? ", " + p.str(p.expr(c.args().get(1))) : "") + ")",
                p.nullableLike(p.expr(c.args().get(0)), "String")));
        scalar("splitByChar", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            return new Frag("string_to_array(" + p.str(p.expr(args.get(1))) + ", " + p.str(p.expr(args.get(0))) + ")",
                    "Array(String)");
        });
        scalar("position", 2, 2, (p, c, name) -> new Frag("strpos(" + p.str(p.expr(c.args().get(0))) + ", " + p.str(p.expr(c.args().get(1))) + ")::bigint", "Int64"));
        scalar("like", 2, 2, (p, c, name) -> new Frag("(" + p.str(p.expr(c.args().get(0))) + " LIKE " + p.str(p.expr(c.args().get(1))) + ")", "Bool"));
        scalar("ilike", 2, 2, (p, c, name) -> new Frag("(" + p.str(p.expr(c.args().get(0))) + " ILIKE " + p.str(p.expr(c.args().get(1))) + ")", "Bool"));
        scalar("notLike", 2, 2, (p, c, name) -> new Frag("(" + p.str(p.expr(c.args().get(0))) + " NOT LIKE " + p.str(p.expr(c.args().get(1))) + ")", "Bool"));
        scalar("notILike", 2, 2, (p, c, name) -> new Frag("(" + p.str(p.expr(c.args().get(0))) + " NOT ILIKE " + p.str(p.expr(c.args().get(1))) + ")", "Bool"));
        scalar("match", 2, 2, (p, c, name) -> new Frag("hogql_match(" + p.str(p.expr(c.args().get(0))) + ", " + regex(p, c.args().get(1)) + ")", "Bool"));
        scalar("extract", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            return new Frag("hogql_regexp_extract(" + p.str(p.expr(args.get(0))) + ", " + regex(p, args.get(1)) + ")",
                    "String");
        });
        scalar("startsWith", 2, 2, (p, c, name) -> new Frag("starts_with(" + p.str(p.expr(c.args().get(0))) + ", " + p.str(p.expr(c.args().get(1))) + ")", "Bool"));
        scalar("endsWith", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            String s = p.str(p.expr(args.get(0)));
            String suffix = p.str(p.expr(args.get(1)));
            return new Frag("(right(" + s + ", length(" + suffix + ")) = " + suffix + ")", "Bool");
        });
        // conditionals
        scalar("if", 3, 3, (p, c, name) -> {
            List<Expr> args = c.args();
            Unified u = p.unify(List.of(p.expr(args.get(1)), p.expr(args.get(2))));
            return new Frag("(CASE WHEN " + p.bool(p.expr(args.get(0))) + " THEN " + u.sql().get(0) + " ELSE " + u.sql().get(1)
                    + " END)", u.type());
        });
        scalar("multiIf", 3, -1, (p, c, name) -> {
            List<Expr> args = c.args();
            if (args.size() % 2 == 0) {
                throw new HogQLResolutionException("multiIf expects an odd number of arguments", c);
            }
            List<Frag> rs = new ArrayList<>();
            for (int k = 1; k < args.size(); k += 2) {
                rs.add(p.expr(args.get(k)));
            }
            rs.add(p.expr(args.get(args.size() - 1)));
            Unified u = p.unify(rs);
            StringBuilder sb = new StringBuilder("(CASE");
            for (int k = 0; k + 1 < args.size(); k += 2) {
                sb.append(" WHEN ").append(p.bool(p.expr(args.get(k)))).append(" THEN ").append(u.sql().get(k / 2));
            }
            sb.append(" ELSE ").append(u.sql().get(u.sql().size() - 1)).append(" END)");
            return new Frag(sb.toString(), u.type());
        });
        Printer coalesceFn = (p, c, name) -> {
            List<Expr> args = c.args();
            List<Frag> fs = args.stream().map(p::expr).toList();
            Unified u = p.unify(fs);
            Frag last = fs.get(fs.size() - 1);
            String type = last.type().startsWith("Nullable(") || cat(last.type()).equals("null") ? u.type() : base(u.type());
            return new Frag("coalesce(" + String.join(", ", u.sql()) + ")", type);
        };
        scalar("coalesce", 1, -1, coalesceFn);
        scalar("ifNull", 2, 2, coalesceFn);
        scalar("nullIf", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag a = p.expr(args.get(0));
            String[] s = p.coerce(a, args.get(0), p.expr(args.get(1)), args.get(1));
            return new Frag("NULLIF(" + s[0] + ", " + s[1] + ")", nullable(a.type()));
        });
        scalar("isNull", 1, 1, (p, c, name) -> new Frag("(" + p.expr(c.args().get(0)).sql() + " IS NULL)", "Bool"));
        scalar("isNotNull", 1, 1, (p, c, name) -> new Frag("(" + p.expr(c.args().get(0)).sql() + " IS NOT NULL)", "Bool"));
        // conversion
        scalar("toString", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return new Frag(p.str(x), p.nullableLike(x, "String"));
        });
        Printer tointFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return switch (cat(x.type())) {
                // toInt64 wraps modulo 2^64 (ClickHouse's toInt64); toInt is accurateCastOrNull (NULL past Int64)
                case "int" -> name.equals("toint64") ? IntegerArithmetic.toInt64(x) : IntegerArithmetic.toIntOrNull(x);
                case "float" -> new Frag("(CASE WHEN abs(" + x.sql() + ") < 9.2e18 THEN trunc(" + x.sql()
                        + ")::bigint END)", "Nullable(Int64)");
                case "bool" -> new Frag("(" + x.sql() + ")::int::bigint", "Int64");
                case "datetime" -> new Frag("floor(extract(epoch from " + x.sql() + "))::bigint", p.nullableLike(x, "Int64"));
                default -> new Frag("hogql_to_int(" + p.str(x) + ")", "Nullable(Int64)");
            };
        };
        scalar("toInt", 1, 1, tointFn);
        scalar("toInt64", 1, 1, tointFn);
        Printer tofloatFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return switch (cat(x.type())) {
                case "int", "float", "bool" -> new Frag("(" + p.num(x) + ")::float8", p.nullableLike(x, "Float64"));
                default -> new Frag("hogql_to_float(" + p.str(x) + ")", "Nullable(Float64)");
            };
        };
        scalar("toFloat", 1, 1, tofloatFn);
        scalar("toFloat64", 1, 1, tofloatFn);
        scalar("toUUID", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return cat(x.type()).equals("uuid") ? x : new Frag("hogql_to_uuid(" + p.str(x) + ")", "Nullable(UUID)");
        });
        scalar("toBool", 1, 1, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return new Frag(p.bool(x), p.nullableLike(x, "Bool"));
        });
        // math
        scalar("round", 1, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            long places = args.size() == 2 ? p.constSigned(args.get(1), "round precision") : 0;
            if (cat(x.type()).equals("int") && places >= 0) {
                return x;
            }
            return new Frag("round((" + p.num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8",
                    p.nullableLike(x, "Float64"));
        });
        Printer floorFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Frag x = p.expr(args.get(0));
            return new Frag(name + "(" + p.num(x) + ")", p.nullableLike(x, p.numType(x)));
        };
        scalar("floor", 1, 1, floorFn);
        scalar("ceil", 1, 1, floorFn);
        scalar("abs", 1, 1, floorFn);
        Printer greatestFn = (p, c, name) -> {
            List<Expr> args = c.args();
            Unified u = p.unify(args.stream().map(p::expr).toList());
            return new Frag(name.toUpperCase(Locale.ROOT) + "(" + String.join(", ", u.sql()) + ")", u.type());
        };
        scalar("greatest", 2, -1, greatestFn);
        scalar("least", 2, -1, greatestFn);
        // JSON
        Printer jsonextractstringFn = (p, c, name) -> json(p, name, c.args());
        scalar("JSONExtractString", 1, -1, jsonextractstringFn);
        scalar("JSONExtractInt", 1, -1, jsonextractstringFn);
        scalar("JSONExtractFloat", 1, -1, jsonextractstringFn);
        scalar("JSONExtractBool", 1, -1, jsonextractstringFn);
        scalar("JSONHas", 2, -1, jsonextractstringFn);
        // arrays
        scalar("has", 2, 2, (p, c, name) -> {
            List<Expr> args = c.args();
            Frag a = p.expr(args.get(0));
            if (!cat(a.type()).equals("array")) {
                throw new HogQLResolutionException("has expects an array as its first argument", c);
            }
            Frag x = p.expr(args.get(1));
            String el = elementType(a.type());
            String xs = cat(el).equals(cat(x.type())) || (isNum(el) && isNum(x.type())) ? x.sql()
                    : cat(el).equals("string") ? p.str(x) : x.sql();
            return new Frag("coalesce((" + xs + ") = ANY(" + a.sql() + "), FALSE)", "Bool");
        });
        scalar("array", 0, -1, (p, c, name) -> Literals.arrayLit(p, c.args().stream().map(p::expr).toList()));
        scalar("arrayJoin", 1, 1, (p, c, name) -> {
            throw new HogQLResolutionException("arrayJoin is only supported as a column of the SELECT list", c);
        });
    }

    private static Frag dateDiff(PostgresPrinter p, String unit, Frag a, Frag b) {
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
        return new Frag(sql + "::bigint", "Int64");
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
        pattern = re2(pattern);
        String sql = p.str(p.expr(pattern));
        return pattern instanceof Expr.Constant ? "(SELECT hogql_regex_pattern(" + sql + "))" : sql;
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

    private static Frag json(PostgresPrinter p, String name, List<Expr> args) {
        Frag j = p.expr(args.get(0));
        String js = cat(j.type()).equals("json") ? j.sql() : "hogql_to_jsonb(" + p.str(j) + ")";
        List<String> path = new ArrayList<>();
        for (Expr k : args.subList(1, args.size())) {
            if (k instanceof Expr.Constant c && c.value() instanceof String s) {
                path.add(s);
            } else if (k instanceof Expr.Constant c && c.value() instanceof Long l && l > 0) {
                path.add(Long.toString(l - 1));
            } else {
                throw new HogQLResolutionException("JSON keys must be string literals or positive integers", k);
            }
        }
        String asText = path.isEmpty() ? "(" + js + " #>> '{}')" : p.jsonPath(js, path, true).sql();
        String asJson = path.isEmpty() ? js : p.jsonPath(js, path, false).sql();
        return switch (name) {
            case "jsonextractstring" -> new Frag("coalesce(" + asText + ", '')", "String");
            case "jsonextractint" -> new Frag("coalesce(hogql_to_int(" + asText + "), 0)", "Int64");
            case "jsonextractfloat" -> new Frag("coalesce(hogql_to_float(" + asText + "), 0)", "Float64");
            case "jsonextractbool" -> new Frag("coalesce(" + asJson + " = 'true'::jsonb, FALSE)", "Bool");
            default -> new Frag("(" + asJson + " IS NOT NULL)", "Bool");
        };
    }
}
