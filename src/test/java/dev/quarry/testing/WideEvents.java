package dev.quarry.testing;

import java.util.Map;

/**
 * A project holding {@link #EVENTS} events named {@code wide} of distinct id {@code ann}, one a second from
 * 2026-02-01T00:00:00Z, each with one property {@code p} of {@link #WIDTH} letters: what the response and memory
 * bounds are tested against (the breaker's 900 kB properties).
 */
public final class WideEvents {
    public static final int EVENTS = 10;
    public static final int WIDTH = 900_000;

    private WideEvents() {
    }

    /** A new project with the wide events captured through {@code /batch/}. */
    public static TestProjects.Project project(String name) {
        TestProjects.Project team = TestProjects.create(name);
        for (int k = 0; k < EVENTS; k++) {
            Capture.to(team).event("wide", "ann", "2026-02-01T00:00:0" + k + "Z", Map.of("p", "y".repeat(WIDTH)))
                    .send();
        }
        return team;
    }
}
