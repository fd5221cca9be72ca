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
 * HogQL's {@code matchesAction(id)} (PostHog's posthog function): true for an event that matches the team's action
 * {@code id} (any of its steps, {@link ActionSteps#condition}). A query's calls are found ({@link #ids}), the actions
 * read for the team by the caller, and each call replaced by its action's condition ({@link #replace}) before the
 * query compiles, so the condition's constants print as bind parameters and its fields resolve where the call is.
 * The argument is a constant action id (an integer, or a string of digits); PostHog also takes an action's name,
 * which is refused here with a 400 naming the call.
 */
public final class MatchesAction {
    public static final String NAME = "matchesAction";

    private MatchesAction() {
    }

    /**
     * The action ids the query's calls name, each once, in order.
     *
     * @throws HogQLResolutionException a call whose argument is not one constant action id
     */
    public static List<Long> ids(SelectLike query) {
        Set<Long> ids = new LinkedHashSet<>();
        Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME)) {
                ids.add(id(c));
            }
            return e;
        });
        return new ArrayList<>(ids);
    }

    /** The query with each call replaced by its action's condition (a fresh copy per call). */
    public static SelectLike replace(SelectLike query, Map<Long, Expr> conditions) {
        return (SelectLike) Placeholders.Transformer.transform(query, e -> {
            if (e instanceof Expr.Call c && c.name().equals(NAME)) {
                Expr condition = conditions.get(id(c));
                if (condition == null) {
                    throw new HogQLResolutionException("Action " + id(c) + " does not exist.", c);
                }
                return Placeholders.Transformer.copy(condition);
            }
            return e;
        });
    }

    private static long id(Expr.Call c) {
        if (c.args().size() != 1 || c.distinct() || (c.params() != null && !c.params().isEmpty())) {
            throw new HogQLResolutionException("Function 'matchesAction' expects 1 argument", c);
        }
        if (c.args().get(0) instanceof Expr.Constant k) {
            if (k.value() instanceof Long || k.value() instanceof Integer) {
                return ((Number) k.value()).longValue();
            }
            if (k.value() instanceof String s && s.matches("\\d{1,18}")) {
                return Long.parseLong(s);
            }
            if (k.value() instanceof String) {
                throw new HogQLResolutionException("matchesAction() takes an action id here: looking an action up "
                        + "by its name is not supported", c);
            }
        }
        throw new HogQLResolutionException("matchesAction() takes one constant action id", c);
    }
}
