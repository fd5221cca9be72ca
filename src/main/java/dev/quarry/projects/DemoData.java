package dev.quarry.projects;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.capture.CapturedEvent;
import dev.quarry.capture.EventIngestor;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
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
        Instant start = now.minus(Duration.ofDays(days));
        for (int p = 0; p < persons; p++) {
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
        }
        events.removeIf(event -> event.timestamp().isAfter(now));
        events.sort(java.util.Comparator.comparing(CapturedEvent::timestamp));
        return events;
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
