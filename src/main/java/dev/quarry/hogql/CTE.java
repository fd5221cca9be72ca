package dev.quarry.hogql;

/**
 * {@code WITH name AS (select …)} (subquery CTE, expr is a {@link SelectLike}) or ClickHouse's
 * {@code WITH expr AS name} (expression CTE).
 */
public record CTE(String name, Expr expr, boolean subquery) {}
