package dev.quarry.projects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.auth.PersonalApiKeyTokens;
import dev.quarry.data.ApiKey;
import dev.quarry.data.ApiKeys;
import dev.quarry.data.Plans;
import dev.quarry.data.Sessions;
import dev.quarry.data.Team;
import dev.quarry.data.TeamPlanEntity;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
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
    static final List<String> OVERRIDES = TeamPlanEntity.OVERRIDES;

    private final ApiKeys apiKeys;
    private final Plans plans;

    public OperatorKeys(ApiKeys apiKeys, Plans plans) {
        this.apiKeys = apiKeys;
        this.plans = plans;
    }

    /** The project's keys: its organization's users' keys, unscoped or scoped to it; oldest first. */
    public Uni<List<KeySummary>> list(Team team) {
        return apiKeys.ofOrganization(team.organizationId())
                .map(keys -> keys.stream().filter(key -> reaches(key, team)).map(OperatorKeys::summary).toList());
    }

    /** Deletes the key; 404 when it is not one of the project's keys. */
    public Uni<Void> revoke(Team team, String keyId) {
        return Sessions.write(() -> projectKey(team, keyId).flatMap(key -> apiKeys.delete(key.id()))).replaceWithVoid();
    }

    /** Gives the key a new value (shown once, here); the old value is refused from now on. 404 as for revoke. */
    public Uni<ProjectProvisioning.IssuedKey> roll(Team team, String keyId) {
        String value = PersonalApiKeyTokens.newKey();
        return Sessions.write(() -> projectKey(team, keyId).flatMap(key -> apiKeys.changeSecret(key.id(),
                        PersonalApiKeyTokens.secureValue(value), PersonalApiKeyTokens.mask(value))))
                .map(key -> new ProjectProvisioning.IssuedKey(key.id(), key.label(), value, key.scopes(),
                        key.scopedTeams()));
    }

    private Uni<ApiKey> projectKey(Team team, String keyId) {
        return apiKeys.findById(keyId).map(key -> {
            if (key == null || !reaches(key, team)) {
                throw new NotFoundException("Key not found.");
            }
            return key;
        });
    }

    private static boolean reaches(ApiKey key, Team team) {
        return key.organizationId().equals(team.organizationId())
                && (key.scopedTeams().isEmpty() || key.scopedTeams().contains(team.id()));
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
        return plans.assign(team.id(), plan, values).map(assigned -> {
            if (!assigned) {
                throw new ValidationException("Unknown plan \"" + plan + "\"", "plan");
            }
            return new PlanView(team.id(), plan, values);
        });
    }

    private static KeySummary summary(ApiKey key) {
        return new KeySummary(key.id(), key.label(), key.maskValue(), key.scopes(), key.scopedTeams(), key.userEmail(),
                key.createdAt(), key.lastUsedAt());
    }
}
