package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.aggregate;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The names PostHog's HogQL function list gives to functions Quarry already has under another name: PostgreSQL-style
 * spellings (posthog/hogql/functions/clickhouse/*.py: {@code date_trunc}, {@code ltrim}, {@code lpad},
 * {@code split_part}, {@code current_date}, {@code to_timestamp}, {@code to_char}, {@code make_interval},
 * {@code locate}, …), {@code isEmpty}/{@code isNotEmpty}, {@code countDistinct}, {@code array_agg},
 * {@code string_agg}, {@code json_agg}, {@code every} and the {@code -OrZero} conversions. Each prints as the HogQL
 * call PostHog maps it to, so it gives that function's answer; the few with no such twin ({@code initcap},
 * {@code left}, {@code right}, {@code make_date}, {@code make_timestamp}, {@code rand}) are PostgreSQL's function of
 * the same definition.
 */
final class AliasFunctions {
    private AliasFunctions() {}

    static void register() {
        alias("isEmpty", "empty", 1, 1);
        alias("isNotEmpty", "notEmpty", 1, 1);
        alias("current_date", "today", 0, 0);
        alias("current_timestamp", "now", 0, 0);
        alias("date_trunc", "dateTrunc", 2, 3);
        alias("date_diff", "dateDiff", 3, 3);
        alias("to_date", "toDate", 1, 1);
        alias("ltrim", "trimLeft", 1, 2);
        alias("rtrim", "trimRight", 1, 2);
        alias("btrim", "trim", 1, 2);
        alias("lpad", "leftPad", 3, 3);
        alias("rpad", "rightPad", 3, 3);
        // timezone(zone, datetime): PostgreSQL's argument order for toTimeZone(datetime, zone)
        rewrite("timezone", 2, 2, c -> call("toTimeZone", c.args().get(1), c.args().get(0)));
        // date_add / date_subtract (datetime, interval): the datetime plus or minus the interval
        rewrite("date_add", 2, 2, c -> new Expr.Arithmetic("+", c.args().get(0), c.args().get(1)));
        rewrite("date_subtract", 2, 2, c -> new Expr.Arithmetic("-", c.args().get(0), c.args().get(1)));
        // split_part(s, delimiter, n): the n-th piece, '' past either end or at 0 (PostHog: arrayElement(splitByString(…),
        // n), whose String default is ''; Quarry's arrayElement gives NULL there)
        rewrite("split_part", 3, 3, c -> call("if", call("isNull", c.args().get(0)),
                new Expr.Constant(null), call("coalesce", call("arrayElement",
                        call("splitByString", c.args().get(1), c.args().get(0)), c.args().get(2)),
                        new Expr.Constant(""))));
        // toIntOrZero / toFloatOrZero (ClickHouse toInt64OrZero / toFloat64OrZero): toInt / toFloat, 0 where NULL
        rewrite("toIntOrZero", 1, 1, c -> call("ifNull", call("toInt", c.args().get(0)), new Expr.Constant(0L)));
        rewrite("toFloatOrZero", 1, 1, c -> call("ifNull", call("toFloat", c.args().get(0)), new Expr.Constant(0.0)));
        // date_part('year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'dow' | 'doy' | 'quarter', date); another
        // part name is NULL
        rewrite("date_part", 2, 2, c -> {
            String fn = c.args().get(0) instanceof Expr.Constant k && k.value() instanceof String part
                    ? switch (part) {
                        case "year" -> "toYear";
                        case "month" -> "toMonth";
                        case "day" -> "toDayOfMonth";
                        case "hour" -> "toHour";
                        case "minute" -> "toMinute";
                        case "second" -> "toSecond";
                        case "dow" -> "toDayOfWeek";
                        case "doy" -> "toDayOfYear";
                        case "quarter" -> "toQuarter";
                        default -> "";
                    }
                    : null;
            if (fn == null) {
                // a part computed per row: PostHog's multiIf over the part names, NULL for any other
                List<Expr> branches = new java.util.ArrayList<>();
                for (String[] pf : DATE_PARTS) {
                    branches.add(new Expr.Compare("=", c.args().get(0), new Expr.Constant(pf[0])));
                    branches.add(call(pf[1], c.args().get(1)));
                }
                branches.add(call("toInt", new Expr.Constant(null)));
                return new Expr.Call("multiIf", branches, null, false);
            }
            return fn.isEmpty() ? call("toInt", new Expr.Constant(null)) : call(fn, c.args().get(1));
        });
        // initcap, left, right: PostgreSQL's functions have ClickHouse's definitions (words are runs of letters and
        // digits; a negative length counts from the other end)
        scalar("initcap", 1, 1, Functions.like(0, "String"), (p, c, name) -> "initcap(" + p.str(p.expr(c.args().get(0))) + ")");
        CallPrinter leftRight = (p, c, name) -> {
            Frag s = p.expr(c.args().get(0));
            return name + "(" + p.str(s) + ", " + p.int4(p.expr(c.args().get(1))) + ")";
        };
        scalar("left", 2, 2, Functions.like(0, "String"), leftRight);
        scalar("right", 2, 2, Functions.like(0, "String"), leftRight);
        // countDistinct(x) = count(DISTINCT x); array_agg(x) = groupArray(x)
        Function<Expr.Call, Expr> countDistinct = c -> new Expr.Call("count", c.args(), null, true);
        aggregate("countDistinct", 1, 1, (t, c) -> t.of(countDistinct.apply(c)),
                (p, c, name) -> p.expr(countDistinct.apply(c)).sql());
        Function<Expr.Call, Expr> arrayAgg = c -> new Expr.Call("groupArray", c.args(), null, c.distinct());
        aggregate("array_agg", 1, 1, (t, c) -> t.of(arrayAgg.apply(c)), (p, c, name) -> p.expr(arrayAgg.apply(c)).sql());
        // PostHog's PostgreSQL-style aggregates (aggregations.py): string_agg(x, sep) =
        // arrayStringConcat(groupArray(x), sep), json_agg(x) = toJSONString(groupArray(x)), every(x) = toBool(min(x))
        aggregateRewrite("string_agg", 2, 2, c -> call("arrayStringConcat",
                new Expr.Call("groupArray", List.of(call("toString", c.args().get(0))), null, c.distinct()),
                call("toString", c.args().get(1))));
        aggregateRewrite("json_agg", 1, 1, c -> call("toJSONString",
                new Expr.Call("groupArray", List.of(c.args().get(0)), null, c.distinct())));
        aggregateRewrite("every", 1, 1, c -> call("toBool", call("min", c.args().get(0))));
        // ClickHouse's -OrNull and -OrDefault combinators: with nothing to aggregate (no row, or no row with a value,
        // where the -If condition holds) -OrNull answers NULL and -OrDefault the type's default (0 for avg and median,
        // whose plain answer is then NULL here; the others answer their default already)
        for (String base : List.of("avg", "sum", "min", "max", "count", "countDistinct", "median")) {
            int min = base.equals("count") ? 0 : 1;
            boolean hasIf = !base.equals("median");
            boolean defaultDiffers = base.equals("avg") || base.equals("median");
            aggregateRewrite(base + "OrNull", min, 1, c -> call("if", nothingAggregated(c, false), new Expr.Constant(null),
                    new Expr.Call(base, c.args(), null, c.distinct())));
            aggregateRewrite(base + "OrDefault", min, 1, c -> !defaultDiffers ? new Expr.Call(base, c.args(), null,
                    c.distinct()) : call("if", nothingAggregated(c, false), new Expr.Constant(0L),
                    new Expr.Call(base, c.args(), null, c.distinct())));
            if (hasIf) {
                aggregateRewrite(base + "OrNullIf", min + 1, 2, c -> call("if", nothingAggregated(c, true),
                        new Expr.Constant(null), new Expr.Call(base + "If", c.args(), null, c.distinct())));
                aggregateRewrite(base + "OrDefaultIf", min + 1, 2, c -> !defaultDiffers
                        ? new Expr.Call(base + "If", c.args(), null, c.distinct())
                        : call("if", nothingAggregated(c, true), new Expr.Constant(0L),
                                new Expr.Call(base + "If", c.args(), null, c.distinct())));
            }
        }
        // PostHog's PostgreSQL-style date functions (datetime.py): to_timestamp(n) = toDateTime(fromUnixTimestamp(n)),
        // to_char = formatDateTime, make_timestamptz = toTimeZone(makeDateTime(…), zone), make_interval = the sum of
        // toIntervalYear(y) … toIntervalSecond(s)
        rewrite("to_timestamp", 1, 2, c -> c.args().size() == 1 ? call("fromUnixTimestamp", c.args().get(0))
                : call("toTimeZone", call("fromUnixTimestamp", c.args().get(0)), c.args().get(1)));
        rewrite("to_char", 2, 3, c -> new Expr.Call("formatDateTime", c.args(), null, false));
        rewrite("make_timestamptz", 7, 7, c -> call("toTimeZone",
                new Expr.Call("make_timestamp", c.args().subList(0, 6), null, false), c.args().get(6)));
        rewrite("make_interval", 6, 6, c -> {
            String[] units = {"Year", "Month", "Day", "Hour", "Minute", "Second"};
            Expr sum = call("toInterval" + units[0], c.args().get(0));
            for (int k = 1; k < units.length; k++) {
                sum = new Expr.Arithmetic("+", sum, call("toInterval" + units[k], c.args().get(k)));
            }
            return sum;
        });
        // make_date (ClickHouse makeDate) and make_timestamp (makeDateTime, in the project's time zone or the
        // 7th argument's): PostgreSQL's own, a value out of range is a 400
        scalar("make_date", 3, 3, (t, c) -> "Date", (p, c, name) -> "make_date(" + ints(p, c, 0, 3) + ")");
        scalar("make_timestamp", 6, 7, (t, c) -> Schema.DATETIME, (p, c, name) -> "make_timestamptz(" + ints(p, c, 0, 5)
                + ", (" + p.num(p.expr(c.args().get(5))) + ")::float8, "
                + (c.args().size() == 7 ? p.str(p.expr(c.args().get(6))) : p.tz()) + ")");
        // locate(needle, haystack[, start]): ClickHouse's (since 24.3, MySQL's argument order) position(haystack,
        // needle[, start])
        rewrite("locate", 2, 3, c -> c.args().size() == 2 ? call("position", c.args().get(1), c.args().get(0))
                : call("position", c.args().get(1), c.args().get(0), c.args().get(2)));
        // fromUnixTimestamp64Milli(ms[, zone]): the time ms milliseconds after the epoch (a DateTime64(3) in
        // ClickHouse; here a DateTime, which keeps microseconds)
        scalar("#fromUnixTimestamp64Milli", 1, 1, (t, c) -> HogQLTypes.asDateTime("Int64"), (p, c, name) -> {
            String ms = p.num(p.expr(c.args().get(0)));
            return "(CASE WHEN abs(" + ms + ") < 1e14 THEN to_timestamp((" + ms + ")::numeric / 1000) END)";
        });
        rewrite("fromUnixTimestamp64Milli", 1, 2, c -> {
            Expr time = call("#fromUnixTimestamp64Milli", c.args().get(0));
            return c.args().size() == 1 ? time : call("toTimeZone", time, c.args().get(1));
        });
        // toTypeName(x): the ClickHouse type name of x as Quarry types it (the names the API's "types" show)
        scalar("toTypeName", 1, 1, (t, c) -> "String",
                (p, c, name) -> Literals.sql(p, HogQLTypes.resultColumn(p.type(c.args().get(0)))));
        // rand(): ClickHouse's UInt32 pseudo-random number (an argument only tells calls apart)
        scalar("rand", 0, 1, (t, c) -> "UInt32", (p, c, name) -> "floor(random() * 4294967296)::bigint");
    }

    /** The parts date_part knows and the function each is. */
    private static final String[][] DATE_PARTS = {{"year", "toYear"}, {"month", "toMonth"}, {"day", "toDayOfMonth"},
        {"hour", "toHour"}, {"minute", "toMinute"}, {"second", "toSecond"}, {"dow", "toDayOfWeek"},
        {"doy", "toDayOfYear"}, {"quarter", "toQuarter"}};

    /** Arguments {@code from} … {@code to - 1} as PostgreSQL integers, comma-separated. */
    private static String ints(PostgresPrinter p, Expr.Call c, int from, int to) {
        List<String> out = new java.util.ArrayList<>();
        for (int k = from; k < to; k++) {
            out.add(p.int4(p.expr(c.args().get(k))));
        }
        return String.join(", ", out);
    }

    /** As {@link #rewrite}, for an aggregate: the expression it is aggregates. */
    private static void aggregateRewrite(String name, int min, int max, Function<Expr.Call, Expr> to) {
        aggregate(name, min, max, (t, c) -> t.of(to.apply(c)), (p, c, n) -> p.expr(to.apply(c)).sql());
    }

    /** Registers {@code name} as another name of {@code target}: same arguments, same SQL, same answer. */
    private static void alias(String name, String target, int min, int max) {
        rewrite(name, min, max, c -> new Expr.Call(target, c.args(), c.params(), c.distinct()));
    }

    /**
     * Registers {@code name} as the HogQL expression {@code to} builds from the call: typed and printed as that
     * expression (the typing pass types a node built while printing when it is first asked for).
     */
    private static void rewrite(String name, int min, int max, Function<Expr.Call, Expr> to) {
        scalar(name, min, max, (t, c) -> t.of(to.apply(c)), (p, c, n) -> p.expr(to.apply(c)).sql());
    }

    /**
     * Whether a combinator's aggregate has nothing to aggregate: no row with a value of its first argument (any row
     * for count()), among the rows where its -If condition (the last argument, for {@code withIf}) holds.
     */
    private static Expr nothingAggregated(Expr.Call c, boolean withIf) {
        List<Expr> values = withIf ? c.args().subList(0, c.args().size() - 1) : c.args();
        List<Expr> counted = new java.util.ArrayList<>(values.isEmpty() ? List.of() : List.of(values.get(0)));
        if (withIf) {
            counted.add(c.args().get(c.args().size() - 1));
        }
        return new Expr.Compare("=", new Expr.Call(withIf ? "countIf" : "count", counted, null, false),
                new Expr.Constant(0L));
    }

    private static Expr.Call call(String name, Expr... args) {
        return new Expr.Call(name, List.of(args), null, false);
    }
}
