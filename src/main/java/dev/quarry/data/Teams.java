package dev.quarry.data;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.UUID;

@ApplicationScoped
public class Teams {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Pool pool;

    public Teams(Pool pool) {
        this.pool = pool;
    }

    public Uni<Team> findById(long id) {
        return pool.preparedQuery("SELECT " + Team.COLUMNS + " FROM teams WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : Team.from(rows.iterator().next()));
    }

    public Uni<Team> findByApiToken(String token) {
        return pool.preparedQuery("SELECT " + Team.COLUMNS + " FROM teams WHERE api_token = $1")
                .execute(Tuple.of(token))
                .map(rows -> rows.size() == 0 ? null : Team.from(rows.iterator().next()));
    }

    /** For {@code @current}: the key's first allowed project in its organization. */
    public Uni<Team> findFirstForOrganization(UUID organizationId, java.util.List<Long> allowedTeams) {
        return pool.preparedQuery("SELECT " + Team.COLUMNS + " FROM teams WHERE organization_id = $1 "
                        + "AND (cardinality($2::bigint[]) = 0 OR id = ANY($2)) ORDER BY id LIMIT 1")
                .execute(Tuple.of(organizationId, allowedTeams.toArray(Long[]::new)))
                .map(rows -> rows.size() == 0 ? null : Team.from(rows.iterator().next()));
    }

    public Uni<Team> update(long id, String name, String timezone, int weekStartDay, String testAccountFilters,
                            String personDisplayNameProperties) {
        return pool.preparedQuery("UPDATE teams SET name = $2, timezone = $3, week_start_day = $4, "
                        + "test_account_filters = $5::text::jsonb, person_display_name_properties = $6::text::jsonb "
                        + "WHERE id = $1 RETURNING " + Team.COLUMNS)
                .execute(Tuple.tuple(java.util.Arrays.asList(id, name, timezone, (short) weekStartDay,
                        testAccountFilters, personDisplayNameProperties)))
                .map(rows -> Team.from(rows.iterator().next()));
    }

    public Uni<Team> create(SqlClient client, UUID organizationId, String name, String timezone) {
        return client.preparedQuery("INSERT INTO teams (uuid, organization_id, name, api_token, timezone) "
                        + "VALUES ($1, $2, $3, $4, $5) RETURNING " + Team.COLUMNS)
                .execute(Tuple.of(UUID.randomUUID(), organizationId, name, newProjectToken(), timezone))
                .map(rows -> Team.from(rows.iterator().next()));
    }

    /** Project API tokens are public (they ship inside web pages), so they only need to be unguessable. */
    static String newProjectToken() {
        return "phc_" + Base62.random(RANDOM, 43);
    }
}
