package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.Printer;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * ClickHouse's array functions, the higher-order ones with a lambda first ({@code arrayMap(x -> x * 2, arr)},
 * {@code arrayFilter((x, y) -> x > y, a, b)}) included. An array function prints as a subquery over
 * {@code unnest(…) WITH ORDINALITY}, so element order is kept; such a subquery reads no table, and a table inside a
 * lambda's body is walled to the team by the printer like any other. These are entries of the function table
 * ({@link Functions}).
 */
final class ArrayFunctions {
    private ArrayFunctions() {}

    /** Functions whose first argument may be a lambda. */
    private static final Set<String> HIGHER_ORDER = Set.of("arraymap", "arrayfilter", "arrayexists", "arrayall",
            "arraycount", "arraysum", "arraymin", "arraymax", "arrayavg", "arrayfirst", "arraylast", "arrayfirstindex",
            "arraylastindex", "arraysort", "arrayreversesort", "arraycumsum");

    static boolean takesLambda(String name) {
        return HIGHER_ORDER.contains(name.toLowerCase(Locale.ROOT));
    }

    static void register() {
        scalar("range", 1, 3, (p, c, name) -> {
            List<Expr> a = c.args();
            String start = a.size() == 1 ? "0" : "trunc(" + p.num(p.expr(a.get(0))) + ")::bigint";
            String end = "trunc(" + p.num(p.expr(a.get(a.size() == 1 ? 0 : 1))) + ")::bigint";
            String step = a.size() == 3 ? "GREATEST(trunc(" + p.num(p.expr(a.get(2))) + ")::bigint, 1)" : "1";
            // at most a million elements, so that one call cannot exhaust the server's memory
            return new Frag("ARRAY(SELECT generate_series(" + start + ", LEAST(" + end + " - 1, " + start + " + 999999 * "
                    + step + "), " + step + "))", "Array(Int64)");
        });
        scalar("arrayConcat", 2, -1, (p, c, name) -> {
            List<Expr> a = c.args();
            List<Frag> arrays = a.stream().map(x -> array(p, x, c)).toList();
            sameElements(arrays, c);
            return new Frag("(" + arrays.stream().map(Frag::sql).collect(Collectors.joining(" || ")) + ")",
                    arrays.get(0).type());
        });
        scalar("arrayElement", 2, 2, (p, c, name) -> p.expr(new Expr.ArrayAccess(c.args().get(0), c.args().get(1))));
        Printer hasallFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            if (a.get(1) instanceof Expr.ArrayLit l && l.items().isEmpty()) {
                return new Frag(name.equals("hasall") ? "TRUE" : "FALSE", "Bool");
            }
            Frag y = array(p, a.get(1), c);
            sameElements(List.of(x, y), c);
            return new Frag("coalesce(" + x.sql() + (name.equals("hasall") ? " @> " : " && ") + y.sql() + ", FALSE)",
                    "Bool");
        };
        scalar("hasAll", 2, 2, hasallFn);
        scalar("hasAny", 2, 2, hasallFn);
        scalar("indexOf", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            return new Frag("coalesce(array_position(" + x.sql() + ", " + element(p, x, a.get(1)) + "), 0)::bigint",
                    "UInt64");
        });
        scalar("countEqual", 2, 2, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            Unnest u = unnest(p, List.of(x));
            return new Frag("(SELECT count(*) FROM " + u.from() + " WHERE " + u.first().sql() + " IS NOT DISTINCT FROM "
                    + element(p, x, a.get(1)) + ")", "UInt64");
        });
        Printer arraypushbackFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            String v = element(p, x, a.get(1));
            return new Frag(name.equals("arraypushback") ? "array_append(" + x.sql() + ", " + v + ")"
                    : "array_prepend(" + v + ", " + x.sql() + ")", x.type());
        };
        scalar("arrayPushBack", 2, 2, arraypushbackFn);
        scalar("arrayPushFront", 2, 2, arraypushbackFn);
        scalar("arraySlice", 2, 3, (p, c, name) -> {
            List<Expr> a = c.args();
            // ClickHouse: offset from 1, negative counts from the end; length optional
            Frag x = array(p, a.get(0), c);
            String n = "coalesce(cardinality(" + x.sql() + "), 0)";
            String off = "trunc(" + p.num(p.expr(a.get(1))) + ")::int";
            String from = "(CASE WHEN " + off + " > 0 THEN " + off + " WHEN " + off + " < 0 THEN " + n + " + " + off
                    + " + 1 ELSE NULL END)";
            String to = a.size() == 3 ? from + " + GREATEST(trunc(" + p.num(p.expr(a.get(2))) + ")::int, 0) - 1" : n;
            return new Frag("coalesce((" + x.sql() + ")[GREATEST(" + from + ", 1):" + to + "], '{}')", x.type());
        });
        scalar("arrayEnumerate", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            return new Frag("ARRAY(SELECT generate_series(1::bigint, coalesce(cardinality(" + x.sql() + "), 0)))",
                    "Array(UInt32)");
        });
        scalar("arrayPopBack", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            return new Frag("coalesce((" + x.sql() + ")[1:cardinality(" + x.sql() + ") - 1], '{}')", x.type());
        });
        scalar("arrayPopFront", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            return new Frag("coalesce((" + x.sql() + ")[2:cardinality(" + x.sql() + ")], '{}')", x.type());
        });
        scalar("arrayUniq", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Unnest u = unnest(p, List.of(array(p, a.get(0), c)));
            return new Frag("(SELECT count(DISTINCT " + u.first().sql() + ") FROM " + u.from() + ")", "UInt64");
        });
        scalar("arrayDifference", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            Unnest u = unnest(p, List.of(x));
            Frag v = u.first();
            String t = p.numType(v);
            return new Frag("ARRAY(SELECT coalesce(" + p.num(v) + " - lag(" + p.num(v) + ") OVER (ORDER BY " + u.ord()
                    + "), 0) FROM " + u.from() + " ORDER BY " + u.ord() + ")", "Array(" + t + ")");
        });
        scalar("arrayDistinct", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            Unnest u = unnest(p, List.of(x));
            return new Frag("ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " WHERE " + u.first().sql()
                    + " IS NOT NULL GROUP BY " + u.first().sql() + " ORDER BY min(" + u.ord() + "))", x.type());
        });
        scalar("arrayIntersect", 1, -1, (p, c, name) -> {
            List<Expr> a = c.args();
            List<Frag> arrays = a.stream().map(x -> array(p, x, c)).toList();
            sameElements(arrays, c);
            Unnest u = unnest(p, List.of(arrays.get(0)));
            StringBuilder where = new StringBuilder(u.first().sql() + " IS NOT NULL");
            for (Frag other : arrays.subList(1, arrays.size())) {
                where.append(" AND ").append(u.first().sql()).append(" = ANY(").append(other.sql()).append(")");
            }
            return new Frag("ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " WHERE " + where + " GROUP BY "
                    + u.first().sql() + " ORDER BY min(" + u.ord() + "))", arrays.get(0).type());
        });
        scalar("arrayReverse", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            Unnest u = unnest(p, List.of(x));
            return new Frag("ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " ORDER BY " + u.ord() + " DESC)",
                    x.type());
        });
        scalar("arrayCompact", 1, 1, (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0), c);
            Unnest u = unnest(p, List.of(x));
            String s = p.generatedAlias("c");
            return new Frag("ARRAY(SELECT " + s + ".\"v\" FROM (SELECT " + u.first().sql() + " AS \"v\", " + u.ord()
                    + " AS \"o\", lag(" + u.first().sql() + ") OVER (ORDER BY " + u.ord() + ") AS \"pv\" FROM " + u.from()
                    + ") AS " + s + " WHERE " + s + ".\"o\" = 1 OR " + s + ".\"v\" IS DISTINCT FROM " + s + ".\"pv\" ORDER BY "
                    + s + ".\"o\")", x.type());
        });
        // higher-order: an optional lambda first (x -> …), then the arrays; printed by higherOrder
        scalar("arrayMap", 2, -1, ArrayFunctions::higherOrder);
        scalar("arrayFilter", 2, -1, ArrayFunctions::higherOrder);
        scalar("arrayExists", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayAll", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayCount", 1, -1, ArrayFunctions::higherOrder);
        scalar("arraySum", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayMin", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayMax", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayAvg", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayFirst", 2, -1, ArrayFunctions::higherOrder);
        scalar("arrayLast", 2, -1, ArrayFunctions::higherOrder);
        scalar("arrayFirstIndex", 2, -1, ArrayFunctions::higherOrder);
        scalar("arrayLastIndex", 2, -1, ArrayFunctions::higherOrder);
        scalar("arraySort", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayReverseSort", 1, -1, ArrayFunctions::higherOrder);
        scalar("arrayCumSum", 1, -1, ArrayFunctions::higherOrder);
    }

    /** The element columns of {@code unnest(a1, a2, …) WITH ORDINALITY}: {@code from} goes after FROM. */
    private record Unnest(String from, List<Frag> elements, String ord) {
        Frag first() {
            return elements.get(0);
        }
    }

    private static Frag array(PostgresPrinter p, Expr e, Expr.Call c) {
        Frag a = p.expr(e);
        if (HogQLTypes.cat(a.type()).equals("null")) {
            return new Frag("NULL::text[]", "Array(String)");
        }
        if (!HogQLTypes.cat(a.type()).equals("array")) {
            throw new HogQLResolutionException(c.name() + " expects an array, got " + a.type(), e);
        }
        return a;
    }

    private static Unnest unnest(PostgresPrinter p, List<Frag> arrays) {
        String u = p.generatedAlias("u");
        List<String> cols = new ArrayList<>();
        List<Frag> elements = new ArrayList<>();
        for (int k = 0; k < arrays.size(); k++) {
            cols.add("\"v" + (k + 1) + "\"");
            elements.add(new Frag(u + ".\"v" + (k + 1) + "\"", HogQLTypes.elementType(arrays.get(k).type())));
        }
        String from = "unnest(" + arrays.stream().map(Frag::sql).collect(Collectors.joining(", ")) + ") WITH ORDINALITY AS "
                + u + "(" + String.join(", ", cols) + ", \"o\")";
        return new Unnest(from, elements, u + ".\"o\"");
    }

    private static Frag higherOrder(PostgresPrinter p, Expr.Call c, String name) {
        List<Expr> a = c.args();
        Expr.Lambda lambda = a.get(0) instanceof Expr.Lambda l ? l : null;
        if (lambda == null && (name.equals("arraymap") || name.equals("arrayfilter") || name.startsWith("arrayfirst")
                || name.startsWith("arraylast"))) {
            throw new HogQLResolutionException(c.name() + " expects a lambda (x -> …) as its first argument", c);
        }
        List<Expr> arrayArgs = lambda == null ? a : a.subList(1, a.size());
        if (lambda == null && arrayArgs.size() != 1) {
            throw new HogQLResolutionException(c.name() + " without a lambda takes one array", c);
        }
        List<Frag> arrays = arrayArgs.stream().map(x -> array(p, x, c)).toList();
        Unnest u = unnest(p, arrays);
        // the value each element stands for: the lambda's result, or the (first) element itself
        Frag value = lambda == null ? u.first() : p.lambdaBody(lambda, u.elements());
        String from = " FROM " + u.from();
        String ord = u.ord();
        switch (name) {
            case "arraymap":
                HogQLTypes.noNestedArrays(List.of(value.type()));
                return new Frag("ARRAY(SELECT " + value.sql() + from + " ORDER BY " + ord + ")", "Array(" + value.type() + ")");
            case "arrayfilter":
                return new Frag("ARRAY(SELECT " + u.first().sql() + from + " WHERE " + p.bool(value) + " ORDER BY " + ord + ")",
                        arrays.get(0).type());
            case "arrayexists":
                return new Frag("coalesce((SELECT bool_or(" + p.bool(value) + ")" + from + "), FALSE)", "Bool");
            case "arrayall":
                return new Frag("coalesce((SELECT bool_and(" + p.bool(value) + ")" + from + "), TRUE)", "Bool");
            case "arraycount":
                return new Frag("(SELECT count(*)" + from + " WHERE " + p.bool(value) + ")", "UInt64");
            case "arraysum": {
                String t = p.numType(value);
                String sum = "coalesce(sum(" + p.num(value) + "), 0)";
                return new Frag("(SELECT " + (t.equals("Int64") ? sum + "::bigint" : sum + "::float8") + from + ")", t);
            }
            case "arraymin":
            case "arraymax":
                return new Frag("(SELECT " + name.substring(5) + "(" + value.sql() + ")" + from + ")",
                        HogQLTypes.nullable(HogQLTypes.base(value.type())));
            case "arrayavg":
                return new Frag("(SELECT avg(" + p.num(value) + ")::float8" + from + ")", "Nullable(Float64)");
            case "arrayfirst":
            case "arraylast": {
                String dir = name.equals("arrayfirst") ? "" : " DESC";
                Frag el = u.first();
                return new Frag("coalesce((SELECT " + el.sql() + from + " WHERE " + p.bool(value) + " ORDER BY " + ord + dir
                        + " LIMIT 1), " + defaultOf(el.type()) + ")", el.type());
            }
            case "arrayfirstindex":
            case "arraylastindex": {
                String dir = name.equals("arrayfirstindex") ? "" : " DESC";
                return new Frag("coalesce((SELECT " + ord + from + " WHERE " + p.bool(value) + " ORDER BY " + ord + dir
                        + " LIMIT 1), 0)", "UInt32");
            }
            case "arraysort":
            case "arrayreversesort": {
                String dir = name.equals("arraysort") ? " ASC" : " DESC";
                return new Frag("ARRAY(SELECT " + u.first().sql() + from + " ORDER BY " + value.sql() + dir + " NULLS LAST, "
                        + ord + ")", arrays.get(0).type());
            }
            case "arraycumsum": {
                String t = p.numType(value);
                String sum = "sum(" + p.num(value) + ") OVER (ORDER BY " + ord + ")";
                return new Frag("ARRAY(SELECT " + (t.equals("Int64") ? sum + "::bigint" : sum + "::float8") + from + " ORDER BY "
                        + ord + ")", "Array(" + t + ")");
            }
            default:
                throw new HogQLResolutionException("Unknown function \"" + c.name() + "\"", c);
        }
    }

    /** ClickHouse's default value of a type (what arrayFirst answers when nothing matches). */
    private static String defaultOf(String type) {
        return switch (HogQLTypes.cat(type)) {
            case "int" -> "0::bigint";
            case "float" -> "0::float8";
            case "string" -> "''";
            case "bool" -> "FALSE";
            default -> "NULL";
        };
    }

    /** A value to put beside the elements of {@code array}: text when the elements are text. */
    private static String element(PostgresPrinter p, Frag array, Expr value) {
        Frag x = p.expr(value);
        String el = HogQLTypes.elementType(array.type());
        if (HogQLTypes.cat(el).equals("string") && !HogQLTypes.cat(x.type()).equals("string")) {
            return p.str(x);
        }
        if (HogQLTypes.cat(el).equals("float") && HogQLTypes.cat(x.type()).equals("int")) {
            return "(" + x.sql() + ")::float8";
        }
        return x.sql();
    }

    private static void sameElements(List<Frag> arrays, Expr.Call c) {
        String first = HogQLTypes.cat(HogQLTypes.elementType(arrays.get(0).type()));
        for (Frag f : arrays) {
            String el = HogQLTypes.cat(HogQLTypes.elementType(f.type()));
            boolean numbers = Set.of("int", "float").containsAll(List.of(first, el));
            if (!el.equals(first) && !numbers) {
                throw new HogQLResolutionException(c.name() + " expects arrays of the same type, got "
                        + arrays.stream().map(Frag::type).collect(Collectors.joining(" and ")), c);
            }
        }
    }
}
