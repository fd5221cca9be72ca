package dev.quarry.auth;

import dev.quarry.data.Base62;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Personal API key values: generated once, shown once, stored only as a SHA-256 hash and a mask. */
public final class PersonalApiKeyTokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private PersonalApiKeyTokens() {
    }

    public static String newKey() {
        return "phx_" + Base62.random(RANDOM, 47);
    }

    public static String newKeyId() {
        return Base62.random(RANDOM, 20);
    }

    /** The stored form, as PostHog stores it: {@code sha256$<hex>}. */
    public static String secureValue(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256$" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    public static String mask(String key) {
        return key.substring(0, 4) + "..." + key.substring(key.length() - 4);
    }
}
