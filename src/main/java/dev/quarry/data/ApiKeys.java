package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import org.hibernate.query.criteria.HibernateCriteriaBuilder;
import org.hibernate.query.criteria.JpaCriteriaQuery;
import org.hibernate.query.criteria.JpaEntityJoin;
import org.hibernate.query.criteria.JpaRoot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.CriteriaUpdate;
import jakarta.persistence.criteria.JoinType;
import jakarta.persistence.criteria.Root;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Personal API keys through their Panache entity {@link PersonalApiKeyEntity}. The auth filter's check is one
 * statement: the key by its hash, its user and (when the URL names one) the project, joined.
 */
@ApplicationScoped
public class ApiKeys {
    @jakarta.inject.Inject java.time.Clock clock;
    /** A key found by its hash, and the project asked for (null when there is none with that id or none was asked). */
    public record KeyAndTeam(ApiKey key, Team team) {
    }

    /** The key with this secure value (sha256$…), or null. */
    public Uni<ApiKey> findBySecureValue(String secureValue) {
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createQuery(keyQuery(session.getFactory().getCriteriaBuilder(), secureValue, null))
                        .getSingleResultOrNull()))
                .map(row -> row == null ? null : ((PersonalApiKeyEntity) row[0]).toApiKey((UserEntity) row[1]));
    }

    /**
     * The key with this secure value and, in the same statement, the project {@code teamId}; null when the key does
     * not exist. With {@code teamId} null only the key is read.
     */
    public Uni<KeyAndTeam> findWithTeam(String secureValue, Long teamId) {
        if (teamId == null) {
            return findBySecureValue(secureValue).map(key -> key == null ? null : new KeyAndTeam(key, null));
        }
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createQuery(keyQuery(session.getFactory().getCriteriaBuilder(), secureValue, teamId))
                        .getSingleResultOrNull()))
                .map(row -> row == null ? null : new KeyAndTeam(
                        ((PersonalApiKeyEntity) row[0]).toApiKey((UserEntity) row[1]),
                        row[2] == null ? null : ((TeamEntity) row[2]).toTeam()));
    }

    /**
     * The auth filter's statement: the key by its hash joined to its user and, when {@code teamId} is not null, left
     * joined to that project; rows [key, user] or [key, user, team or null]. Built as a criteria query, not HQL, so
     * that neither start-up nor a function's first request pays for Hibernate's HQL parser (ANTLR: its classes and
     * first parse were about 7 % of the packaged function's start-up CPU as named queries validated at boot). The
     * values are bound as parameters.
     */
    static CriteriaQuery<Object[]> keyQuery(HibernateCriteriaBuilder cb, String secureValue, Long teamId) {
        JpaCriteriaQuery<Object[]> query = cb.createQuery(Object[].class);
        JpaRoot<PersonalApiKeyEntity> key = query.from(PersonalApiKeyEntity.class);
        JpaEntityJoin<PersonalApiKeyEntity, UserEntity> user = key.join(UserEntity.class);
        user.on(cb.equal(user.get("id"), key.get("userId")));
        if (teamId == null) {
            query.multiselect(key, user);
        } else {
            JpaEntityJoin<PersonalApiKeyEntity, TeamEntity> team = key.join(TeamEntity.class, JoinType.LEFT);
            team.on(cb.equal(team.get("id"), cb.value(teamId)));
            query.multiselect(key, user, team);
        }
        return query.where(cb.equal(key.get("secureValue"), cb.value(secureValue)));
    }

    /** The key with this id and its user's columns, or null. */
    public Uni<ApiKey> findById(String id) {
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createSelectionQuery("select k, u from PersonalApiKeyEntity k join UserEntity u on u.id = k.userId "
                                + "where k.id = :id", Object[].class)
                        .setParameter("id", id)
                        .getSingleResultOrNull()))
                .map(row -> row == null ? null : ((PersonalApiKeyEntity) row[0]).toApiKey((UserEntity) row[1]));
    }

    /** The keys of the organization's users, oldest first (then by id). */
    public Uni<List<ApiKey>> ofOrganization(java.util.UUID organizationId) {
        return Sessions.read(() -> Panache.getSession().flatMap(session -> session
                        .createSelectionQuery("select k, u from PersonalApiKeyEntity k join UserEntity u on u.id = k.userId "
                                + "where u.organizationId = :organization order by k.createdAt, k.id", Object[].class)
                        .setParameter("organization", organizationId)
                        .getResultList()))
                .map(rows -> rows.stream()
                        .map(row -> ((PersonalApiKeyEntity) row[0]).toApiKey((UserEntity) row[1])).toList());
    }

    /** Deletes the key; whether it existed. Joins the caller's transaction. */
    public Uni<Boolean> delete(String id) {
        return Sessions.write(() -> PersonalApiKeyEntity.deleteById(id));
    }

    /** Gives the key a new hash and mask (its old value is refused from then on); null when there is no such key. */
    public Uni<ApiKey> changeSecret(String id, String secureValue, String maskValue) {
        return Sessions.write(() -> PersonalApiKeyEntity.<PersonalApiKeyEntity>findById(id).flatMap(key -> {
            if (key == null) {
                return Uni.createFrom().<ApiKey>nullItem();
            }
            key.secureValue = secureValue;
            key.maskValue = maskValue;
            return UserEntity.<UserEntity>findById(key.userId).map(key::toApiKey);
        }));
    }

    /** PostHog updates last_used_at at most once an hour; so do we, to keep reads read-only. */
    public Uni<Void> touchIfStale(ApiKey key) {
        if (key.lastUsedAt() != null && key.lastUsedAt().isAfter(OffsetDateTime.now(clock).minusHours(1))) {
            return Uni.createFrom().voidItem();
        }
        // A criteria update, like keyQuery: the first request of a function stays clear of the HQL parser.
        return Sessions.write(() -> Panache.getSession().flatMap(session -> {
            HibernateCriteriaBuilder cb = session.getFactory().getCriteriaBuilder();
            CriteriaUpdate<PersonalApiKeyEntity> update = cb.createCriteriaUpdate(PersonalApiKeyEntity.class);
            Root<PersonalApiKeyEntity> row = update.from(PersonalApiKeyEntity.class);
            update.set(row.<OffsetDateTime>get("lastUsedAt"), OffsetDateTime.now(clock))
                    .where(cb.equal(row.get("id"), cb.value(key.id())));
            return session.createQuery(update).executeUpdate();
        })).replaceWithVoid();
    }

    /** Stores a new key (its hash and mask only); joins the caller's transaction. */
    public Uni<Void> insert(String id, long userId, String label, String secureValue, String maskValue,
                            List<String> scopes, List<Long> scopedTeams) {
        PersonalApiKeyEntity key = new PersonalApiKeyEntity();
        key.id = id;
        key.userId = userId;
        key.label = label;
        key.secureValue = secureValue;
        key.maskValue = maskValue;
        key.scopes = scopes.toArray(String[]::new);
        key.scopedTeams = scopedTeams.toArray(Long[]::new);
        return Sessions.write(() -> key.persist().call(Panache::flush)).replaceWithVoid();
    }

    /** Deletes the user's keys with this label; how many there were. */
    public Uni<Long> deleteByLabel(long userId, String label) {
        return Sessions.write(() -> PersonalApiKeyEntity.delete("userId = ?1 and label = ?2", userId, label));
    }
}
