package dev.quarry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The start banner names the address the local server is bound to, not a fixed port. */
class LocalDemoTest {
    @Test
    void bannerUsesTheConfiguredHostAndPort() {
        assertEquals("http://127.0.0.1:8080", LocalDemo.baseUrl("127.0.0.1", 8080));
        assertEquals("http://127.0.0.1:18431", LocalDemo.baseUrl("127.0.0.1", 18431));
        // QUARRY_HTTP_HOST=0.0.0.0 (a container): the wildcard is reached through loopback from the same machine.
        assertEquals("http://127.0.0.1:9000", LocalDemo.baseUrl("0.0.0.0", 9000));
        assertEquals("http://[::1]:9000", LocalDemo.baseUrl("::1", 9000));
        assertEquals("http://192.168.1.20:8081", LocalDemo.baseUrl("192.168.1.20", 8081));
    }
}
