package dev.quarry.hogql;

import java.util.Collections;
import java.util.List;

/**
 * Selects combined by set operators: {@code ops.get(k)} joins {@code selects.get(k)} and {@code selects.get(k + 1)}
 * and is one of {@code UNION ALL}, {@code UNION} (distinct), {@code INTERSECT}, {@code EXCEPT}. INTERSECT binds
 * tighter than UNION and EXCEPT, in ClickHouse as in PostgreSQL.
 */
public record SelectUnion(List<SelectLike> selects, List<String> ops) implements SelectLike {
    public static final List<String> OPERATORS = List.of("UNION ALL", "UNION", "INTERSECT", "EXCEPT");

    public SelectUnion {
        selects = List.copyOf(selects);
        ops = ops == null ? Collections.nCopies(Math.max(0, selects.size() - 1), "UNION ALL") : List.copyOf(ops);
        if (ops.size() != Math.max(0, selects.size() - 1) || !OPERATORS.containsAll(ops)) {
            throw new IllegalArgumentException("set operators " + ops + " for " + selects.size() + " selects");
        }
    }

    /** {@code a UNION ALL b UNION ALL c}. */
    public SelectUnion(List<SelectLike> selects) {
        this(selects, null);
    }
}
