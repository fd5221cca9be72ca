package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.QueryRunner;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.quarkus.arc.Arc;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The insight kinds an {@code InsightActorsQuery}'s {@code source} may name, derived from the runner beans: every
 * {@link QueryRunner} whose record ({@link QueryRunner#queryType()}) implements {@link InsightQuery} registers its
 * {@link QueryRunner#kind()} here. Nothing lists the kinds by hand: a new insight kind with actors is its record
 * (implementing {@link InsightQuery}, which also gives its cache interval) and its runner bean (implementing
 * {@link ActorsSource} for its cells), found by CDI as every runner is.
 */
@ApplicationScoped
@Unremovable // only looked up programmatically ({@link #current()}): without it the build drops the bean as unused
public class InsightKinds {
    private final Map<String, Class<? extends InsightQuery>> byKind = new TreeMap<>();

    public InsightKinds(Instance<QueryRunner<?>> runners) {
        runners.forEach(runner -> {
            if (InsightQuery.class.isAssignableFrom(runner.queryType())) {
                byKind.put(runner.kind(), runner.queryType().asSubclass(InsightQuery.class));
            }
        });
    }

    /** The kinds registered, sorted (e.g. {@code FunnelsQuery}, …, {@code TrendsQuery}). */
    public java.util.SortedSet<String> kinds() {
        return new java.util.TreeSet<>(byKind.keySet());
    }

    /**
     * Parses an insight node by its {@code kind} into the record its runner reads: an unknown or malformed field is a
     * 400 naming it (as the kind's own query would be); a missing node is a 400 on {@code source}, a kind that is
     * not an insight ("Unsupported insight for actors: …", PostHog's wording for a source it cannot read) too.
     */
    public InsightQuery parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ValidationException("source.source is required", "source");
        }
        String kind = Objects.requireNonNullElse(QuerySchema.kindOf(node), "");
        Class<? extends InsightQuery> type = byKind.get(kind);
        if (type == null) {
            throw new ValidationException("Unsupported insight for actors: " + kind, "source");
        }
        return QuerySchema.parse(node, type, kind);
    }

    /**
     * The application's registry, for the places Jackson reaches without injection (a field typed
     * {@link InsightQuery} inside a node being parsed).
     */
    static InsightKinds current() {
        return Arc.container().instance(InsightKinds.class).get();
    }
}
