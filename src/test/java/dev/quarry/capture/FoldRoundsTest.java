package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Folding in rounds: a large backlog gets one chunk per round, the small ones are done in the first. */
class FoldRoundsTest {

    @Test
    void aBacklogTakesOneChunkPerRound() {
        // chunks of 10: team 1 has 35 person rows (4 chunks), team 2 has 3, team 3 has 10 (a full chunk, then 0);
        // team 1 also has 12 property rows
        Map<String, Long> left = new HashMap<>(Map.of("P1", 35L, "P2", 3L, "P3", 10L, "Q1", 12L));
        List<String> calls = new ArrayList<>();
        List<FoldRounds.Pending<String>> work = List.of(new FoldRounds.Pending<>("P", 1), new FoldRounds.Pending<>("P", 2),
                new FoldRounds.Pending<>("P", 3), new FoldRounds.Pending<>("Q", 1));
        long moved = FoldRounds.run(work, 10, piece -> {
            String key = piece.kind() + piece.team();
            long rows = Math.min(10, left.get(key));
            left.put(key, left.get(key) - rows);
            calls.add(key + ":" + rows);
            return Uni.createFrom().item(rows);
        }).await().indefinitely();
        assertEquals(60, moved);
        assertEquals(List.of("P1:10", "P2:3", "P3:10", "Q1:10", "P1:10", "P3:0", "Q1:2", "P1:10", "P1:5"), calls);
    }

    @Test
    void nothingPendingFoldsNothing() {
        assertEquals(0L, FoldRounds.run(List.<FoldRounds.Pending<String>>of(), 10,
                piece -> Uni.createFrom().item(99L)).await().indefinitely());
    }
}
