package dev.quarry.hogql;

import java.util.List;

/**
 * One item of a FROM clause. {@code joinType} is null for the first item, else one of {@code INNER JOIN, LEFT JOIN,
 * RIGHT JOIN, FULL JOIN, CROSS JOIN, ARRAY JOIN, LEFT ARRAY JOIN}. {@code table} is a {@link Expr.Field} naming a
 * table or CTE, or a {@link SelectLike} subquery; for the ARRAY JOIN kinds it is a {@link Expr.TupleLit} of the arrays
 * unnested side by side (each an {@link Expr.Alias} naming the element, or a field that keeps its name).
 */
public record JoinExpr(String joinType, Expr table, String alias, Expr on, List<String> using) {
    public JoinExpr {
        using = using == null ? List.of() : List.copyOf(using);
    }

    public static final String ARRAY_JOIN = "ARRAY JOIN";
    public static final String LEFT_ARRAY_JOIN = "LEFT ARRAY JOIN";

    /** True for {@code ARRAY JOIN} and {@code LEFT ARRAY JOIN}. */
    public boolean isArrayJoin() {
        return ARRAY_JOIN.equals(joinType) || LEFT_ARRAY_JOIN.equals(joinType);
    }

    public static JoinExpr table(String name, String alias) {
        return new JoinExpr(null, Expr.Field.of(name), alias, null, List.of());
    }
}
