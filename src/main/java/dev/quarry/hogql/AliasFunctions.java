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
 * {@code split_part}, {@code current_date}, …), {@code isEmpty}/{@code isNotEmpty}, {@code countDistinct},
 * {@code array_agg} and the {@code -OrZero} conversions. Each prints as the HogQL call PostHog maps it to, so it gives
 * that function's answer; the few with no such twin ({@code initcap}, {@code left}, {@code right}) are PostgreSQL's
 * function of the same definition.
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
                throw new HogQLResolutionException("date_part expects a constant part name ('year', 'month', …)", c);
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

    private static Expr.Call call(String name, Expr... args) {
        return new Expr.Call(name, List.of(args), null, false);
    }
}
