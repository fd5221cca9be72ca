package dev.quarry.actions;

import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLResolutionException;
import dev.quarry.hogql.Placeholders;
import dev.quarry.hogql.SelectLike;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * HogQL's {@code matchesAction(id)} / {@code matchesAction('name')} (PostHog's posthog function,
 * {@code posthog/hogql/functions/action.py}): true for an event that matches the team's live action with that id, or
 * with that exact name (any of its steps, {@link ActionSteps#condition}). A query's calls are found
 * ({@link #refs}), the actions read for the team by the caller, and each call given its action's condition
 * ({@link #replace}) before the query compiles, so the condition's constants print as bind parameters and its fields
 * resolve where the call is. The call keeps the user's argument: the HogQL a query answers with
 * ({@code hogql}) shows {@code matchesAction(…)} as written, never the action's steps (PostHog prints the HogQL the
 * user wrote); only PostgreSQL prints the condition.
 */
public final class MatchesAction {
    public static final String NAME = "matchesAction";

    private MatchesAction() {
    }

    /**
     * The actions the query's calls name, each once, in order: an id ({@code Long}) or a name ({@code String}).
     *
     * @throws HogQLResolutionException a call whose argument is not one constant id or name
     */
    public static List<Object> refs(SelectLike query) {
        Set<Object> refs = new LinkedHashSet<>();
        Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME)) {
                refs.add(ref(c));
            }
            return e;
        });
        return new ArrayList<>(refs);
    }

    /**
     * As {@link #refs}, for the calls not yet given their condition (one argument): a statement built by a runner
     * around the user's HogQL (an EventsQuery's {@code where}, a HogQL property filter).
     */
    public static List<Object> unresolved(Expr query) {
        Set<Object> refs = new LinkedHashSet<>();
        Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME) && c.args().size() != 2) {
                refs.add(ref(c));
            }
            return e;
        });
        return new ArrayList<>(refs);
    }

    /**
     * The query with each call given the condition of the action it names ({@code conditions} by id or name, as
     * {@link #refs} gave them; a fresh copy per call), as {@code matchesAction(arg, condition)}: the HogQL printer
     * prints the argument, the PostgreSQL printer the condition.
     *
     * @throws HogQLResolutionException a call whose action the team does not have (PostHog's messages)
     */
    public static SelectLike replace(SelectLike query, Map<Object, Expr> conditions) {
        return (SelectLike) replace((Expr) query, conditions);
    }

    /** As {@link #replace(SelectLike, Map)}, for an expression (a statement's value that fills a placeholder). */
    public static Expr replace(Expr query, Map<Object, Expr> conditions) {
        return Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME) && c.args().size() != 2) { // two: given already
                Object ref = ref(c);
                Expr condition = conditions.get(ref);
                if (condition == null) {
                    throw new HogQLResolutionException(ref instanceof Long
                            ? "Could not find an action with the ID " + ref
                            : "Could not find an action with the name '" + ref + "'", c);
                }
                return new Expr.Call(NAME, List.of(c.args().get(0), Placeholders.Transformer.copy(condition)),
                        null, false);
            }
            return e;
        });
    }

    /**
     * The query with each call's placeholder argument ({@code matchesAction({id})}) replaced by its value, as PostHog
     * replaces placeholders before it resolves the call; other placeholders are left for the compiler.
     *
     * @throws HogQLResolutionException a placeholder without a value (the compiler's own message)
     */
    public static SelectLike withValues(SelectLike query, Map<String, Object> values) {
        return (SelectLike) Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME) && c.args().size() == 1
                    && c.args().get(0) instanceof Expr.Placeholder p) {
                return new Expr.Call(NAME, List.of(Placeholders.replace(p, values, null)), c.params(), c.distinct());
            }
            return e;
        });
    }

    private static Object ref(Expr.Call c) {
        if (c.args().size() != 1 || c.distinct() || (c.params() != null && !c.params().isEmpty())) {
            throw new HogQLResolutionException("Function 'matchesAction' expects 1 argument", c);
        }
        if (c.args().get(0) instanceof Expr.Constant k) {
            if (k.value() instanceof Long || k.value() instanceof Integer) {
                return ((Number) k.value()).longValue();
            }
            if (k.value() instanceof Double d && !d.isNaN() && !d.isInfinite()) {
                return d.longValue(); // PostHog's int(value) for a float id
            }
            if (k.value() instanceof String s) {
                return s; // PostHog looks a string up by the action's name (digits included)
            }
        }
        if (!(c.args().get(0) instanceof Expr.Constant)) {
            // PostHog's matches_action: a column, a call or any other expression is refused before its type is looked at
            throw new HogQLResolutionException("action() takes only constant arguments", c);
        }
        throw new HogQLResolutionException("action() takes exactly one string or integer argument", c);
    }
}
