package dev.quarry.web;

import java.util.UUID;

/**
 * A uuid read as Python's {@code uuid.UUID(text)} reads it (what Django's UUID fields and PostHog's serializers
 * accept): {@code urn:} and {@code uuid:} removed, braces stripped from both ends, every hyphen removed, then exactly
 * 32 hex digits. So {@code {…}}, {@code urn:uuid:…} and 32 digits without hyphens are uuids, while
 * {@code 1-1-1-1-1} (which Java's {@code UUID.fromString} takes) is not.
 */
public final class PythonUuid {
    private PythonUuid() {
    }

    /** The uuid, or null when Python's {@code uuid.UUID} would raise for this text. */
    public static UUID parse(String text) {
        String hex = text.replace("urn:", "").replace("uuid:", "");
        int start = 0;
        int end = hex.length();
        while (start < end && (hex.charAt(start) == '{' || hex.charAt(start) == '}')) {
            start++;
        }
        while (end > start && (hex.charAt(end - 1) == '{' || hex.charAt(end - 1) == '}')) {
            end--;
        }
        hex = hex.substring(start, end).replace("-", "");
        if (hex.length() != 32) {
            return null;
        }
        for (int i = 0; i < 32; i++) {
            if (Character.digit(hex.charAt(i), 16) < 0 || hex.charAt(i) > 'f') {
                return null;
            }
        }
        return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }
}
