package dev.quarry.hogql;

/** A SELECT or a UNION ALL of SELECTs; usable as an expression (subquery). */
public sealed interface SelectLike extends Expr permits SelectQuery, SelectUnion {}
