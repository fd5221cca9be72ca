package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The cohorts a cohort's filters name ({@code {"type": "cohort", "key": "id", "value": <id>}}, and the old
 * {@code precalculated-cohort} / {@code static-cohort} types), checked at write time as PostHog's
 * {@code will_create_loops} (posthog/api/cohort.py) does on update: every cohort reachable through the references
 * must be the project's own, else 400 {@code "Invalid Cohort ID in filter"} (attr null); a chain that comes back to
 * the cohort being edited is 400 {@code "Cohorts cannot reference other cohorts in a loop."}. Quarry runs the same
 * check on create (PostHog stores such a cohort and its calculation then fails), so no stored cohort names another
 * project's cohort.
 */
public final class CohortReferences {
    private static final Set<String> COHORT_TYPES = Set.of("cohort", "precalculated-cohort", "static-cohort");
    /** A walk through more cohorts than this is refused rather than read on (each level is one statement). */
    static final int MAX_COHORTS = 1_000;

    private CohortReferences() {
    }

    /** The ids named by cohort filters anywhere in these filters (or legacy-groups) JSON; values that are no id are skipped. */
    public static Set<Long> named(JsonNode filters) {
        Set<Long> ids = new LinkedHashSet<>();
        collect(filters, ids);
        return ids;
    }

    private static void collect(JsonNode node, Set<Long> ids) {
        if (node == null) {
            return;
        }
        if (node.isObject() && COHORT_TYPES.contains(node.path("type").asText(""))) {
            JsonNode value = node.get("value");
            if (value != null && (value.isIntegralNumber() && value.canConvertToLong()
                    || value.isTextual() && value.asText().matches("-?\\d{1,18}"))) {
                ids.add(value.asLong());
            }
        }
        if (node.isContainerNode()) {
            node.forEach(child -> collect(child, ids));
        }
    }

    /**
     * Fails with PostHog's 400 when the references of {@code filters} reach a cohort the project does not have, or
     * come back to {@code self} (the cohort being edited; null on create).
     *
     * @param load the project's cohorts with these ids (deleted ones too, as PostHog's lookup finds them)
     */
    public static Uni<Void> check(JsonNode filters, Long self, ObjectMapper mapper,
                                  Function<Set<Long>, Uni<List<Cohort>>> load) {
        Set<Long> first = named(filters);
        if (self != null && first.contains(self)) {
            return Uni.createFrom().failure(loop());
        }
        Set<Long> seen = new HashSet<>();
        return walk(first, seen, self, mapper, load);
    }

    private static Uni<Void> walk(Set<Long> level, Set<Long> seen, Long self, ObjectMapper mapper,
                                  Function<Set<Long>, Uni<List<Cohort>>> load) {
        level.removeAll(seen);
        if (level.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        seen.addAll(level);
        if (seen.size() > MAX_COHORTS) {
            return Uni.createFrom().failure(new ValidationException(
                    "Cohort references reach more than " + MAX_COHORTS + " cohorts", "filters"));
        }
        return load.apply(level).flatMap(found -> {
            Map<Long, Cohort> byId = found.stream().collect(Collectors.toMap(Cohort::id, c -> c, (a, b) -> a));
            Set<Long> next = new LinkedHashSet<>();
            for (Long id : level) {
                Cohort cohort = byId.get(id);
                if (cohort == null) {
                    return Uni.createFrom().failure(new ValidationException("Invalid Cohort ID in filter", null));
                }
                // only what the cohort is read by: groups stored beside truthy filters name nothing (PostHog)
                Set<Long> nested = named(CohortFilters.effective(stored(mapper, cohort.filters()),
                        stored(mapper, cohort.groups())));
                if (self != null && nested.contains(self)) {
                    return Uni.createFrom().failure(loop());
                }
                next.addAll(nested);
            }
            return walk(next, seen, self, mapper, load);
        });
    }

    private static ValidationException loop() {
        return new ValidationException("Cohorts cannot reference other cohorts in a loop.", null);
    }

    private static JsonNode stored(ObjectMapper mapper, String json) {
        if (json == null || json.isEmpty()) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (java.io.IOException e) {
            return null; // stored by this service, so always JSON; an unreadable one names nothing
        }
    }
}
