package dev.quarry.testing;

import java.io.IOException;
import java.io.InputStream;

/** Request bodies recorded from PostHog's SDKs, in {@code src/test/resources/capture-fixtures/}. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The bytes of fixture {@code name}, exactly as the SDK sent them. */
    public static byte[] capture(String name) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/capture-fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }
}
