package dev.quarry.organizations;

import dev.quarry.data.ApiKey;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The key's organization and the projects of it the key may see (all, or its scoped teams). */
@ApplicationScoped
public class Organizations {
    private final Pool pool;

    public Organizations(Pool pool) {
        this.pool = pool;
    }

    public record Org(UUID id, String name, OffsetDateTime createdAt, long memberCount) {
    }

    public record Project(long id, UUID uuid, UUID organizationId, String name, String apiToken, String timezone,
                          OffsetDateTime createdAt, boolean ingestedEvent) {
    }

    /** The organization, or null. */
    public Uni<Org> find(UUID id) {
        return pool.preparedQuery("SELECT o.id, o.name, o.created_at, (SELECT count(*) FROM users u "
                        + "WHERE u.organization_id = o.id AND u.is_active) FROM organizations o WHERE o.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Org(r.getUUID(0), r.getString(1), r.getOffsetDateTime(2), r.getLong(3));
                });
    }

    /** The organization's projects the key may see, by id. */
    public Uni<List<Project>> projects(UUID organizationId, ApiKey key) {
        return pool.preparedQuery("SELECT t.id, t.uuid, t.organization_id, t.name, t.api_token, t.timezone, t.created_at, "
                        + "EXISTS (SELECT 1 FROM event_definitions d WHERE d.team_id = t.id) "
                        + "FROM teams t WHERE t.organization_id = $1 "
                        + "AND (cardinality($2::bigint[]) = 0 OR t.id = ANY($2)) ORDER BY t.id")
                .execute(Tuple.of(organizationId, key.scopedTeams().toArray(Long[]::new)))
                .map(rows -> {
                    List<Project> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Project(r.getLong(0), r.getUUID(1), r.getUUID(2), r.getString(3), r.getString(4),
                                r.getString(5), r.getOffsetDateTime(6), r.getBoolean(7)));
                    }
                    return out;
                });
    }
}
