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
        return Sessions.write(() -> TeamEntity.<TeamEntity>findById(id).flatMap(team -> {
            if (team == null) {
                return Uni.createFrom().nullItem();
            }
            Uni<Void> admitted = team.timezone.equals(timezone) ? Uni.createFrom().voidItem() : admitTimezoneChange(id);
            return admitted.map(ok -> {
                team.name = name;
                team.timezone = timezone;
                team.weekStartDay = (short) weekStartDay;
                team.testAccountFilters = testAccountFilters;
                team.personDisplayNameProperties = personDisplayNameProperties;
                return team;
            });
        })).map(Teams::value).onFailure().transform(Teams::timezoneChangeFailure);
    }

    /**
     * Why a timezone change was not made (nothing was changed): {@code PROJECT_BUSY} this project's change is running,
     * {@code ALL_BUSY} two others are, {@code LOCK_WAIT} capture batches in flight held the project's zone lock past
     * 10 s (SQLSTATE 55P03), {@code TOO_LONG} the rollups' rebuild ran past 120 s (57014). See V116_2.
     */
    public static final class TimezoneChangeRefused extends RuntimeException {
        public enum Reason { PROJECT_BUSY, ALL_BUSY, LOCK_WAIT, TOO_LONG }

        private final Reason reason;

        TimezoneChangeRefused(Reason reason) {
            super("timezone change refused: " + reason, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    private static Throwable timezoneChangeFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String state = t instanceof java.sql.SQLException sql ? sql.getSQLState()
                    : t instanceof io.vertx.pgclient.PgException pg ? pg.getSqlState() : null;
            if ("55P03".equals(state)) {
                return new TimezoneChangeRefused(TimezoneChangeRefused.Reason.LOCK_WAIT);
            }
            if ("57014".equals(state)) {
                return new TimezoneChangeRefused(TimezoneChangeRefused.Reason.TOO_LONG);
            }
        }
        return failure;
    }

    /**
     * A timezone change rebuilds the project's rollups in this transaction (the teams table's triggers): admitted
     * one per project and two at once in all, with its statements bounded (V116_2 {@code quarry_rezone_admit}).
     *
     * @throws TimezoneChangeRefused (as a failed Uni) when this project's change or two others are running
     */
    private static Uni<Void> admitTimezoneChange(long id) {
        return io.quarkus.hibernate.reactive.panache.Panache.getSession().flatMap(session -> session
                .createNativeQuery("SELECT quarry_rezone_admit(:team)", String.class)
                .setParameter("team", id)
                .getSingleResult())
                .map(answer -> {
                    switch (answer) {
                        case "ok" -> {
                            return null;
                        }
                        case "project" -> throw new TimezoneChangeRefused(TimezoneChangeRefused.Reason.PROJECT_BUSY);
                        default -> throw new TimezoneChangeRefused(TimezoneChangeRefused.Reason.ALL_BUSY);
                    }
                });
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
