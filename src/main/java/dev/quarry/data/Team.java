package dev.quarry.data;

import java.util.UUID;

/**
 * A project (PostHog calls it a team; the id in the URL), as {@link Teams} reads it from {@link TeamEntity}.
 * {@code testAccountFilters} and {@code personDisplayNameProperties} are JSON text (the latter may be null).
 */
public record Team(long id, UUID uuid, UUID organizationId, String name, String apiToken, String timezone,
                   int weekStartDay, String testAccountFilters, String personDisplayNameProperties) {
}
