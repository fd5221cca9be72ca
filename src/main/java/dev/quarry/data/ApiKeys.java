package dev.quarry.data;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class ApiKeys {
    private final Pool pool;

    public ApiKeys(Pool pool) {
        this.pool = pool;
    }

    public Uni<ApiKey> findBySecureValue(String secureValue) {
        return pool.preparedQuery(ApiKey.SELECT + "WHERE k.secure_value = $1")
                .execute(Tuple.of(secureValue))
                .map(rows -> rows.size() == 0 ? null : ApiKey.from(rows.iterator().next()));
    }

    /** PostHog updates last_used_at at most once an hour; so do we, to keep reads read-only. */
    public Uni<Void> touchIfStale(ApiKey key) {
        if (key.lastUsedAt() != null && key.lastUsedAt().isAfter(java.time.OffsetDateTime.now().minusHours(1))) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("UPDATE personal_api_keys SET last_used_at = now() WHERE id = $1")
                .execute(Tuple.of(key.id())).replaceWithVoid();
    }

    public Uni<Void> insert(SqlClient client, String id, long userId, String label, String secureValue,
                            String maskValue, List<String> scopes, List<Long> scopedTeams) {
        return client.preparedQuery("INSERT INTO personal_api_keys "
                        + "(id, user_id, label, secure_value, mask_value, scopes, scoped_teams) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.tuple(List.of(id, userId, label, secureValue, maskValue,
                        scopes.toArray(String[]::new), scopedTeams.toArray(Long[]::new))))
                .replaceWithVoid();
    }

    public Uni<Integer> deleteByLabel(SqlClient client, long userId, String label) {
        return client.preparedQuery("DELETE FROM personal_api_keys WHERE user_id = $1 AND label = $2")
                .execute(Tuple.of(userId, label)).map(rows -> rows.rowCount());
    }
}
