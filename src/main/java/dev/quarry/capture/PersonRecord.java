package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A person as the capture path sees it: loaded from PostgreSQL, or created by this batch. */
final class PersonRecord {
    final UUID uuid;
    final boolean isNew;
    Instant createdAt;
    ObjectNode properties;
    boolean identified;
    boolean changed;

    PersonRecord(UUID uuid, boolean isNew, Instant createdAt, ObjectNode properties, boolean identified) {
        this.uuid = uuid;
        this.isNew = isNew;
        this.createdAt = createdAt;
        this.properties = properties;
        this.identified = identified;
    }
}
