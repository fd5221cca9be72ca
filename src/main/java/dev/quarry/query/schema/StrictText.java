package dev.quarry.query.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;

/**
 * A JSON string and nothing else, as pydantic reads a {@code str} field: a number or boolean is refused where
 * Jackson would turn it into text. Use with {@code @JsonDeserialize(using = StrictText.class)} on a field whose
 * PostHog model says {@code str}; the refusal is a 400 naming the field ({@link QuerySchema}).
 */
@io.quarkus.runtime.annotations.RegisterForReflection
public final class StrictText extends StdScalarDeserializer<String> {
    public StrictText() {
        super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.hasToken(JsonToken.VALUE_STRING)) {
            return p.getText();
        }
        return (String) ctxt.handleUnexpectedToken(String.class, p.currentToken(), p,
                "Input should be a valid string");
    }
}
