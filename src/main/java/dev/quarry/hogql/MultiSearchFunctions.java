package dev.quarry.hogql;

import static dev.quarry.hogql.Functions.returns;
import static dev.quarry.hogql.Functions.scalar;

import dev.quarry.hogql.PostgresPrinter.Frag;
import java.util.List;

/**
 * ClickHouse's multiSearch functions over a haystack and an array of needles: {@code multiSearchAny} (any needle
 * found), {@code multiSearchFirstIndex} (the 1-based index of the first needle found, 0 for none),
 * {@code multiSearchFirstPosition} (the leftmost position any needle is found at, 0 for none) and
 * {@code multiSearchAllPositions} (each needle's position, 0 where not found), each with its {@code UTF8},
 * {@code CaseInsensitive} and {@code CaseInsensitiveUTF8} twin, positions counted as the matching {@code position…}
 * function counts them. Needles that are not an array of strings are a 400.
 */
final class MultiSearchFunctions {
    private MultiSearchFunctions() {
    }

    static void register() {
        // multiSearch…(haystack, [needles]): each needle's position as the matching position function finds it (bytes,
        // or characters for the UTF8 twins; ASCII letters folded, or all letters for CaseInsensitiveUTF8)
        for (String variant : List.of("", "UTF8", "CaseInsensitive", "CaseInsensitiveUTF8")) {
            scalar("multiSearchAny" + variant, 2, 2, returns("Bool"), (p, c, name) -> multiSearch(p, c, name,
                    (pos, from, ord) -> "EXISTS (SELECT 1 FROM " + from + " WHERE " + pos + " > 0)"));
            scalar("multiSearchFirstIndex" + variant, 2, 2, returns("Int64"), (p, c, name) -> multiSearch(p, c, name,
                    (pos, from, ord) -> "COALESCE((SELECT min(" + ord + ") FROM " + from + " WHERE " + pos + " > 0), 0)"));
            scalar("multiSearchFirstPosition" + variant, 2, 2, returns("Int64"), (p, c, name) -> multiSearch(p, c,
                    name, (pos, from, ord) -> "COALESCE((SELECT min(x) FROM (SELECT " + pos + " AS x FROM " + from
                            + ") k WHERE x > 0), 0)"));
            scalar("multiSearchAllPositions" + variant, 2, 2, returns("Array(Int64)"), (p, c, name) -> multiSearch(p,
                    c, name, (pos, from, ord) -> "ARRAY(SELECT " + pos + " FROM " + from + " ORDER BY " + ord + ")"));
        }
    }

    /** What a multiSearch function makes of each needle's position, the needles' FROM item and their ordinal. */
    private interface NeedlesSql {
        String sql(String position, String from, String ordinal);
    }

    private static String multiSearch(PostgresPrinter p, Expr.Call c, String name, NeedlesSql result) {
        boolean ci = name.contains("caseinsensitive");
        boolean utf8 = name.endsWith("utf8");
        String h = p.str(p.expr(c.args().get(0)));
        Frag needles = p.expr(c.args().get(1));
        if (!HogQLTypes.cat(needles.type()).equals("array")
                || !HogQLTypes.cat(HogQLTypes.elementType(needles.type())).equals("string")) {
            throw new HogQLResolutionException("Illegal type " + HogQLTypes.resultColumn(needles.type())
                    + " of argument of function " + c.name() + ": an array of strings is expected", c);
        }
        String u = p.generatedAlias("n");
        String n = u + ".\"v\"";
        if (ci) {
            h = utf8 ? "lower(" + h + ")" : CoreFunctions.asciiLower(h);
            n = utf8 ? "lower(" + n + ")" : CoreFunctions.asciiLower(n);
        }
        String position = utf8 ? "strpos(" + h + ", " + n + ")::bigint" : "hogql_position_bytes(" + h + ", " + n + ", 1)";
        String from = "unnest(" + needles.sql() + "::text[]) WITH ORDINALITY AS " + u + "(\"v\", \"o\")";
        return "(" + result.sql(position, from, u + ".\"o\"") + ")";
    }
}
