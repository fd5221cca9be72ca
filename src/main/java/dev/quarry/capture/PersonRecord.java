package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A person as the capture path sees it: loaded from PostgreSQL, or created by this batch. */
final class PersonRecord {
    final UUID uuid;
    final boolean isNew;
    /** The person was deleted and its distinct id not reset yet: events count for it, nothing else changes. */
    final boolean deleted;
    Instant createdAt;
    ObjectNode properties;
    boolean identified;
    boolean changed;
    /** The stored row's version when loaded (0 for a new person): an update only applies if it is still current. */
    long version;
    /** The properties' JSON as loaded (null for a new person): what an update past the size bound leaves stored. */
    String storedProperties;

    PersonRecord(UUID uuid, boolean isNew, Instant createdAt, ObjectNode properties, boolean identified) {
        this(uuid, isNew, false, createdAt, properties, identified);
    }

    PersonRecord(UUID uuid, boolean isNew, boolean deleted, Instant createdAt, ObjectNode properties,
                 boolean identified) {
        this.uuid = uuid;
        this.isNew = isNew;
        this.deleted = deleted;
        this.createdAt = createdAt;
        this.properties = properties;
        this.identified = identified;
    }

    /** An independent copy (person processing changes a record's properties and flags). */
    PersonRecord copy() {
        PersonRecord copy = new PersonRecord(uuid, isNew, deleted, createdAt, properties.deepCopy(), identified);
        copy.changed = changed;
        copy.version = version;
        copy.storedProperties = storedProperties;
        return copy;
    }

    static PersonRecord deleted(UUID uuid) {
        return new PersonRecord(uuid, false, true, Instant.EPOCH, com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.objectNode(), false);
    }
}
