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
    @Produces
    @Singleton
    ObjectMapper objectMapper(Instance<ObjectMapperCustomizer> customizers) {
        JsonFactory factory = JsonFactory.builder()
                .addDecorator((f, generator) -> new PostHogNumbers.Generator(generator))
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
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
