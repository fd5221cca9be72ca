package dev.quarry.capture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * PostHog's deterministic person uuid: a name-based UUID (version 5, SHA-1) of {@code "<team_id>:<distinct_id>"} in
 * PostHog's person namespace {@code 932979b4-65c3-4424-8467-0b66ec27bc22}. A person created for a distinct id gets
 * this uuid, and so do events captured with {@code $process_person_profile: false} before any person exists — so the
 * person created later owns them without rewriting anything.
 */
public final class PersonUuids {
    private static final UUID NAMESPACE = UUID.fromString("932979b4-65c3-4424-8467-0b66ec27bc22");

    private PersonUuids() {
    }

    /** The uuid PostHog gives the person of {@code distinctId} in team {@code teamId}. */
    public static UUID of(long teamId, String distinctId) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
        ByteBuffer namespace = ByteBuffer.allocate(16);
        namespace.putLong(NAMESPACE.getMostSignificantBits()).putLong(NAMESPACE.getLeastSignificantBits());
        sha1.update(namespace.array());
        byte[] hash = sha1.digest((teamId + ":" + distinctId).getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}
