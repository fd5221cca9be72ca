package dev.quarry.insights;

import dev.quarry.query.QueryPlan;

/**
 * A query kind whose cells have actors: the runner of that kind answers, for an {@code ActorsQuery}'s
 * {@code source} node, the persons of the cell it names, as a HogQL AST built by the same plan that computes the
 * cell's number. {@link ActorsQueryRunner} asks the bean that {@link #answers} the source and never reaches into a
 * runner itself, so a new kind with actors is one more implementation, found by CDI.
 *
 * @param <S> the source record this kind reads ({@link InsightActorsQuery} for an insight's cells)
 */
public interface ActorsSource<S extends ActorsQuery.Source> {
    /** The source record this kind reads. */
    Class<S> sourceType();

    /** Whether this kind answers {@code source} (e.g. an InsightActorsQuery over a RetentionQuery). */
    boolean answers(S source);

    /**
     * The persons of the cell {@code source} names, as an AST selecting {@code person_id} (see
     * {@link ActorsQueryRunner.Cell}); 400 (ValidationException) when it names none.
     */
    QueryPlan<ActorsQueryRunner.Cell> actors(InsightSql sql, S source);
}
