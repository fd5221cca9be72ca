package dev.quarry.data;

import io.vertx.mutiny.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A personal API key as stored (hash only) with the user it belongs to. */
public record ApiKey(String id, String label, String maskValue, List<String> scopes, List<Long> scopedTeams,
                     List<String> scopedOrganizations, OffsetDateTime createdAt, OffsetDateTime lastUsedAt,
                     long userId, UUID userUuid, String userDistinctId, String userEmail, String userFirstName,
                     UUID organizationId, boolean userActive) {

    static final String SELECT = "SELECT k.id, k.label, k.mask_value, k.scopes, k.scoped_teams, "
            + "k.scoped_organizations, k.created_at, k.last_used_at, u.id, u.uuid, u.distinct_id, u.email, "
            + "u.first_name, u.organization_id, u.is_active FROM personal_api_keys k JOIN users u ON u.id = k.user_id ";

    static ApiKey from(Row row) {
        return new ApiKey(row.getString(0), row.getString(1), row.getString(2),
                Arrays.asList(row.getArrayOfStrings(3)), Arrays.asList(row.getArrayOfLongs(4)),
                Arrays.asList(row.getArrayOfStrings(5)), row.getOffsetDateTime(6), row.getOffsetDateTime(7),
                row.getLong(8), row.getUUID(9), row.getString(10), row.getString(11), row.getString(12),
                row.getUUID(13), row.getBoolean(14));
    }
}
