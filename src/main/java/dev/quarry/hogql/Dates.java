package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.NULL_TYPE;
import static dev.quarry.hogql.HogQLTypes.cat;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * How date and time values print: conversions to a timestamp, the wall-clock time in the value's zone (the one
 * {@code toTimeZone} set, else the team's), truncation and parts, units and zones given as arguments. Used by the
 * printer and the date entries of the function table.
 */
final class Dates {
    private Dates() {}

    static OffsetDateTime parseDateTime(PostgresPrinter p, String s, Object node) {
        String t = s.trim();
        try {
            return OffsetDateTime.parse(t.replace(' ', 'T'));
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t.replace(' ', 'T')).atZone(p.zone()).toOffsetDateTime();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(p.zone()).toOffsetDateTime();
        } catch (DateTimeParseException ignored) {
            throw new HogQLResolutionException("Cannot parse '" + s + "' as a date and time", node);
        }
    }

    /**
     * HogQL's {@code now()}: the compile's clock instant ({@link CompileSettings#now}) as a bound timestamptz, or
     * PostgreSQL's transaction time when the caller gave none.
     */
    static String now(PostgresPrinter p) {
        return p.clockNow() == null ? "now()"
                : p.bind(OffsetDateTime.ofInstant(p.clockNow(), java.time.ZoneOffset.UTC), "timestamptz");
    }

    /** The team's local date {@code daysBack} days before {@link #now}'s instant ({@code today()}: 0). */
    static String today(PostgresPrinter p, int daysBack) {
        if (p.clockNow() == null) {
            String today = "(now() AT TIME ZONE " + p.tz() + ")::date";
            return daysBack == 0 ? today : "(" + today + " - " + daysBack + ")";
        }
        return p.bind(p.clockNow().atZone(p.zone()).toLocalDate().minusDays(daysBack), "date");
    }

    static Frag toDateTime(PostgresPrinter p, Frag f) {
        return toDateTime(p, f, p.tz());
    }

    /** As {@link #toDateTime(PostgresPrinter, Frag)}, a date or a string read as local time in {@code zoneSql}. */
    static Frag toDateTime(PostgresPrinter p, Frag f, String zoneSql) {
        return switch (cat(f.type())) {
            case "datetime" -> f;
            case "date" -> new Frag("((" + f.sql() + ")::timestamp AT TIME ZONE " + zoneSql + ")", Schema.DATETIME);
            case "string" -> new Frag("hogql_to_timestamp(" + f.sql() + ", " + zoneSql + ")", "Nullable(" + Schema.DATETIME + ")");
            case "int", "float" -> new Frag("(CASE WHEN abs(" + f.sql() + ") < 1e11 THEN to_timestamp(" + f.sql()
                    + ") END)", "Nullable(" + Schema.DATETIME + ")");
            case "null" -> new Frag("NULL::timestamptz", NULL_TYPE);
            default -> throw new HogQLResolutionException("Expected a date or time, got " + f.type());
        };
    }

    /** The zone a DateTime type is shown in: the one set by toTimeZone, else the team's. */
    static String zoneOf(PostgresPrinter p, String type) {
        int i = type.indexOf(", '");
        if (i >= 0) {
            String z = type.substring(i + 3, type.indexOf('\'', i + 3));
            if (!z.equals("UTC")) {
                return p.bind(z, "text");
            }
        }
        return p.tz();
    }

    /** A timestamp without time zone: the local wall-clock time of the value. */
    static String localTs(PostgresPrinter p, Frag f) {
        if (cat(f.type()).equals("date")) {
            return "(" + f.sql() + ")::timestamp";
        }
        Frag dt = toDateTime(p, f);
        return "(" + dt.sql() + " AT TIME ZONE " + zoneOf(p, dt.type()) + ")";
    }

    /**
     * The start of {@code unit} of a value, in its time zone: a Date for {@code dateResult}, else a timestamp (typed
     * by {@link #startOfType}).
     */
    static String startOfSql(PostgresPrinter p, Frag f, String unit, boolean dateResult) {
        String trunc = "date_trunc('" + unit + "', " + localTs(p, f) + ")";
        if (dateResult) {
            return trunc + "::date";
        }
        return "(" + trunc + " AT TIME ZONE " + zoneOf(p, toDateTime(p, f).type()) + ")";
    }

    /**
     * The type of the start of a unit of a value of type {@code t}: a Date for {@code dateResult}, else a DateTime
     * in the value's zone; nullable when the value is (or may not convert).
     */
    static String startOfType(String t, boolean dateResult) {
        String dt = HogQLTypes.asDateTime(t); // refuses what is no date or time
        return HogQLTypes.nullableLike(t, dateResult ? "Date" : dt);
    }

    /** A part ({@code extract}'s name) of a value's wall-clock time, as bigint. */
    static String datePartSql(PostgresPrinter p, Frag f, String part) {
        return "extract(" + part + " from " + localTs(p, f) + ")::bigint";
    }

    /**
     * The time zone named by a constant argument, checked: {@link HogQLResolutionException} for a non-constant or
     * unknown zone.
     */
    static String zoneArg(Expr zoneArg) {
        String z = ConstantArgs.constString(zoneArg, "Time zone");
        try {
            ZoneId.of(z);
        } catch (DateTimeException e) {
            throw new HogQLResolutionException("Unknown time zone \"" + z + "\"", zoneArg);
        }
        if (!z.matches("[A-Za-z0-9_/+\\-]+")) {
            throw new HogQLResolutionException("Unknown time zone \"" + z + "\"", zoneArg);
        }
        return z;
    }

    /** The type of a DateTime of type {@code dt} shown in the zone {@code zoneArg} names (toTimeZone). */
    static String withZoneType(String dt, Expr zoneArg) {
        String zone = zoneArg(zoneArg);
        // 'UTC' in a type means "shown in the project's zone" (Schema.DATETIME, every stored time's type): an explicit
        // toTimeZone(t, 'UTC') is typed with UTC's other name, so it shows in UTC, as PostHog's toTimeZone of the
        // project-zoned value does; the API and toTypeName show it as 'UTC' (HogQLTypes.resultColumn)
        return HogQLTypes.nullableLike(dt, "DateTime64(6, '" + (zone.equals("UTC") ? EXPLICIT_UTC : zone) + "')");
    }

    /** The zone name an explicit {@code toTimeZone(t, 'UTC')} is typed with (see {@link #withZoneType}). */
    static final String EXPLICIT_UTC = "Etc/UTC";

    static String unitArg(PostgresPrinter p, Expr e, String fn) {
        return unitArg(e, fn);
    }

    /** A unit given as the argument {@code e} of {@code fn} ('day', 'days', …): the unit's name, singular. */
    static String unitArg(Expr e, String fn) {
        if (e instanceof Expr.Constant c && c.value() instanceof String s) {
            String u = s.toLowerCase(Locale.ROOT);
            if (u.endsWith("s")) {
                u = u.substring(0, u.length() - 1);
            }
            if (Parser.INTERVAL_UNITS.contains(u)) {
                return u;
            }
        }
        throw new HogQLResolutionException(fn + " expects a unit ('second', 'minute', 'hour', 'day', 'week', 'month', "
                + "'quarter', 'year') as its first argument", e);
    }
}
