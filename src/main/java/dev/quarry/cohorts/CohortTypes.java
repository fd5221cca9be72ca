package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.StoredJson;
import io.smallrye.mutiny.Uni;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * PostHog's {@code cohort_type} (its model's {@code determine_cohort_type}), computed when a cohort is answered: a
 * static cohort, or one without criteria, is {@code static}; otherwise the most complex of its criteria —
 * {@code person_property} for person properties only, {@code behavioral} with a behavioral criterion,
 * {@code analytical} with one of the behaviours PostHog calls analytical (first time, regularly, in sequence,
 * stopped, restarted) — and of every cohort it names, however deep (a cohort naming a behavioral cohort is
 * behavioral). Criteria of other types count for nothing here; a named cohort the project does not have (or deleted) counts
 * as static. PostHog's {@code realtime} (its own evaluation engine's marker) is not given.
 */
public final class CohortTypes {
    private static final List<String> ORDER = List.of("static", "person_property", "behavioral", "analytical");
    private static final Set<String> ANALYTICAL = Set.of("performed_event_first_time", "performed_event_regularly",
            "performed_event_sequence", "stopped_performing_event", "restarted_performing_event");

    private CohortTypes() {
    }

    /**
     * The type of each of {@code cohorts} by id, their named cohorts read level by level through {@code load} (the
     * project's cohorts with these ids; at most {@link CohortReferences#MAX_COHORTS} in all).
     */
    public static Uni<Map<Long, String>> of(List<Cohort> cohorts, ObjectMapper mapper,
                                            Function<Set<Long>, Uni<List<Cohort>>> load) {
        Map<Long, Cohort> known = new HashMap<>();
        cohorts.forEach(c -> known.put(c.id(), c));
        return loadNamed(known, new HashSet<>(known.keySet()), mapper, load).map(all -> {
            Map<Long, String> types = new HashMap<>();
            for (Cohort cohort : cohorts) {
                types.put(cohort.id(), type(cohort.id(), all, mapper, new HashMap<>(), new HashSet<>()));
            }
            return types;
        });
    }

    private static Uni<Map<Long, Cohort>> loadNamed(Map<Long, Cohort> known, Set<Long> level, ObjectMapper mapper,
                                                    Function<Set<Long>, Uni<List<Cohort>>> load) {
        Set<Long> next = new HashSet<>();
        for (Long id : level) {
            Cohort cohort = known.get(id);
            if (cohort != null && !cohort.isStatic()) {
                next.addAll(CohortReferences.named(criteria(cohort, mapper)));
            }
        }
        next.removeAll(known.keySet());
        if (next.isEmpty() || known.size() + next.size() > CohortReferences.MAX_COHORTS) {
            return Uni.createFrom().item(known);
        }
        return load.apply(next).flatMap(found -> {
            found.stream().filter(c -> !c.deleted()).forEach(c -> known.put(c.id(), c));
            next.forEach(id -> known.putIfAbsent(id, null)); // not the project's: counted as static
            return loadNamed(known, next, mapper, load);
        });
    }

    private static String type(long id, Map<Long, Cohort> all, ObjectMapper mapper, Map<Long, String> done,
                               Set<Long> onPath) {
        if (done.containsKey(id)) {
            return done.get(id);
        }
        Cohort cohort = all.get(id);
        if (cohort == null || cohort.isStatic() || !onPath.add(id)) {
            return "static";
        }
        JsonNode criteria = criteria(cohort, mapper);
        String type = direct(criteria);
        for (Long named : CohortReferences.named(criteria)) {
            String theirs = type(named, all, mapper, done, onPath);
            if (ORDER.indexOf(theirs) > ORDER.indexOf(type)) {
                type = theirs;
            }
        }
        onPath.remove(id);
        done.put(id, type);
        return type;
    }

    /** The cohort's own criteria's type, its named cohorts left out. */
    static String direct(JsonNode criteria) {
        String[] type = {"static"};
        walk(criteria, type);
        return type[0];
    }

    private static void walk(JsonNode node, String[] type) {
        if (node == null) {
            return;
        }
        if (node.isObject() && node.has("type") && node.has("key") && !node.has("values")) {
            String leaf = switch (node.path("type").asText("")) {
                case "person" -> "person_property";
                case "behavioral" -> ANALYTICAL.contains(node.path("value").asText("")) ? "analytical" : "behavioral";
                default -> "static";
            };
            if (ORDER.indexOf(leaf) > ORDER.indexOf(type[0])) {
                type[0] = leaf;
            }
            return;
        }
        if (node.isContainerNode()) {
            node.forEach(child -> walk(child, type));
        }
    }

    private static JsonNode criteria(Cohort cohort, ObjectMapper mapper) {
        return CohortFilters.effective(StoredJson.read(mapper, cohort.filters()), StoredJson.read(mapper, cohort.groups()));
    }
}
