package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.List;
import java.util.Locale;

/**
 * ClickHouse's {@code toStartOfInterval(t, INTERVAL n unit[, zone])}: the start of t's bucket of n units, as
 * ClickHouse's DateLUTImpl counts buckets — years, quarters and months from 1900-01 and weeks from Monday 1970-01-05
 * (a Date), days from 1970-01-01, hours from the day's midnight on the wall clock, minutes and seconds from the epoch
 * (a DateTime in t's zone). The interval is a constant {@code INTERVAL n unit} or {@code toIntervalUnit(n)}, n ≥ 1;
 * a Date with an interval shorter than a day is a 400, as in ClickHouse. The origin argument of recent ClickHouse
 * versions is not taken.
 */
final class StartOfIntervalFunction {
    private StartOfIntervalFunction() {
    }

    static void register() {
        // toStartOfInterval(t, INTERVAL n unit[, zone]): ClickHouse's buckets (DateLUTImpl's toStartOf…Interval):
        // years, quarters and months counted from 1900-01 and weeks from Monday 1970-01-05, each a Date; days counted
        // from 1970-01-01, hours from the day's midnight (wall clock), minutes and seconds from the epoch, each a
        // DateTime in t's zone
        scalar("toStartOfInterval", 2, 3, (t, c) -> {
            StartOfInterval b = StartOfInterval.of(c);
            String value = c.args().size() == 3 ? Dates.withZoneType(HogQLTypes.asDateTime(t.get(0)), c.args().get(2))
                    : t.get(0);
            if (HogQLTypes.cat(value).equals("date") && !b.dateResult()) {
                throw new HogQLResolutionException("Illegal type Date of argument of function toStartOfInterval: an "
                        + "interval of " + b.unit() + "s needs a DateTime", c);
            }
            return Dates.startOfType(value, b.dateResult());
        }, (p, c, name) -> {
            StartOfInterval b = StartOfInterval.of(c);
            Expr value = c.args().size() == 3 ? new Expr.Call("toTimeZone", List.of(c.args().get(0), c.args().get(2)),
                    null, false) : c.args().get(0);
            return b.sql(p, p.expr(value));
        });
    }

    /** The bucket of a toStartOfInterval call: its unit (one of Parser.INTERVAL_UNITS) and how many of them. */
    private record StartOfInterval(String unit, long n) {
        static StartOfInterval of(Expr.Call c) {
            Expr interval = c.args().get(1);
            String unit;
            Expr amount;
            if (interval instanceof Expr.Interval i) {
                unit = i.unit().toLowerCase(Locale.ROOT);
                amount = i.amount();
            } else if (interval instanceof Expr.Call call && call.args().size() == 1
                    && call.name().toLowerCase(Locale.ROOT).startsWith("tointerval")) {
                unit = call.name().substring("toInterval".length()).toLowerCase(Locale.ROOT);
                amount = call.args().get(0);
            } else {
                throw new HogQLResolutionException("The second argument of function toStartOfInterval must be an "
                        + "interval (INTERVAL 15 MINUTE, toIntervalHour(2))", interval);
            }
            if (unit.endsWith("s")) {
                unit = unit.substring(0, unit.length() - 1);
            }
            long n = ConstantArgs.constLong(amount, "The interval of toStartOfInterval");
            if (n < 1 || n > 1_000_000_000L || !Parser.INTERVAL_UNITS.contains(unit)) {
                throw new HogQLResolutionException("Value for second argument of function toStartOfInterval must be "
                        + "positive", interval);
            }
            return new StartOfInterval(unit, n);
        }

        boolean dateResult() {
            return switch (unit) {
                case "year", "quarter", "month", "week" -> true;
                default -> false;
            };
        }

        String sql(PostgresPrinter p, Frag value) {
            String local = Dates.localTs(p, value);
            String days = "((" + local + ")::date - DATE '1970-01-01')";
            String date = switch (unit) {
                case "year" -> "make_date(GREATEST(floor(extract(year from " + local + ") / " + n + ") * " + n
                        + ", 1900)::int, 1, 1)";
                case "quarter", "month" -> {
                    long months = unit.equals("quarter") ? 3 * n : n;
                    yield "(DATE '1900-01-01' + (floor(((extract(year from " + local + ") - 1900) * 12 + extract(month "
                            + "from " + local + ") - 1) / " + months + ") * " + months + ")::int * INTERVAL '1 month')"
                            + "::date";
                }
                case "week" -> "(DATE '1970-01-05' + (floor((" + days + " - 4) / " + (7 * n) + ".0) * " + (7 * n)
                        + ")::int)";
                default -> null;
            };
            if (date != null) {
                return date;
            }
            Frag time = Dates.toDateTime(p, value);
            String zone = Dates.zoneOf(p, time.type());
            return switch (unit) {
                case "day" -> "((DATE '1970-01-01' + (floor(" + days + " / " + n + ".0) * " + n + ")::int)::timestamp "
                        + "AT TIME ZONE " + zone + ")";
                case "hour" -> "((date_trunc('day', " + local + ") + floor(extract(hour from " + local + ") / " + n
                        + ") * " + n + " * INTERVAL '1 hour') AT TIME ZONE " + zone + ")";
                default -> {
                    long seconds = unit.equals("minute") ? 60 * n : n;
                    yield "to_timestamp(floor(extract(epoch from " + time.sql() + ") / " + seconds + ") * " + seconds
                            + ")";
                }
            };
        }
    }
}
