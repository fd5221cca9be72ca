package dev.quarry.data;

import io.vertx.mutiny.sqlclient.Row;
import java.util.UUID;

/** A project (PostHog calls it a team; the id in the URL). */
public record Team(long id, UUID uuid, UUID organizationId, String name, String apiToken, String timezone,
                   int weekStartDay, String testAccountFilters, String personDisplayNameProperties) {

    static final String COLUMNS = "id, uuid, organization_id, name, api_token, timezone, week_start_day, "
            + "test_account_filters::text, person_display_name_properties::text";

    static Team from(Row row) {
        return new Team(row.getLong(0), row.getUUID(1), row.getUUID(2), row.getString(3), row.getString(4),
                row.getString(5), row.getInteger(6), row.getString(7), row.getString(8));
    }
}
