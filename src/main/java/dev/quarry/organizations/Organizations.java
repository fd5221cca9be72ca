package dev.quarry.organizations;

import dev.quarry.data.ApiKey;
import dev.quarry.data.OrganizationEntity;
import dev.quarry.data.Sessions;
import dev.quarry.data.TeamEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The key's organization and the projects of it the key may see (all, or its scoped teams), read through the data
 * module's Panache entities; each answer is one statement.
 */
@ApplicationScoped
public class Organizations {
    private static final String ORGANIZATION = "select o, (select count(u) from UserEntity u "
            + "where u.organizationId = o.id and u.active) from OrganizationEntity o where o.id = :id";
    private static final String PROJECTS = "select t, case when exists (select 1 from EventDefinitionEntity d "
            + "where d.teamId = t.id) then true else false end from TeamEntity t where t.organizationId = :organization ";

    public record Org(UUID id, String name, OffsetDateTime createdAt, long memberCount) {
    }

    /** An active user of an organization, as its membership shows them; {@code joinedAt} is the user's creation. */
    public record Member(dev.quarry.data.UserBasic user, OffsetDateTime joinedAt) {
    }

    public record Project(long id, UUID uuid, UUID organizationId, String name, String apiToken, String timezone,
                          OffsetDateTime createdAt, boolean ingestedEvent) {
    }

    /** The organization with its count of active members, or null. */
    public Uni<Org> find(UUID id) {
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createSelectionQuery(ORGANIZATION, Object[].class).setParameter("id", id)
                        .getSingleResultOrNull()))
                .map(row -> {
                    if (row == null) {
                        return null;
                    }
                    OrganizationEntity o = (OrganizationEntity) row[0];
                    return new Org(o.id, o.name, o.createdAt, (Long) row[1]);
                });
    }

    /** The organization's active users, oldest first. */
    public Uni<List<Member>> members(UUID organizationId) {
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createSelectionQuery("from UserEntity u where u.organizationId = :organization and u.active "
                                + "order by u.id", dev.quarry.data.UserEntity.class)
                        .setParameter("organization", organizationId).getResultList()))
                .map(users -> users.stream().map(u -> new Member(dev.quarry.data.UserBasic.of(u), u.createdAt)).toList());
    }

    /** The organization's projects the key may see, by id; whether each has seen an event. */
    public Uni<List<Project>> projects(UUID organizationId, ApiKey key) {
        boolean scoped = !key.scopedTeams().isEmpty();
        return Sessions.read(() -> Panache.getSession().flatMap(session -> {
            var query = session.createSelectionQuery(PROJECTS + (scoped ? "and t.id in :teams " : "") + "order by t.id",
                    Object[].class).setParameter("organization", organizationId);
            if (scoped) {
                query.setParameter("teams", key.scopedTeams());
            }
            return query.getResultList();
        })).map(rows -> {
            List<Project> out = new ArrayList<>();
            for (Object[] row : rows) {
                TeamEntity t = (TeamEntity) row[0];
                out.add(new Project(t.id, t.uuid, t.organizationId, t.name, t.apiToken, t.timezone, t.createdAt,
                        (Boolean) row[1]));
            }
            return out;
        });
    }
}
