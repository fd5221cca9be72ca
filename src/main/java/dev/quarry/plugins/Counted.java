package dev.quarry.plugins;

import java.util.List;

/** One page of rows and how many rows match in all. */
public record Counted<T>(long count, List<T> rows) {
}
