package dev.quarry.query;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.function.Function;

/**
 * What a runner hands back instead of running anything: the statements its answer needs (HogQL ASTs,
 * {@link HogQLStatement}) and how their rows become the answer. {@link QueryPlans} (owned by {@link QueryService})
 * compiles every statement for the team and executes it; the runner never sees the compiler or the database.
 * <ul>
 *   <li>{@link #run(HogQLStatement)}: one statement; its item is the compiled form and the rows.</li>
 *   <li>{@link #all(List)}: independent parts, run concurrently within the project's statement limit; the items in
 *       the order given (one per series, compared range, cohort …).</li>
 *   <li>{@link #flatMap}: a step that needs an earlier result to build its statements (e.g. a breakdown's top values,
 *       then the counts for them): a function from the first part's item to the next plan, which the service runs
 *       after the first part's rows arrived.</li>
 *   <li>{@link #map}: rows to the answer (formatting); {@link #of}: an item known without SQL.</li>
 *   <li>{@link #cohorts(List)}: the team's cohorts by id or name (the IN COHORT and cohort-breakdown lookups).</li>
 *   <li>{@link #actions(List)}: the team's actions by id or name (an insight's ActionsNode series, HogQL's
 *       matchesAction).</li>
 * </ul>
 * A plan is a value: building it runs nothing. Functions given to {@code map}/{@code flatMap} run in the project's
 * lane (see {@link TeamLanes}), after the rows they read arrived.
 *
 * @param <T> the item the plan produces
 */
public sealed interface QueryPlan<T> {
    /** An item already known. */
    static <T> QueryPlan<T> of(T item) {
        return new Done<>(item);
    }

    /**
     * One statement: compiled for the team and run among the run's statements. A statement whose HogQL calls
     * {@code matchesAction(id or name)} (an EventsQuery's {@code where}, a HogQL property filter of any insight) has
     * the team's actions read first and each call given its action's condition, as PostHog resolves the function
     * wherever HogQL is written (posthog/hogql/functions/action.py), with its messages for an action the team lacks.
     */
    static QueryPlan<HogQLStatement.Result> run(HogQLStatement statement) {
        // the calls may be in the statement or in a value that fills one of its placeholders (a runner's filters)
        java.util.Set<Object> found = new java.util.LinkedHashSet<>();
        try {
            if (statement.ast() != null) {
                found.addAll(dev.quarry.actions.MatchesAction.unresolved(statement.ast()));
            }
            for (Object value : statement.values().values()) {
                if (value instanceof dev.quarry.hogql.Expr e) {
                    found.addAll(dev.quarry.actions.MatchesAction.unresolved(e));
                }
            }
        } catch (dev.quarry.hogql.HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
        if (found.isEmpty()) {
            return new Run(statement);
        }
        List<Object> refs = List.copyOf(found);
        return actions(refs).flatMap(actions -> {
            try {
                java.util.Map<Object, dev.quarry.hogql.Expr> conditions = HogQLQueryRunner.actionConditions(refs, actions);
                java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
                statement.values().forEach((name, value) -> values.put(name, value instanceof dev.quarry.hogql.Expr e
                        ? dev.quarry.actions.MatchesAction.replace(e, conditions) : value));
                return new Run(new HogQLStatement(statement.kind(), statement.ast() == null ? null
                        : dev.quarry.actions.MatchesAction.replace(statement.ast(), conditions), values,
                        statement.limit(), statement.user()));
            } catch (dev.quarry.hogql.HogQLException e) {
                throw HogQLErrors.toValidation(e);
            }
        });
    }

    /** Independent parts run concurrently (within the project's limit); their items in the order given. */
    static <T> QueryPlan<List<T>> all(List<? extends QueryPlan<T>> parts) {
        return new All<>(List.copyOf(parts));
    }

    /**
     * The team's cohorts whose id ({@code Long}) or name ({@code String}) is among {@code refs}, deleted ones
     * included (each says whether it is deleted).
     */
    static QueryPlan<List<CohortRef>> cohorts(List<?> refs) {
        return new Cohorts(List.copyOf(refs));
    }

    /**
     * The team's actions whose id ({@code Long}) is among {@code refs}, deleted ones included (each says whether it
     * is deleted), and its live actions whose name ({@code String}) is.
     */
    static QueryPlan<List<ActionRef>> actions(List<?> refs) {
        return new Actions(List.copyOf(refs));
    }

    /** This plan's item, transformed (in the project's lane). */
    default <U> QueryPlan<U> map(Function<? super T, ? extends U> f) {
        return new Then<T, U>(this, item -> of(f.apply(item)));
    }

    /** This plan, then the plan its item leads to (a step that needs this plan's rows to build its statements). */
    default <U> QueryPlan<U> flatMap(Function<? super T, ? extends QueryPlan<U>> next) {
        return new Then<>(this, next);
    }

    /** A known item. */
    @RegisterForReflection
    record Done<T>(T item) implements QueryPlan<T> {
    }

    /** One statement. */
    @RegisterForReflection
    record Run(HogQLStatement statement) implements QueryPlan<HogQLStatement.Result> {
    }

    /** Independent parts. */
    @RegisterForReflection
    record All<T>(List<QueryPlan<T>> parts) implements QueryPlan<List<T>> {
    }

    /** A first part and the step built from its item. */
    @RegisterForReflection
    record Then<A, T>(QueryPlan<A> first, Function<? super A, ? extends QueryPlan<T>> next) implements QueryPlan<T> {
    }

    /** A cohort lookup by ids and names. */
    @RegisterForReflection
    record Cohorts(List<Object> refs) implements QueryPlan<List<CohortRef>> {
    }

    /** An action lookup by ids. */
    @RegisterForReflection
    record Actions(List<Object> refs) implements QueryPlan<List<ActionRef>> {
    }

    /** One of the team's actions: its id, its name (null when it has none), its steps (JSON text), whether deleted. */
    @RegisterForReflection
    record ActionRef(long id, String name, String steps, boolean deleted) {
    }

    /** One of the team's cohorts: its id, its name (null when it has none) and whether it is deleted. */
    @RegisterForReflection
    record CohortRef(long id, String name, boolean deleted) {
    }
}
