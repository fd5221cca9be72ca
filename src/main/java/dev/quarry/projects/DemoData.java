package dev.quarry.projects;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.capture.CapturedEvent;
import dev.quarry.capture.EventIngestor;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Realistic demo traffic for a project, from a fixed seed: visitors browse anonymously, some sign up and identify,
 * some buy. It goes through the same ingestion as captured events, so persons and merges are real.
 *
 * <p>Sessions as posthog-js makes them (its SessionIdManager): a visitor's events carry {@code $session_id} and
 * {@code $window_id}, each a UUIDv7 made when the session starts (the id's first 48 bits the first event's ms); a new
 * session (and window) starts after 30 minutes without an event or 24 hours after the session's start, and lasts
 * across {@code $identify}. Each session enters from one source, carried as posthog-js carries it: {@code $referrer} /
 * {@code $referring_domain} on every event of the session (a single-page app's {@code document.referrer},
 * {@code "$direct"} when empty), utm parameters and click ids on the landing pageview only (in its {@code $current_url}
 * and as properties), so the HogQL {@code sessions} table has entry pages, referrers and channel types.
 */
@ApplicationScoped
public class DemoData {
    @jakarta.inject.Inject java.time.Clock clock;
    private static final String[] BROWSERS = {"Chrome", "Chrome", "Chrome", "Safari", "Safari", "Firefox", "Edge"};
    private static final String[] OSES = {"Mac OS X", "Windows", "Windows", "iOS", "Android", "Linux"};
    private static final String[] PAGES = {"/", "/pricing", "/docs", "/blog", "/features", "/about", "/signup"};
    private static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "IN", "BR", "CA"};
    private static final String[] PLANS = {"free", "free", "free", "pro", "enterprise"};
    private static final int CHUNK = 1000;
    /** posthog-js's session idle timeout (30 minutes) and longest session (24 hours), in ms. */
    static final long SESSION_IDLE_MS = 30 * 60_000L;
    static final long SESSION_MAX_MS = 24 * 3_600_000L;
    /** Entry sources: referrer (null: direct), then utm source, medium, campaign and a click id name, each nullable. */
    private static final String[][] SOURCES = {
            {null, null, null, null, null}, {null, null, null, null, null}, {null, null, null, null, null},
            {"https://www.google.com/", null, null, null, null}, {"https://www.google.com/", null, null, null, null},
            {"https://duckduckgo.com/", null, null, null, null}, {"https://t.co/", null, null, null, null},
            {"https://www.linkedin.com/", null, null, null, null}, {"https://news.ycombinator.com/", null, null, null, null},
            {null, "newsletter", "email", "december-launch", null},
            {"https://www.google.com/", "google", "cpc", "brand", "gclid"},
            {"https://www.facebook.com/", "facebook", "paid_social", "retargeting", "fbclid"}};

    private final EventIngestor ingestor;
    private final ObjectMapper mapper;

    public DemoData(EventIngestor ingestor, ObjectMapper mapper) {
        this.ingestor = ingestor;
        this.mapper = mapper;
    }

    public record Summary(int persons, int events) {
    }

    public Uni<Summary> seed(Team team, int persons, int days, long seed) {
        List<CapturedEvent> events = generate(persons, days, seed, clock.instant().truncatedTo(ChronoUnit.SECONDS));
        List<List<CapturedEvent>> chunks = new ArrayList<>();
        for (int i = 0; i < events.size(); i += CHUNK) {
            chunks.add(events.subList(i, Math.min(events.size(), i + CHUNK)));
        }
        return Multi.createFrom().iterable(chunks)
                .onItem().transformToUniAndConcatenate(chunk -> ingestor.ingest(team, chunk))
                .collect().asList()
                .map(counts -> new Summary(persons, counts.stream().mapToInt(Integer::intValue).sum()));
    }

    List<CapturedEvent> generate(int persons, int days, long seed, Instant now) {
        Random random = new Random(seed);
        List<CapturedEvent> events = new ArrayList<>();
        Random sessionRandom = new Random(seed * 31 + 19);
        Instant start = now.minus(Duration.ofDays(days));
        for (int p = 0; p < persons; p++) {
            int from = events.size();
            String anonId = new UUID(random.nextLong(), random.nextLong()).toString();
            String browser = BROWSERS[random.nextInt(BROWSERS.length)];
            String os = OSES[random.nextInt(OSES.length)];
            String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
            Instant firstSeen = start.plusSeconds((long) (random.nextDouble() * days * 86_400L));
            boolean signsUp = random.nextDouble() < 0.35;
            boolean buys = signsUp && random.nextDouble() < 0.4;
            int sessions = 1 + random.nextInt(6);
            String distinctId = anonId;
            Instant at = firstSeen;
            for (int s = 0; s < sessions && at.isBefore(now); s++) {
                int pageviews = 1 + random.nextInt(5);
                for (int v = 0; v < pageviews; v++) {
                    at = at.plusSeconds(5 + random.nextInt(120));
                    events.add(event(random, "$pageview", distinctId, at, browser, os, country,
                            PAGES[random.nextInt(PAGES.length)], null));
                }
                if (s == 0 && signsUp) {
                    at = at.plusSeconds(30 + random.nextInt(300));
                    String userId = "user-" + p + "@example.com";
                    ObjectNode set = mapper.createObjectNode().put("email", userId)
                            .put("plan", PLANS[random.nextInt(PLANS.length)]);
                    ObjectNode identify = mapper.createObjectNode().put("$anon_distinct_id", anonId);
                    events.add(new CapturedEvent(new UUID(random.nextLong(), random.nextLong()), "$identify", userId,
                            identify, at, set, mapper.createObjectNode(), List.of()));
                    distinctId = userId;
                    events.add(event(random, "signed up", distinctId, at.plusSeconds(1), browser, os, country,
                            "/signup", null));
                }
                if (buys && s == sessions - 1) {
                    at = at.plusSeconds(60 + random.nextInt(600));
                    events.add(event(random, "purchase", distinctId, at, browser, os, country, "/checkout",
                            (double) (10 + random.nextInt(190))));
                }
                at = at.plus(Duration.ofHours(6 + random.nextInt(24 * 4)));
            }
            withSessions(events.subList(from, events.size()), sessionRandom);
        }
        events.removeIf(event -> event.timestamp().isAfter(now));
        events.sort(java.util.Comparator.comparing(CapturedEvent::timestamp));
        return events;
    }

    /**
     * Gives one visitor's events (in time order, across its {@code $identify}) session and window ids as posthog-js
     * does, and each session its entry source. Its own random numbers, so the events themselves stay those of earlier
     * versions of the demo.
     */
    static void withSessions(List<CapturedEvent> visitorEvents, Random random) {
        String sessionId = null;
        String windowId = null;
        String[] source = null;
        long sessionStart = 0;
        long last = 0;
        for (CapturedEvent e : visitorEvents) {
            long ms = e.timestamp().toEpochMilli();
            boolean landing = sessionId == null || ms - last > SESSION_IDLE_MS || ms - sessionStart > SESSION_MAX_MS;
            if (landing) {
                sessionStart = ms;
                sessionId = uuid7(ms, random);
                windowId = uuid7(ms, random);
                source = SOURCES[random.nextInt(SOURCES.length)];
            }
            last = ms;
            ObjectNode props = e.properties();
            props.put("$session_id", sessionId).put("$window_id", windowId)
                    .put("$referrer", source[0] == null ? "$direct" : source[0])
                    .put("$referring_domain", source[0] == null ? "$direct" : URI.create(source[0]).getHost());
            if (landing && source[1] != null && props.has("$current_url")) {
                String query = "?utm_source=" + source[1] + "&utm_medium=" + source[2] + "&utm_campaign=" + source[3];
                props.put("utm_source", source[1]).put("utm_medium", source[2]).put("utm_campaign", source[3]);
                if (source[4] != null) {
                    String click = Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
                    props.put(source[4], click);
                    query += "&" + source[4] + "=" + click;
                }
                props.put("$current_url", props.get("$current_url").asText() + query);
            }
        }
    }

    /** A UUIDv7 (RFC 9562): {@code ms} in the first 48 bits, version 7, 12 random bits, variant 10, 62 random bits. */
    static String uuid7(long ms, Random random) {
        long high = (ms << 16) | 0x7000L | (random.nextInt() & 0x0fffL);
        long low = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    private CapturedEvent event(Random random, String name, String distinctId, Instant at, String browser, String os,
                                String country, String path, Double amount) {
        ObjectNode properties = mapper.createObjectNode()
                .put("$browser", browser).put("$os", os).put("$geoip_country_code", country)
                .put("$current_url", "https://example.com" + path).put("$pathname", path);
        if (amount != null) {
            properties.put("amount", amount);
        }
        return new CapturedEvent(new UUID(random.nextLong(), random.nextLong()), name, distinctId, properties, at,
                mapper.createObjectNode(), mapper.createObjectNode(), List.of());
    }
}
