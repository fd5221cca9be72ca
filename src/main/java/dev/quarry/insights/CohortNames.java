package dev.quarry.insights;

import dev.quarry.query.QueryPlan;
import dev.quarry.web.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The display names of a cohort breakdown's cohorts, as PostHog labels cohort series and funnel steps
 * ({@code get_breakdown_cohort_name}): the cohort's name ("" when it has none), {@code "all users"} for the "all"
 * entry (id 0). A cohort the team does not have is a 400 naming it (PostHog fails on it).
 */
public final class CohortNames {
    public static final String ALL_USERS = "all users";

    private CohortNames() {
    }

    /** Id → name for {@code ids} (0 = all users), looked up among the team's cohorts (deleted ones keep their name). */
    public static QueryPlan<Map<Long, String>> of(List<Long> ids) {
        List<Object> wanted = new ArrayList<>();
        for (Long id : ids) {
            if (id != 0 && !wanted.contains(id)) {
                wanted.add(id);
            }
        }
        if (wanted.isEmpty()) {
            return QueryPlan.of(names(ids, List.of()));
        }
        return QueryPlan.cohorts(wanted).map(found -> names(ids, found));
    }

    private static Map<Long, String> names(List<Long> ids, List<QueryPlan.CohortRef> found) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (Long id : ids) {
            if (id == 0) {
                out.put(0L, ALL_USERS);
                continue;
            }
            QueryPlan.CohortRef c = found.stream().filter(f -> f.id() == id).findFirst().orElse(null);
            if (c == null) {
                // PostHog prints a cohort breakdown as IN COHORT, whose printer refuses an unknown id with this 400
                throw new ValidationException(dev.quarry.query.HogQLErrors.QUERY_ERROR, "Could not find cohort with ID " + id,
                        "breakdown");
            }
            out.put(id, c.name() == null ? "" : c.name());
        }
        return out;
    }
}
