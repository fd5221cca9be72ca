package dev.quarry.data;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A personal API key as stored (hash only) with the user it belongs to: what the auth filter lets in and hands to
 * endpoints. Read from {@link PersonalApiKeyEntity} and {@link UserEntity} by {@link ApiKeys}.
 */
public record ApiKey(String id, String label, String maskValue, List<String> scopes, List<Long> scopedTeams,
                     List<String> scopedOrganizations, OffsetDateTime createdAt, OffsetDateTime lastUsedAt,
                     long userId, UUID userUuid, String userDistinctId, String userEmail, String userFirstName,
                     UUID organizationId, boolean userActive) {
}
