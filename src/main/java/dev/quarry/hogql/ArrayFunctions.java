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

    /** Whether this function's first argument may be a lambda (it is registered by {@link #higherOrder}). */
    static boolean takesLambda(String name) {
        Functions.Spec s = Functions.lookup(name);
        return s != null && s.printer() instanceof HigherOrderPrinter;
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
        // higher-order: a lambda (x -> …) first — optional where minArgs is 1 — then the arrays; `v` is what each
        // element stands for (the lambda's value, or the first array's element), `h.el()` the element itself
        higherOrder("arrayMap", 2, (p, h, v) -> {
            HogQLTypes.noNestedArrays(List.of(v.type()));
            return new Frag("ARRAY(SELECT " + v.sql() + h.from() + " ORDER BY " + h.ord() + ")", "Array(" + v.type() + ")");
        });
        higherOrder("arrayFilter", 2, (p, h, v) -> new Frag("ARRAY(SELECT " + h.el().sql() + h.from() + " WHERE "
                + p.bool(v) + " ORDER BY " + h.ord() + ")", h.arrayType()));
        higherOrder("arrayExists", 1, (p, h, v) -> new Frag("coalesce((SELECT bool_or(" + p.bool(v) + ")" + h.from()
                + "), FALSE)", "Bool"));
        higherOrder("arrayAll", 1, (p, h, v) -> new Frag("coalesce((SELECT bool_and(" + p.bool(v) + ")" + h.from()
                + "), TRUE)", "Bool"));
        higherOrder("arrayCount", 1, (p, h, v) -> new Frag("(SELECT count(*)" + h.from() + " WHERE " + p.bool(v) + ")",
                "UInt64"));
        higherOrder("arraySum", 1, (p, h, v) -> {
            String t = p.numType(v);
            String sum = "coalesce(sum(" + p.num(v) + "), 0)";
            return new Frag("(SELECT " + (t.equals("Int64") ? sum + "::bigint" : sum + "::float8") + h.from() + ")", t);
        });
        HigherOrder minMax = (p, h, v) -> new Frag("(SELECT " + h.name().substring(5) + "(" + v.sql() + ")" + h.from()
                + ")", HogQLTypes.nullable(HogQLTypes.base(v.type())));
        higherOrder("arrayMin", 1, minMax);
        higherOrder("arrayMax", 1, minMax);
        higherOrder("arrayAvg", 1, (p, h, v) -> new Frag("(SELECT avg(" + p.num(v) + ")::float8" + h.from() + ")",
                "Nullable(Float64)"));
        HigherOrder firstLast = (p, h, v) -> new Frag("coalesce((SELECT " + h.el().sql() + h.from() + " WHERE "
                + p.bool(v) + " ORDER BY " + h.ord() + (h.name().equals("arrayfirst") ? "" : " DESC") + " LIMIT 1), "
                + defaultOf(h.el().type()) + ")", h.el().type());
        higherOrder("arrayFirst", 2, firstLast);
        higherOrder("arrayLast", 2, firstLast);
        HigherOrder firstLastIndex = (p, h, v) -> new Frag("coalesce((SELECT " + h.ord() + h.from() + " WHERE "
                + p.bool(v) + " ORDER BY " + h.ord() + (h.name().equals("arrayfirstindex") ? "" : " DESC")
                + " LIMIT 1), 0)", "UInt32");
        higherOrder("arrayFirstIndex", 2, firstLastIndex);
        higherOrder("arrayLastIndex", 2, firstLastIndex);
        HigherOrder sort = (p, h, v) -> new Frag("ARRAY(SELECT " + h.el().sql() + h.from() + " ORDER BY " + v.sql()
                + (h.name().equals("arraysort") ? " ASC" : " DESC") + " NULLS LAST, " + h.ord() + ")", h.arrayType());
        higherOrder("arraySort", 1, sort);
        higherOrder("arrayReverseSort", 1, sort);
        higherOrder("arrayCumSum", 1, (p, h, v) -> {
            String t = p.numType(v);
            String sum = "sum(" + p.num(v) + ") OVER (ORDER BY " + h.ord() + ")";
            return new Frag("ARRAY(SELECT " + (t.equals("Int64") ? sum + "::bigint" : sum + "::float8") + h.from()
                    + " ORDER BY " + h.ord() + ")", "Array(" + t + ")");
        });
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

    /**
     * What a higher-order function's printer is given: its lower-case name, {@code " FROM unnest(…) WITH ORDINALITY …"},
     * the ordinality column, the first array's element and the first array's type.
     */
    private record Unnested(String name, String from, String ord, Frag el, String arrayType) {}

    /** Prints one higher-order function from its unnested arrays and the value {@code v} each element stands for. */
    @FunctionalInterface
    interface HigherOrder {
        Frag print(PostgresPrinter p, Unnested h, Frag v);
    }

    /**
     * Registers a higher-order function: {@code minArgs} 2 when the lambda is required, 1 when {@code f(arr)} alone
     * means {@code f(x -> x, arr)}.
     */
    private static void higherOrder(String name, int minArgs, HigherOrder printer) {
        scalar(name, minArgs, -1, new HigherOrderPrinter(minArgs == 2, printer));
    }

    /** Unnests the arrays side by side and binds the lambda's parameters to the elements. */
    private record HigherOrderPrinter(boolean lambdaRequired, HigherOrder printer) implements Printer {
        @Override
        public Frag print(PostgresPrinter p, Expr.Call c, String name) {
            List<Expr> a = c.args();
            Expr.Lambda lambda = a.get(0) instanceof Expr.Lambda l ? l : null;
            if (lambda == null && lambdaRequired) {
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
            return printer.print(p, new Unnested(name, " FROM " + u.from(), u.ord(), u.first(), arrays.get(0).type()),
                    value);
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
