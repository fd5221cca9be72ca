package dev.quarry.query;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Query ids as PostHog makes them: a UUIDv7 (time-ordered) as 32 hex digits. */
public final class QueryIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private QueryIds() {
    }

    public static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        long millis = System.currentTimeMillis();
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (millis >>> (40 - 8 * i));
        }
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x70);
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
        return HexFormat.of().formatHex(bytes);
    }
}
