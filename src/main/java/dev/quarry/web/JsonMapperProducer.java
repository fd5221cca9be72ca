package dev.quarry.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The application's ObjectMapper: Quarkus's, with every customizer Quarkus registers applied in its order (the
 * documented way to replace it), on a JSON factory whose generators write doubles as PostHog's answers do
 * ({@link PostHogNumbers}) and characters outside the Basic Multilingual Plane (emoji) as their UTF-8 bytes, as
 * DRF's renderer writes them, rather than as escaped surrogate pairs. Every response body, and every answer kept as
 * rendered text, is written by it.
 */
public class JsonMapperProducer {
    /**
     * The longest property name the application reads (Jackson's default is 50,000 characters): capture stores names
     * up to an event's size (1,000,000 bytes, serde_json has no limit), and every reader of stored properties parses
     * them with this mapper, so a longer limit here keeps one stored 50,001-character name from turning the project's
     * persons pages into 500s and its events' properties into {} (breaker pass 9). Names are read in linear time.
     */
    public static final int MAX_NAME_LENGTH = 1_000_000;

    @Produces
    @Singleton
    ObjectMapper objectMapper(Instance<ObjectMapperCustomizer> customizers) {
        JsonFactory factory = JsonFactory.builder()
                .addDecorator((f, generator) -> new PostHogNumbers.Generator(generator))
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                        .maxNameLength(MAX_NAME_LENGTH).build())
                .build();
        ObjectMapper mapper = new ObjectMapper(factory);
        // as Quarkus's own producer: every customizer (its configuration and modules included), highest priority first
        List<ObjectMapperCustomizer> sorted = new ArrayList<>();
        customizers.forEach(sorted::add);
        Collections.sort(sorted);
        sorted.forEach(c -> c.customize(mapper));
        return mapper;
    }
}
