package dev.quarry.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;

/**
 * A record field read as DRF's {@code BooleanField} reads it ({@link DrfBoolean}: JSON booleans, {@code "true"},
 * {@code "yes"}, {@code "1"}, 1, 0 and their like), so that a flag sent in a form ({@code curl -d saved=true}) or as
 * text is taken as PostHog's model serializers take it. Use with
 * {@code @JsonDeserialize(contentUsing = DrfBooleanText.class)} on an {@code Optional<Boolean>}; anything else is
 * {@link LenientJson}'s 400 "Must be a valid boolean." naming the field.
 */
@io.quarkus.runtime.annotations.RegisterForReflection
public final class DrfBooleanText extends StdScalarDeserializer<Boolean> {
    public DrfBooleanText() {
        super(Boolean.class);
    }

    @Override
    public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode value = p.readValueAsTree();
        try {
            return DrfBoolean.read(value, null);
        } catch (ValidationException e) {
            throw MismatchedInputException.from(p, Boolean.class, e.getMessage());
        }
    }
}
