package dev.quarry.dates;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/**
 * The application's one clock: every class that reads the time (capture's default timestamps, a query's "now",
 * usage periods, log and key timestamps …) injects {@link Clock} rather than calling {@code Instant.now()} or
 * {@code Clock.systemUTC()}. It is UTC; a project's timezone is applied where a date is computed. Application scoped
 * (a client proxy), so that a test can fix the time for its class with
 * {@code QuarkusMock.installMockForType(Clock.fixed(…), Clock.class)}.
 */
public class SystemClock {

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
