package dev.quarry.data;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** Organizations and users: the owners of projects and keys. */
@ApplicationScoped
public class Accounts {
    private final Pool pool;

    public Accounts(Pool pool) {
        this.pool = pool;
    }

    public record Organization(UUID id, String name) {
    }

    public record User(long id, UUID uuid, String distinctId, String email, String firstName, UUID organizationId) {
    }

    public Uni<Organization> createOrganization(SqlClient client, String name) {
        UUID id = UUID.randomUUID();
        return client.preparedQuery("INSERT INTO organizations (id, name) VALUES ($1, $2)")
                .execute(Tuple.of(id, name)).map(rows -> new Organization(id, name));
    }

    public Uni<Organization> findOrganization(UUID id) {
        return pool.preparedQuery("SELECT id, name FROM organizations WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null
                        : new Organization(rows.iterator().next().getUUID(0), rows.iterator().next().getString(1)));
    }

    public Uni<User> createUser(SqlClient client, UUID organizationId, String email, String firstName) {
        UUID uuid = UUID.randomUUID();
        return client.preparedQuery("INSERT INTO users (uuid, distinct_id, email, first_name, organization_id) "
                        + "VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .execute(Tuple.of(uuid, uuid.toString(), email, firstName, organizationId))
                .map(rows -> new User(rows.iterator().next().getLong(0), uuid, uuid.toString(), email, firstName,
                        organizationId));
    }

    public Uni<User> findUserByEmail(SqlClient client, String email) {
        return client.preparedQuery("SELECT id, uuid, distinct_id, email, first_name, organization_id FROM users "
                        + "WHERE email = $1").execute(Tuple.of(email))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    var row = rows.iterator().next();
                    return new User(row.getLong(0), row.getUUID(1), row.getString(2), row.getString(3),
                            row.getString(4), row.getUUID(5));
                });
    }
}
