package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.Functions.CallPrinter;
import dev.quarry.hogql.Functions.TypeRule;
import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.ArrayList;
import java.util.List;
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
        return s != null && s.sql() instanceof HigherOrderPrinter;
    }

    static void register() {
        scalar("range", 1, 3, returns("Array(Int64)"), (p, c, name) -> {
            List<Expr> a = c.args();
            String start = a.size() == 1 ? "0" : "trunc(" + p.num(p.expr(a.get(0))) + ")::bigint";
            String end = "trunc(" + p.num(p.expr(a.get(a.size() == 1 ? 0 : 1))) + ")::bigint";
            String stepAsSent = a.size() == 3 ? "trunc(" + p.num(p.expr(a.get(2))) + ")::bigint" : "1";
            String step = a.size() == 3 ? "GREATEST(" + stepAsSent + ", 1)" : "1";
            // at most a million elements, so that one call cannot exhaust the server's memory: a longer range is
            // refused (quarry_range_last, V119_1), as ClickHouse refuses one past its own bound
            // a NULL bound or step gives NULL, as ClickHouse passes NULL through (generate_series gave no rows: [])
            return "(CASE WHEN " + start + " IS NULL OR " + end + " IS NULL OR " + stepAsSent + " IS NULL THEN NULL ELSE "
                    + "ARRAY(SELECT generate_series(" + start + ", quarry_range_last(" + start + ", " + end + ", " + step
                    + "), " + step + ")) END)";
        });
        scalar("arrayConcat", 2, -1, (t, c) -> sameElements(arrayTypes(t, c, 0, t.size()), c), (p, c, name) -> "("
                + c.args().stream().map(x -> array(p, x).sql()).collect(Collectors.joining(" || ")) + ")");
        scalar("arrayElement", 2, 2, (t, c) -> t.of(element(c)), (p, c, name) -> p.expr(element(c)).sql());
        CallPrinter hasallFn = (p, c, name) -> {
            List<Expr> a = c.args();
            Frag x = array(p, a.get(0));
            if (a.get(1) instanceof Expr.ArrayLit l && l.items().isEmpty()) {
                return name.equals("hasall") ? "TRUE" : "FALSE";
            }
            Frag y = array(p, a.get(1));
            return hasAllByValue(p, name.equals("hasall"), x, y);
        };
        TypeRule hasallType = (t, c) -> {
            if (c.args().get(1) instanceof Expr.ArrayLit l && l.items().isEmpty()) {
                arrayTypes(t, c, 0, 1);
            } else {
                sameElements(arrayTypes(t, c, 0, 2), c);
            }
            return "Bool";
        };
        scalar("hasAll", 2, 2, hasallType, hasallFn);
        scalar("hasAny", 2, 2, hasallType, hasallFn);
        // ClickHouse finds an element with ==: NaN is never found (indexOf([nan], nan) 0, countEqual 0), where
        // PostgreSQL's array_position and IS NOT DISTINCT FROM find it
        scalar("indexOf", 2, 2, withElement(firstArray("UInt64")), (p, c, name) -> {
            Frag x = array(p, c.args().get(0));
            String el = element(p, x, c.args().get(1));
            return notNaN(p, c.args().get(1), el, "coalesce(array_position(" + x.sql() + ", " + el + "), 0)::bigint");
        });
        scalar("countEqual", 2, 2, withElement(firstArray("UInt64")), (p, c, name) -> {
            Frag x = array(p, c.args().get(0));
            Unnest u = unnest(p, List.of(x));
            String el = element(p, x, c.args().get(1));
            return notNaN(p, c.args().get(1), el, "(SELECT count(*) FROM " + u.from() + " WHERE " + u.first().sql()
                    + " IS NOT DISTINCT FROM " + el + ")");
        });
        CallPrinter arraypushbackFn = (p, c, name) -> {
            Frag x = array(p, c.args().get(0));
            String v = element(p, x, c.args().get(1));
            return name.equals("arraypushback") ? "array_append(" + x.sql() + ", " + v + ")"
                    : "array_prepend(" + v + ", " + x.sql() + ")";
        };
        scalar("arrayPushBack", 2, 2, withElement(FIRST_ARRAY), arraypushbackFn);
        scalar("arrayPushFront", 2, 2, withElement(FIRST_ARRAY), arraypushbackFn);
        scalar("arraySlice", 2, 3, FIRST_ARRAY, (p, c, name) -> {
            List<Expr> a = c.args();
            // ClickHouse (FunctionArraySlice): offset from 1, a negative one counts from the end, NULL from the start;
            // length optional, NULL to the end, a negative one stops that many elements before the end
            Frag x = array(p, a.get(0));
            String n = "coalesce(cardinality(" + x.sql() + "), 0)";
            String off = "trunc(" + p.num(p.expr(a.get(1))) + ")::int";
            String from = "(CASE WHEN " + off + " IS NULL THEN 1 WHEN " + off + " > 0 THEN " + off + " WHEN " + off
                    + " < 0 THEN " + n + " + " + off + " + 1 ELSE NULL END)";
            String to = n;
            if (a.size() == 3) {
                String len = "trunc(" + p.num(p.expr(a.get(2))) + ")::int";
                to = "(CASE WHEN " + len + " IS NULL THEN " + n + " WHEN " + len + " < 0 THEN " + n + " + " + len
                        + " ELSE " + from + " + " + len + " - 1 END)";
            }
            return "coalesce((" + x.sql() + ")[GREATEST(" + from + ", 1):" + to + "], '{}')";
        });
        scalar("arrayEnumerate", 1, 1, firstArray("Array(UInt32)"), (p, c, name) -> "ARRAY(SELECT generate_series(1::bigint, "
                + "coalesce(cardinality(" + array(p, c.args().get(0)).sql() + "), 0)))");
        scalar("arrayPopBack", 1, 1, FIRST_ARRAY, (p, c, name) -> {
            Frag x = array(p, c.args().get(0));
            return "coalesce((" + x.sql() + ")[1:cardinality(" + x.sql() + ") - 1], '{}')";
        });
        scalar("arrayPopFront", 1, 1, FIRST_ARRAY, (p, c, name) -> {
            Frag x = array(p, c.args().get(0));
            return "coalesce((" + x.sql() + ")[2:cardinality(" + x.sql() + ")], '{}')";
        });
        scalar("arrayUniq", 1, 1, firstArray("UInt64"), (p, c, name) -> {
            Unnest u = unnest(p, List.of(array(p, c.args().get(0))));
            return "(SELECT count(DISTINCT " + u.first().sql() + ") FROM " + u.from() + ")";
        });
        scalar("arrayDifference", 1, 1, (t, c) -> "Array(" + HogQLTypes.numType(HogQLTypes.elementType(
                arrayTypes(t, c, 0, 1).get(0))) + ")", (p, c, name) -> {
                    Unnest u = unnest(p, List.of(array(p, c.args().get(0))));
                    Frag v = u.first();
                    return "ARRAY(SELECT coalesce(" + p.num(v) + " - lag(" + p.num(v) + ") OVER (ORDER BY " + u.ord()
                            + "), 0) FROM " + u.from() + " ORDER BY " + u.ord() + ")";
                });
        scalar("arrayDistinct", 1, 1, FIRST_ARRAY, (p, c, name) -> {
            Unnest u = unnest(p, List.of(array(p, c.args().get(0))));
            return "ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " WHERE " + u.first().sql()
                    + " IS NOT NULL GROUP BY " + u.first().sql() + " ORDER BY min(" + u.ord() + "))";
        });
        scalar("arrayIntersect", 1, -1, (t, c) -> sameElements(arrayTypes(t, c, 0, t.size()), c), (p, c, name) -> {
            List<Frag> arrays = c.args().stream().map(x -> array(p, x)).toList();
            Unnest u = unnest(p, List.of(arrays.get(0)));
            StringBuilder where = new StringBuilder(u.first().sql() + " IS NOT NULL");
            for (Frag other : arrays.subList(1, arrays.size())) {
                // IN a subquery: a hashed semi-join, where = ANY(array) compares each element with every other
                where.append(" AND ").append(u.first().sql()).append(" IN (SELECT unnest(").append(other.sql())
                        .append("))");
            }
            return "ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " WHERE " + where + " GROUP BY "
                    + u.first().sql() + " ORDER BY min(" + u.ord() + "))";
        });
        scalar("arrayReverse", 1, 1, FIRST_ARRAY, (p, c, name) -> {
            Unnest u = unnest(p, List.of(array(p, c.args().get(0))));
            return "ARRAY(SELECT " + u.first().sql() + " FROM " + u.from() + " ORDER BY " + u.ord() + " DESC)";
        });
        scalar("arrayCompact", 1, 1, FIRST_ARRAY, (p, c, name) -> {
            Unnest u = unnest(p, List.of(array(p, c.args().get(0))));
            String s = p.generatedAlias("c");
            return "ARRAY(SELECT " + s + ".\"v\" FROM (SELECT " + u.first().sql() + " AS \"v\", " + u.ord()
                    + " AS \"o\", lag(" + u.first().sql() + ") OVER (ORDER BY " + u.ord() + ") AS \"pv\" FROM " + u.from()
                    + ") AS " + s + " WHERE " + s + ".\"o\" = 1 OR " + s + ".\"v\" IS DISTINCT FROM " + s + ".\"pv\" ORDER BY "
                    + s + ".\"o\")";
        });
        // higher-order: a lambda (x -> …) first — optional where minArgs is 1 — then the arrays; `v` is what each
        // element stands for (the lambda's value, or the first array's element), `h.el()` the element itself
        higherOrder("arrayMap", 2, (h, v) -> {
            HogQLTypes.noNestedArrays(List.of(v));
            return "Array(" + v + ")";
        }, (p, h, v) -> "ARRAY(SELECT " + mappedElement(p, h, v) + h.from() + " ORDER BY " + h.ord() + ")");
        higherOrder("arrayFilter", 2, (h, v) -> h.arrayType(), (p, h, v) -> "ARRAY(SELECT " + h.el().sql() + h.from()
                + " WHERE " + p.bool(v) + " ORDER BY " + h.ord() + ")");
        higherOrder("arrayExists", 1, (h, v) -> "Bool", (p, h, v) -> "coalesce((SELECT bool_or(" + p.bool(v) + ")"
                + h.from() + "), FALSE)");
        higherOrder("arrayAll", 1, (h, v) -> "Bool", (p, h, v) -> "coalesce((SELECT bool_and(" + p.bool(v) + ")"
                + h.from() + "), TRUE)");
        higherOrder("arrayCount", 1, (h, v) -> "UInt64", (p, h, v) -> "(SELECT count(*)" + h.from() + " WHERE "
                + p.bool(v) + ")");
        higherOrder("arraySum", 1, (h, v) -> HogQLTypes.numType(v), (p, h, v) -> {
            String sum = "coalesce(sum(" + p.num(v) + "), 0)";
            return "(SELECT " + (p.numType(v).equals("Int64") ? sum + "::bigint" : sum + "::float8") + h.from() + ")";
        });
        HigherOrderType minMaxType = (h, v) -> HogQLTypes.nullable(HogQLTypes.base(v));
        // ClickHouse's arrayMin/arrayMax start from the first element and replace it only by a smaller (greater) one:
        // a NaN first stays, any other NaN is passed over (arrayMax([1, nan, 3]) 3, arrayMax([nan, 1]) nan)
        HigherOrder minMax = (p, h, v) -> {
            boolean min = h.name().equals("arraymin");
            if (!HogQLTypes.cat(v.type()).equals("float")) {
                return "(SELECT " + (min ? "min" : "max") + "(" + v.sql() + ")" + h.from() + ")";
            }
            return "(SELECT CASE WHEN (array_agg(" + v.sql() + " ORDER BY " + h.ord() + ") FILTER (WHERE " + v.sql()
                    + " IS NOT NULL))[1] = " + FloatOrder.NAN + " THEN " + FloatOrder.NAN + " ELSE "
                    + (min ? "min(" + v.sql() + ")" : FloatOrder.maxOfFloat(v.sql())) + " END" + h.from() + ")";
        };
        higherOrder("arrayMin", 1, minMaxType, minMax);
        higherOrder("arrayMax", 1, minMaxType, minMax);
        higherOrder("arrayAvg", 1, (h, v) -> "Nullable(Float64)", (p, h, v) -> "(SELECT avg(" + p.num(v) + ")::float8"
                + h.from() + ")");
        HigherOrder firstLast = (p, h, v) -> "coalesce((SELECT " + h.el().sql() + h.from() + " WHERE "
                + p.bool(v) + " ORDER BY " + h.ord() + (h.name().equals("arrayfirst") ? "" : " DESC") + " LIMIT 1), "
                + HogQLTypes.defaultValue(h.el().type()) + ")";
        higherOrder("arrayFirst", 2, (h, v) -> h.elType(), firstLast);
        higherOrder("arrayLast", 2, (h, v) -> h.elType(), firstLast);
        HigherOrder firstLastIndex = (p, h, v) -> "coalesce((SELECT " + h.ord() + h.from() + " WHERE "
                + p.bool(v) + " ORDER BY " + h.ord() + (h.name().equals("arrayfirstindex") ? "" : " DESC")
                + " LIMIT 1), 0)";
        higherOrder("arrayFirstIndex", 2, (h, v) -> "UInt32", firstLastIndex);
        higherOrder("arrayLastIndex", 2, (h, v) -> "UInt32", firstLastIndex);
        // ClickHouse sorts NaN after the numbers and before NULL both ways (its docs: arrayReverseSort of
        // [1, nan, 2, NULL, 3, nan, -4, NULL, inf, -inf] is [inf, 3, 2, 1, -4, -inf, nan, nan, NULL, NULL])
        HigherOrder sort = (p, h, v) -> "ARRAY(SELECT " + h.el().sql() + h.from() + " ORDER BY "
                + (h.name().equals("arraysort") ? v.sql() + " ASC NULLS LAST" : FloatOrder.argOrder(v, true)) + ", "
                + h.ord() + ")";
        higherOrder("arraySort", 1, (h, v) -> h.arrayType(), sort);
        higherOrder("arrayReverseSort", 1, (h, v) -> h.arrayType(), sort);
        higherOrder("arrayCumSum", 1, (h, v) -> "Array(" + HogQLTypes.numType(v) + ")", (p, h, v) -> {
            String sum = "sum(" + p.num(v) + ") OVER (ORDER BY " + h.ord() + ")";
            return "ARRAY(SELECT " + (p.numType(v).equals("Int64") ? sum + "::bigint" : sum + "::float8") + h.from()
                    + " ORDER BY " + h.ord() + ")";
        });
    }

    /** The element columns of {@code unnest(a1, a2, …) WITH ORDINALITY}: {@code from} goes after FROM. */
    private record Unnest(String from, List<Frag> elements, String ord) {
        Frag first() {
            return elements.get(0);
        }
    }

    /** arrayElement(arr, i) is arr[i]. */
    private static Expr.ArrayAccess element(Expr.Call c) {
        return new Expr.ArrayAccess(c.args().get(0), c.args().get(1));
    }

    /**
     * The types of the array arguments {@code from} … {@code to - 1}: a NULL is an empty {@code Array(String)}, any
     * other value that is not an array is refused.
     */
    private static List<String> arrayTypes(Functions.ArgTypes t, Expr.Call c, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String a = t.get(i);
            if (HogQLTypes.cat(a).equals("null")) {
                out.add("Array(String)");
            } else if (!HogQLTypes.cat(a).equals("array")) {
                throw new HogQLResolutionException(c.name() + " expects an array, got " + a, c.args().get(i));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /** The rule of a function of an array (its first argument) whose result is the array's type. */
    private static final TypeRule FIRST_ARRAY = (t, c) -> arrayTypes(t, c, 0, 1).get(0);

    /**
     * The rule of a function of an array and one of its elements ({@code indexOf}, {@code arrayPushBack}, …): the
     * second argument is a value, not an array (ClickHouse: no supertype for the element and an array).
     */
    private static TypeRule withElement(TypeRule rule) {
        return (t, c) -> {
            String r = rule.type(t, c);
            if (HogQLTypes.cat(t.get(1)).equals("array")) {
                throw new HogQLResolutionException(c.name() + " expects an element of " + t.get(0) + ", got "
                        + t.get(1), c);
            }
            return r;
        };
    }

    /** The rule of a function of an array (its first argument) whose result is {@code type}. */
    private static TypeRule firstArray(String type) {
        return (t, c) -> {
            arrayTypes(t, c, 0, 1);
            return type;
        };
    }

    /** An array argument printed: a NULL is an empty text array (its type checked by the typing pass). */
    /**
     * {@code hasAll(x, y)} / {@code hasAny(x, y)} as set operations on the two arrays' elements: hasAll is "no element
     * of y EXCEPT the elements of x", hasAny "some element of y INTERSECT the elements of x". PostgreSQL hashes (or
     * sorts) the elements, so two arrays of a million elements take about a second and the query can be cancelled,
     * where {@code @>} / {@code &&} compare every pair in a loop that no statement timeout interrupts. ClickHouse
     * compares numbers with {@code ==} (GatherUtils' sliceEqualElements, accurate::equalsOp), so NaN is never found
     * ({@code hasAll([1, nan], [nan])} 0, {@code hasAny([nan], [nan])} 0): x's NaNs are left out of the set. It takes
     * NULL as a value (its docs: {@code hasAll([1, NULL], [NULL])} 1, {@code hasAny([NULL], [NULL])} 1,
     * {@code hasAll([1], [NULL])} 0), as EXCEPT and INTERSECT do.
     */
    private static String hasAllByValue(PostgresPrinter p, boolean all, Frag x, Frag y) {
        boolean xFloat = HogQLTypes.cat(HogQLTypes.elementType(x.type())).equals("float");
        String ua = p.generatedAlias("ha");
        String ub = p.generatedAlias("hb");
        String a = ua + ".\"v\"";
        String b = ub + ".\"v\"";
        String inX = "SELECT " + a + " FROM unnest(" + x.sql() + ") AS " + ua + "(\"v\")"
                + (xFloat ? " WHERE " + a + " IS DISTINCT FROM 'NaN'::float8" : "");
        String ofY = "SELECT " + b + " FROM unnest(" + y.sql() + ") AS " + ub + "(\"v\")";
        return all ? "(NOT EXISTS (" + ofY + " EXCEPT " + inX + "))" : "(EXISTS (" + ofY + " INTERSECT " + inX + "))";
    }

    /**
     * An arrayMap's element: in a user's statement a variable-width one passes {@code quarry_bounded_element} (V118_1),
     * which measures the backend's memory as the array grows — the array keeps every element until it is made, so
     * elements each under 64 MiB could otherwise add up to many gigabytes before the array's own check.
     */
    private static String mappedElement(PostgresPrinter p, Unnested h, Frag v) {
        if (!p.boundedCollections() || ValueBounds.fixedWidth(v.type())) {
            return v.sql();
        }
        return "quarry_bounded_element(" + v.sql() + ", " + h.ord() + ")";
    }

    private static Frag array(PostgresPrinter p, Expr e) {
        Frag a = p.expr(e);
        if (HogQLTypes.cat(a.type()).equals("null")) {
            return new Frag("NULL::text[]", "Array(String)");
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

    /** What a higher-order function's type rule is given: the first array's type and its element type. */
    private record ArrayArgs(String arrayType, String elType) {}

    /** Prints one higher-order function from its unnested arrays and the value {@code v} each element stands for. */
    @FunctionalInterface
    interface HigherOrder {
        String print(PostgresPrinter p, Unnested h, Frag v);
    }

    /** The type of one higher-order function, given its arrays and the type of what each element stands for. */
    @FunctionalInterface
    interface HigherOrderType {
        String type(ArrayArgs h, String v);
    }

    /**
     * Registers a higher-order function: {@code minArgs} 2 when the lambda is required, 1 when {@code f(arr)} alone
     * means {@code f(x -> x, arr)}.
     */
    private static void higherOrder(String name, int minArgs, HigherOrderType type, HigherOrder printer) {
        boolean lambdaRequired = minArgs == 2;
        TypeRule rule = (t, c) -> {
            Expr.Lambda lambda = lambda(c, lambdaRequired);
            int first = lambda == null ? 0 : 1;
            List<String> arrays = arrayTypes(t, c, first, t.size());
            List<String> elements = arrays.stream().map(HogQLTypes::elementType).toList();
            // the value each element stands for: the lambda's result, or the (first) element itself
            String value = lambda == null ? elements.get(0) : t.lambda(lambda, elements);
            return type.type(new ArrayArgs(arrays.get(0), elements.get(0)), value);
        };
        scalar(name, minArgs, -1, rule, new HigherOrderPrinter(printer));
    }

    /** The lambda a higher-order call starts with, or null; refused where it is required and missing. */
    private static Expr.Lambda lambda(Expr.Call c, boolean required) {
        List<Expr> a = c.args();
        Expr.Lambda lambda = a.get(0) instanceof Expr.Lambda l ? l : null;
        if (lambda == null && required) {
            throw new HogQLResolutionException(c.name() + " expects a lambda (x -> …) as its first argument", c);
        }
        if (lambda == null && a.size() != 1) {
            throw new HogQLResolutionException(c.name() + " without a lambda takes one array", c);
        }
        return lambda;
    }

    /** Unnests the arrays side by side and binds the lambda's parameters to the elements. */
    private record HigherOrderPrinter(HigherOrder printer) implements CallPrinter {
        @Override
        public String print(PostgresPrinter p, Expr.Call c, String name) {
            List<Expr> a = c.args();
            Expr.Lambda lambda = a.get(0) instanceof Expr.Lambda l ? l : null;
            List<Expr> arrayArgs = lambda == null ? a : a.subList(1, a.size());
            List<Frag> arrays = arrayArgs.stream().map(x -> array(p, x)).toList();
            Unnest u = unnest(p, arrays);
            // the value each element stands for: the lambda's result, or the (first) element itself
            Frag value = lambda == null ? u.first() : p.lambdaBody(lambda, u.elements());
            return printer.print(p, new Unnested(name, " FROM " + u.from(), u.ord(), u.first(), arrays.get(0).type()),
                    value);
        }
    }

    /** A value to put beside the elements of {@code array}: text when the elements are text. */
    /** {@code found}, or 0 where the sought element {@code value} (printed {@code el}) is NaN, as ClickHouse's ==. */
    private static String notNaN(PostgresPrinter p, Expr value, String el, String found) {
        if (!FloatOrder.canBeNaN(new Frag(el, p.type(value)), value)) {
            return found;
        }
        return "(CASE WHEN (" + el + ") = " + FloatOrder.NAN + " THEN 0 ELSE " + found + " END)";
    }

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

    /** Arrays whose elements must be of one kind (numbers of both kinds mix): the first array's type. */
    private static String sameElements(List<String> arrays, Expr.Call c) {
        String first = HogQLTypes.cat(HogQLTypes.elementType(arrays.get(0)));
        for (String f : arrays) {
            String el = HogQLTypes.cat(HogQLTypes.elementType(f));
            boolean numbers = Set.of("int", "float").containsAll(List.of(first, el));
            if (!el.equals(first) && !numbers) {
                throw new HogQLResolutionException(c.name() + " expects arrays of the same type, got "
                        + String.join(" and ", arrays), c);
            }
        }
        return arrays.get(0);
    }
}
