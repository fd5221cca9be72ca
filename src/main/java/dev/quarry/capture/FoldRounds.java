package dev.quarry.capture;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Round-robin folding: each round folds one chunk of every pending piece of work in turn; a piece whose chunk came
 * back full (so more may be left) goes on to the next round, the others are done. Every piece thus waits at most one
 * chunk of each other piece per round, however large one backlog is.
 */
final class FoldRounds {
    private FoldRounds() {
    }

    /** One project's deltas of one kind of rollup. */
    record Pending<K>(K kind, long team) {
    }

    /**
     * Folds {@code work} until every piece's chunk comes back short.
     *
     * @param chunk the rows one chunk folds at most
     * @param foldChunk folds one chunk of a piece, giving how many rows it moved
     * @return the rows moved in all
     */
    static <K> Uni<Long> run(List<Pending<K>> work, long chunk, Function<Pending<K>, Uni<Long>> foldChunk) {
        return rounds(List.copyOf(work), chunk, foldChunk, 0);
    }

    private static <K> Uni<Long> rounds(List<Pending<K>> work, long chunk, Function<Pending<K>, Uni<Long>> foldChunk,
                                        long folded) {
        if (work.isEmpty()) {
            return Uni.createFrom().item(folded);
        }
        List<Pending<K>> again = new ArrayList<>();
        return round(work, 0, again, chunk, foldChunk, 0)
                .flatMap(moved -> rounds(again, chunk, foldChunk, folded + moved));
    }

    private static <K> Uni<Long> round(List<Pending<K>> work, int next, List<Pending<K>> again, long chunk,
                                       Function<Pending<K>, Uni<Long>> foldChunk, long moved) {
        if (next == work.size()) {
            return Uni.createFrom().item(moved);
        }
        Pending<K> piece = work.get(next);
        return foldChunk.apply(piece).flatMap(rows -> {
            if (rows >= chunk) {
                again.add(piece);
            }
            return round(work, next + 1, again, chunk, foldChunk, moved + rows);
        });
    }
}
