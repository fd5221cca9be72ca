package dev.quarry.projects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.auth.PersonalApiKeyTokens;
import dev.quarry.data.Team;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's hold on a project's personal API keys and plan. A project's keys are those of its organization's
 * users that may reach it (no team scoping, or scoped to it). Keys are looked up in the database on every request
 * (there is no key cache), so a revoked key is refused by every function from the next request on.
 */
@ApplicationScoped
public class OperatorKeys {
    /** A key as the operator sees it: the mask, never the value or its hash. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record KeySummary(String id, String label, String maskValue, List<String> scopes, List<Long> scopedTeams,
                             String userEmail, OffsetDateTime createdAt, OffsetDateTime lastUsedAt) {
    }

    /** A project's plan and its per-project overrides (only those set), as stored. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PlanView(long teamId, String plan, Map<String, Long> overrides) {
    }

    /** Limits a project may override; each a column of team_plans and plans. */
    static final List<String> OVERRIDES = List.of("capture_calls_per_month", "query_calls_per_month",
            "persons_calls_per_month", "plugins_calls_per_month", "bootstrap_calls_per_month", "hogql_per_hour",
            "query_per_minute", "query_per_hour", "persons_per_minute", "persons_per_hour");

    private static final String KEYS_OF_TEAM = "SELECT k.id, k.label, k.mask_value, k.scopes, k.scoped_teams, u.email, "
            + "k.created_at, k.last_used_at FROM personal_api_keys k JOIN users u ON u.id = k.user_id "
            + "WHERE u.organization_id = $1 AND (cardinality(k.scoped_teams) = 0 OR $2 = ANY (k.scoped_teams)) ";

    private final Pool pool;

    public OperatorKeys(Pool pool) {
        this.pool = pool;
    }

    public Uni<List<KeySummary>> list(Team team) {
        return pool.preparedQuery(KEYS_OF_TEAM + "ORDER BY k.created_at, k.id")
                .execute(Tuple.of(team.organizationId(), team.id()))
                .map(rows -> {
                    List<KeySummary> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(summary(row)));
                    return keys;
                });
    }

    /** Deletes the key; 404 when it is not one of the project's keys. */
    public Uni<Void> revoke(Team team, String keyId) {
        return pool.preparedQuery("DELETE FROM personal_api_keys WHERE id IN (SELECT k.id FROM (" + KEYS_OF_TEAM
                        + ") k WHERE k.id = $3)")
                .execute(Tuple.of(team.organizationId(), team.id(), keyId))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new NotFoundException("Key not found.");
                    }
                    return null;
                });
    }

    /** Gives the key a new value (shown once, here); the old value is refused from now on. 404 as for revoke. */
    public Uni<ProjectProvisioning.IssuedKey> roll(Team team, String keyId) {
        String value = PersonalApiKeyTokens.newKey();
        return pool.preparedQuery("UPDATE personal_api_keys SET secure_value = $4, mask_value = $5 WHERE id IN "
                        + "(SELECT k.id FROM (" + KEYS_OF_TEAM + ") k WHERE k.id = $3) RETURNING id, label, scopes, scoped_teams")
                .execute(Tuple.tuple(List.of(team.organizationId(), team.id(), keyId,
                        PersonalApiKeyTokens.secureValue(value), PersonalApiKeyTokens.mask(value))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFoundException("Key not found.");
                    }
                    Row row = rows.iterator().next();
                    return new ProjectProvisioning.IssuedKey(row.getString(0), row.getString(1), value,
                            Arrays.asList(row.getArrayOfStrings(2)), Arrays.asList(row.getArrayOfLongs(3)));
                });
    }

    /**
     * Sets the project's plan and overrides from {@code {"plan": id, "overrides": {limit: n | null}}}; overrides not
     * named are cleared (PUT replaces). 400 for an unknown plan, an unknown limit or a value that is not a
     * non-negative integer.
     */
    public Uni<PlanView> setPlan(Team team, JsonNode body) {
        if (body == null || !body.isObject() || !body.path("plan").isTextual() || body.path("plan").asText().isBlank()) {
            throw new ValidationException("This field is required.", "plan");
        }
        JsonNode overrides = body.path("overrides");
        if (!overrides.isMissingNode() && !overrides.isNull() && !overrides.isObject()) {
            throw new ValidationException("overrides must be an object", "overrides");
        }
        Map<String, Long> values = new LinkedHashMap<>();
        if (overrides.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = overrides.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!OVERRIDES.contains(f.getKey())) {
                    throw new ValidationException("Unknown limit \"" + f.getKey() + "\"; one of " + OVERRIDES, "overrides");
                }
                if (f.getValue().isNull()) {
                    continue;
                }
                if (!f.getValue().canConvertToLong() || !f.getValue().isIntegralNumber() || f.getValue().asLong() < 0
                        || (f.getKey().endsWith("_hour") || f.getKey().endsWith("_minute"))
                        && f.getValue().asLong() > Integer.MAX_VALUE) {
                    throw new ValidationException("Limits must be non-negative integers", "overrides");
                }
                values.put(f.getKey(), f.getValue().asLong());
            }
        }
        String plan = body.get("plan").asText();
        List<Object> args = new ArrayList<>(List.of(team.id(), plan));
        StringBuilder columns = new StringBuilder();
        StringBuilder params = new StringBuilder();
        StringBuilder updates = new StringBuilder("plan_id = EXCLUDED.plan_id");
        for (String column : OVERRIDES) {
            Long v = values.get(column);
            args.add(v == null ? null : column.endsWith("_month") ? (Object) v : (Object) v.intValue());
            columns.append(", ").append(column);
            params.append(", $").append(args.size());
            updates.append(", ").append(column).append(" = EXCLUDED.").append(column);
        }
        return pool.preparedQuery("SELECT 1 FROM plans WHERE id = $1").execute(Tuple.of(plan)).flatMap(found -> {
            if (found.size() == 0) {
                throw new ValidationException("Unknown plan \"" + plan + "\"", "plan");
            }
            return pool.preparedQuery("INSERT INTO team_plans (team_id, plan_id" + columns + ") VALUES ($1, $2" + params
                            + ") ON CONFLICT (team_id) DO UPDATE SET " + updates)
                    .execute(Tuple.from(args));
        }).map(x -> new PlanView(team.id(), plan, values));
    }

    private static KeySummary summary(Row row) {
        return new KeySummary(row.getString(0), row.getString(1), row.getString(2),
                Arrays.asList(row.getArrayOfStrings(3)), Arrays.asList(row.getArrayOfLongs(4)), row.getString(5),
                row.getOffsetDateTime(6), row.getOffsetDateTime(7));
    }
}
