package dev.quarry.insights;

import dev.quarry.web.ValidationException;
import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;

/**
 * A query kind whose cells have actors: the runner of that kind answers, for an {@code ActorsQuery}'s
 * {@code source} node, the persons of the cell it names, through the same plan that computes the cell's number.
 * {@link ActorsQueryRunner} asks the bean that {@link #answers} the source and never reaches into a runner itself,
 * so a new kind with actors is one more implementation, found by CDI.
 */
public interface ActorsSource {
    /**
     * @param sourceKind the kind of the ActorsQuery's {@code source} ({@code InsightActorsQuery},
     *                   {@code FunnelsActorsQuery}, …)
     * @param insightKind the kind of {@code source.source} (the insight), or "" when absent
     */
    boolean answers(String sourceKind, String insightKind);

    /** The persons of the cell {@code source} names; 400 (ValidationException) when it names none. */
    Uni<ActorsQueryRunner.Cell> actors(InsightSql sql, JsonNode source);
}
