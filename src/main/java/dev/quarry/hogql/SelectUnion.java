package dev.quarry.hogql;

import java.util.List;

/** {@code a UNION ALL b UNION ALL c}. */
public record SelectUnion(List<SelectLike> selects) implements SelectLike {
    public SelectUnion {
        selects = List.copyOf(selects);
    }
}
