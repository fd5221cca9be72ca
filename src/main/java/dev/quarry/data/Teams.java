package dev.quarry.data;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;

/**
 * Projects ({@code teams}) as every function reads and writes them: through the Panache entity {@link TeamEntity},
 * handing out {@link Team} values. Each read is one statement.
 */
@ApplicationScoped
public class Teams {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The project, or null when there is none with that id. One statement. */
    public Uni<Team> findById(long id) {
        return Sessions.read(() -> TeamEntity.<TeamEntity>findById(id)).map(Teams::value);
    }

    /** The project whose public API token (phc_…) this is, or null. One statement. */
    public Uni<Team> findByApiToken(String token) {
        return Sessions.read(() -> TeamEntity.<TeamEntity>find("apiToken", token).firstResult()).map(Teams::value);
    }

    /**
     * For {@code @current}: the organization's project with the lowest id among {@code allowedTeams} (any of the
     * organization's projects when the list is empty), or null.
     */
    public Uni<Team> findFirstForOrganization(UUID organizationId, List<Long> allowedTeams) {
        return Sessions.read(() -> (allowedTeams.isEmpty()
                        ? TeamEntity.find("organizationId = ?1 order by id", organizationId)
                        : TeamEntity.find("organizationId = ?1 and id in ?2 order by id", organizationId, allowedTeams))
                .<TeamEntity>firstResult()).map(Teams::value);
    }

    /** Replaces the project's editable settings; the JSON settings are JSON text. Null when the project is gone. */
    public Uni<Team> update(long id, String name, String timezone, int weekStartDay, String testAccountFilters,
                            String personDisplayNameProperties) {
        return Sessions.write(() -> TeamEntity.<TeamEntity>findById(id).map(team -> {
            if (team != null) {
                team.name = name;
                team.timezone = timezone;
                team.weekStartDay = (short) weekStartDay;
                team.testAccountFilters = testAccountFilters;
                team.personDisplayNameProperties = personDisplayNameProperties;
            }
            return team;
        })).map(Teams::value);
    }

    /** A new project in the organization, with a fresh project API token; joins the caller's transaction. */
    public Uni<Team> create(UUID organizationId, String name, String timezone) {
        TeamEntity team = new TeamEntity();
        team.uuid = UUID.randomUUID();
        team.organizationId = organizationId;
        team.name = name;
        team.apiToken = newProjectToken();
        team.timezone = timezone;
        return Sessions.write(() -> team.<TeamEntity>persist()).map(Teams::value);
    }

    private static Team value(TeamEntity entity) {
        return entity == null ? null : entity.toTeam();
    }

    /** Project API tokens are public (they ship inside web pages), so they only need to be unguessable. */
    static String newProjectToken() {
        return "phc_" + Base62.random(RANDOM, 43);
    }
}
