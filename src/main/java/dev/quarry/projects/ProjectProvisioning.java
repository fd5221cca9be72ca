package dev.quarry.projects;

import dev.quarry.auth.PersonalApiKeyTokens;
import dev.quarry.auth.Scopes;
import dev.quarry.data.Accounts;
import dev.quarry.data.ApiKeys;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneId;
import java.util.List;

/** Creates projects, their owners and personal API keys: the operator's path and the local demo's. */
@ApplicationScoped
public class ProjectProvisioning {
    private final Pool pool;
    private final Accounts accounts;
    private final Teams teams;
    private final ApiKeys apiKeys;

    public ProjectProvisioning(Pool pool, Accounts accounts, Teams teams, ApiKeys apiKeys) {
        this.pool = pool;
        this.accounts = accounts;
        this.teams = teams;
        this.apiKeys = apiKeys;
    }

    /** A key as created: the plain value exists only in this object. */
    public record IssuedKey(String id, String label, String value, List<String> scopes, List<Long> scopedTeams) {
    }

    public record ProvisionedProject(Team team, Accounts.User owner, IssuedKey key) {
    }

    /** A new organization, its owner (by email; reused if it exists), a project and a key, in one transaction. */
    public Uni<ProvisionedProject> createProject(String name, String timezone, String ownerEmail, String keyLabel,
                                                 List<String> scopes) {
        validateTimezone(timezone);
        validateScopes(scopes);
        return pool.withTransaction(conn -> accounts.findUserByEmail(conn, ownerEmail)
                .onItem().ifNull().switchTo(() -> accounts.createOrganization(conn, name + " organization")
                        .flatMap(org -> accounts.createUser(conn, org.id(), ownerEmail, "")))
                .flatMap(owner -> teams.create(conn, owner.organizationId(), name, timezone)
                        .flatMap(team -> issueKey(conn, owner.id(), keyLabel, scopes, List.of())
                                .map(key -> new ProvisionedProject(team, owner, key)))));
    }

    public Uni<IssuedKey> createKey(long userId, String label, List<String> scopes, List<Long> scopedTeams) {
        validateScopes(scopes);
        return pool.withTransaction(conn -> issueKey(conn, userId, label, scopes, scopedTeams));
    }

    /** The first user of the project's organization: who operator-made keys belong to. */
    public Uni<Long> ownerOf(Team team) {
        return pool.preparedQuery("SELECT id FROM users WHERE organization_id = $1 ORDER BY id LIMIT 1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(team.organizationId()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new IllegalStateException("project " + team.id() + " has no owner");
                    }
                    return rows.iterator().next().getLong(0);
                });
    }

    Uni<IssuedKey> issueKey(SqlConnection conn, long userId, String label, List<String> scopes,
                            List<Long> scopedTeams) {
        String value = PersonalApiKeyTokens.newKey();
        String id = PersonalApiKeyTokens.newKeyId();
        return apiKeys.insert(conn, id, userId, label, PersonalApiKeyTokens.secureValue(value),
                        PersonalApiKeyTokens.mask(value), scopes, scopedTeams)
                .map(ignored -> new IssuedKey(id, label, value, scopes, scopedTeams));
    }

    private static void validateScopes(List<String> scopes) {
        for (String scope : scopes) {
            if (!Scopes.isValid(scope)) {
                throw new ValidationException("Invalid scope: " + scope, "scopes");
            }
        }
    }

    private static void validateTimezone(String timezone) {
        try {
            ZoneId.of(timezone);
        } catch (RuntimeException e) {
            throw new ValidationException("Unknown timezone: " + timezone, "timezone");
        }
    }
}
