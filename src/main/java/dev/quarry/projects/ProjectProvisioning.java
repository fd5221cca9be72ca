package dev.quarry.projects;

import dev.quarry.auth.PersonalApiKeyTokens;
import dev.quarry.auth.Scopes;
import dev.quarry.data.Accounts;
import dev.quarry.data.ApiKeys;
import dev.quarry.data.Sessions;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneId;
import java.util.List;

/** Creates projects, their owners and personal API keys: the operator's path and the local demo's. */
@ApplicationScoped
public class ProjectProvisioning {
    private final Accounts accounts;
    private final Teams teams;
    private final ApiKeys apiKeys;

    public ProjectProvisioning(Accounts accounts, Teams teams, ApiKeys apiKeys) {
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
        return Sessions.write(() -> accounts.findUserByEmail(ownerEmail)
                .onItem().ifNull().switchTo(() -> accounts.createOrganization(name + " organization")
                        .flatMap(org -> accounts.createUser(org.id(), ownerEmail, "")))
                .flatMap(owner -> teams.create(owner.organizationId(), name, timezone)
                        .flatMap(team -> issueKey(owner.id(), keyLabel, scopes, List.of())
                                .map(key -> new ProvisionedProject(team, owner, key)))));
    }

    public Uni<IssuedKey> createKey(long userId, String label, List<String> scopes, List<Long> scopedTeams) {
        validateScopes(scopes);
        return issueKey(userId, label, scopes, scopedTeams);
    }

    /** The first user of the project's organization: who operator-made keys belong to. */
    public Uni<Long> ownerOf(Team team) {
        return accounts.firstUserOf(team.organizationId()).map(owner -> {
            if (owner == null) {
                throw new IllegalStateException("project " + team.id() + " has no owner");
            }
            return owner;
        });
    }

    Uni<IssuedKey> issueKey(long userId, String label, List<String> scopes,
                            List<Long> scopedTeams) {
        String value = PersonalApiKeyTokens.newKey();
        String id = PersonalApiKeyTokens.newKeyId();
        return apiKeys.insert(id, userId, label, PersonalApiKeyTokens.secureValue(value),
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
