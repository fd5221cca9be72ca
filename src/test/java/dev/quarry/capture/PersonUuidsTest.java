package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class PersonUuidsTest {
    /** Values PostHog's uuidFromDistinctId gives (UUIDv5 of "team:distinct_id" in its person namespace). */
    @Test
    void matchesPostHogsDeterministicPersonUuid() {
        assertEquals(UUID.fromString("f964071f-dbe7-5a62-abe2-c4c1e2e308c9"), PersonUuids.of(1, "anonymous-visitor"));
        assertEquals(UUID.fromString("8034f63c-d3a6-53c3-bd31-1cd4d30d9710"), PersonUuids.of(42, "distinct_id_1"));
        assertEquals(5, PersonUuids.of(7, "x").version());
    }

    @Test
    void illegalIdsAreCaseInsensitiveOrExactAndQuoted() {
        for (String id : new String[]{"undefined", "UNDEFINED", "\"undefined\"", "'Undefined'", "null", "\"null\"",
                "0", "NaN", "[object Object]", "None", "none", "anonymous", "Guest", "distinct_id", "DistinctId", "id",
                "not_authenticated", "email", "true", "FALSE", "", "   "}) {
            assertTrue(IllegalDistinctIds.isIllegal(id), id);
        }
        for (String id : new String[]{"nan", "NULL", "Null", "NONE", "[object object]", "00", "user-1", "anon",
                "undefined1", "\"user\""}) {
            assertFalse(IllegalDistinctIds.isIllegal(id), id);
        }
    }
}
