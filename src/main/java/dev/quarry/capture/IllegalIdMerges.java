package dev.quarry.capture;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Finds persons that were merged through a placeholder distinct id before capture refused such merges: persons
 * holding one of {@link IllegalDistinctIds} together with at least one other distinct id, and how many persons were
 * merged into each. Nothing is repaired: an operator decides which to split (see the README).
 */
@ApplicationScoped
public class IllegalIdMerges {
    static final int MAX_DISTINCT_IDS_SHOWN = 100;

    private final Pool pool;

    public IllegalIdMerges(Pool pool) {
        this.pool = pool;
    }

    /**
     * One suspect person: its illegal ids, how many distinct ids it holds (the first 100 shown), how many persons were
     * merged into it, and whether the person still exists (a deleted one keeps its ids until they are reset).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Suspect(UUID personId, boolean personExists, List<String> illegalDistinctIds, long distinctIdCount,
                          List<String> distinctIds, long mergedPersons) {
    }

    public record Suspects(List<Suspect> results) {
    }

    public Uni<Suspects> list(long teamId) {
        String illegal = "(lower(d.distinct_id) = ANY($2) OR d.distinct_id = ANY($3) OR btrim(d.distinct_id) = '')";
        return pool.preparedQuery("SELECT d.person_id, "
                        + "array_agg(d.distinct_id ORDER BY d.distinct_id) FILTER (WHERE " + illegal + "), count(*), "
                        + "(array_agg(d.distinct_id ORDER BY d.distinct_id))[1:" + MAX_DISTINCT_IDS_SHOWN + "], "
                        + "(SELECT count(*) FROM person_overrides o WHERE o.team_id = $1 "
                        + "AND o.override_person_id = d.person_id), "
                        + "EXISTS (SELECT 1 FROM persons p WHERE p.team_id = $1 AND p.uuid = d.person_id) "
                        + "FROM person_distinct_ids d WHERE d.team_id = $1 GROUP BY d.person_id "
                        + "HAVING bool_or" + illegal + " AND count(*) > 1 ORDER BY count(*) DESC, d.person_id")
                .execute(Tuple.of(teamId, IllegalDistinctIds.anyCaseForms().toArray(String[]::new),
                        IllegalDistinctIds.exactForms().toArray(String[]::new)))
                .map(rows -> {
                    List<Suspect> suspects = new ArrayList<>();
                    for (Row row : rows) {
                        suspects.add(new Suspect(row.getUUID(0), row.getBoolean(5),
                                Arrays.asList(row.getArrayOfStrings(1)), row.getLong(2),
                                Arrays.asList(row.getArrayOfStrings(3)), row.getLong(4)));
                    }
                    return new Suspects(suspects);
                });
    }
}
