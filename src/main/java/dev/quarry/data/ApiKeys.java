package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import org.hibernate.query.criteria.HibernateCriteriaBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.criteria.CriteriaUpdate;
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
                        .createSelectionQuery(KEY, Object[].class)
                        .setParameter("secureValue", secureValue)
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
                        .createSelectionQuery(KEY_AND_TEAM, Object[].class)
                        .setParameter("secureValue", secureValue)
                        .setParameter("teamId", teamId)
                        .getSingleResultOrNull()))
                .map(row -> row == null ? null : new KeyAndTeam(
                        ((PersonalApiKeyEntity) row[0]).toApiKey((UserEntity) row[1]),
                        row[2] == null ? null : ((TeamEntity) row[2]).toTeam()));
    }

    /*
     * The auth filter's statements, on every request: the key by its hash joined to its user, and, when the URL names
     * a project, left joined to that project (rows [key, user] or [key, user, team or null]). HQL text rather than a
     * criteria tree because Hibernate caches an HQL string's parse and its SQL plan (the query interpretation cache),
     * while a criteria query's SQL was translated again on every call (about a quarter of the warm request path's
     * CPU samples). The price is the HQL parser's first use on a function's first authenticated request. Not named
     * queries: those are all parsed and validated at boot, which start-up pays.
     */
    static final String KEY = "select k, u from PersonalApiKeyEntity k join UserEntity u on u.id = k.userId "
            + "where k.secureValue = :secureValue";
    static final String KEY_AND_TEAM = "select k, u, t from PersonalApiKeyEntity k join UserEntity u on u.id = k.userId "
            + "left join TeamEntity t on t.id = :teamId where k.secureValue = :secureValue";

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
        // A criteria update: it runs at most once an hour per key, so its per-call translation does not matter.
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
