package dev.quarry.query.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Integer fields of query records ({@code Integer}, {@code int}, {@code Long}, {@code long}) as PostHog's pydantic
 * schema reads them in its default lax mode: a JSON number with a fractional part ({@code stepLimit: 2.9},
 * {@code limit: 10.5}) is refused ("Input should be a valid integer, got a number with a fractional part", a 400
 * naming the field through {@link QuerySchema}), a float holding a whole number ({@code 2.0}, {@code 1e2}) is that
 * integer, as pydantic's conversion table allows. Jackson's default truncated 2.9 to 2 silently. Everything else
 * (integers, numeric strings, nulls) is Jackson's own reading.
 */
final class WholeNumbers {
    private WholeNumbers() {
    }

    static SimpleModule module() {
        SimpleModule m = new SimpleModule("WholeNumbers");
        m.addDeserializer(Integer.class, new Whole<>(new NumberDeserializers.IntegerDeserializer(Integer.class, null),
                BigDecimal::intValueExact));
        m.addDeserializer(Integer.TYPE, new Whole<>(new NumberDeserializers.IntegerDeserializer(Integer.TYPE, 0),
                BigDecimal::intValueExact));
        m.addDeserializer(Long.class, new Whole<>(new NumberDeserializers.LongDeserializer(Long.class, null),
                BigDecimal::longValueExact));
        m.addDeserializer(Long.TYPE, new Whole<>(new NumberDeserializers.LongDeserializer(Long.TYPE, 0L),
                BigDecimal::longValueExact));
        return m;
    }

    private interface Exact<T> {
        T of(BigDecimal whole);
    }

    private static final class Whole<T> extends JsonDeserializer<T> {
        private final JsonDeserializer<T> plain;
        private final Exact<T> exact;

        Whole(JsonDeserializer<T> plain, Exact<T> exact) {
            this.plain = plain;
            this.exact = exact;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_FLOAT) {
                return plain.deserialize(p, ctxt);
            }
            BigDecimal d = p.getDecimalValue();
            if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
                return ctxt.reportInputMismatch(this,
                        "Input should be a valid integer, got a number with a fractional part (%s)", p.getText());
            }
            try {
                return exact.of(d);
            } catch (ArithmeticException e) {
                return ctxt.reportInputMismatch(this, "Input should be a valid integer, %s is out of range",
                        p.getText());
            }
        }

        @Override
        public T getNullValue(DeserializationContext ctxt) throws com.fasterxml.jackson.databind.JsonMappingException {
            return plain.getNullValue(ctxt);
        }
    }
}
