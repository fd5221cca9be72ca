package dev.quarry.hogql;

import java.util.List;

/**
 * One item of a FROM clause. {@code joinType} is null for the first item, else one of {@code INNER JOIN, LEFT JOIN,
 * RIGHT JOIN, FULL JOIN, CROSS JOIN}. {@code table} is a {@link Expr.Field} naming a table or CTE, or a
 * {@link SelectLike} subquery.
 */
public record JoinExpr(String joinType, Expr table, String alias, Expr on, List<String> using) {
    public JoinExpr {
        using = using == null ? List.of() : List.copyOf(using);
    }

    public static JoinExpr table(String name, String alias) {
        return new JoinExpr(null, Expr.Field.of(name), alias, null, List.of());
    }
}
