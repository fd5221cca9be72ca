package dev.quarry.capture;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * A parser that reads the JSON integer {@code -0} as the float {@code -0.0}, as serde_json does: PostHog's capture parses the body with serde_json, whose integer reader turns
 * {@code -0} into {@code f64} {@code -0.0} (an {@code i64} cannot hold the sign), so a distinct id {@code -0} is stored
 * as the text {@code "-0.0"} and a property {@code -0} as {@code -0.0}. Jackson reads it as the int {@code 0}; this
 * delegate reports such a token as {@code VALUE_NUMBER_FLOAT} with the value {@code -0.0}. Every other token passes
 * through unchanged.
 */
final class NegativeZeroParser extends JsonParserDelegate {
    private static final Double NEGATIVE_ZERO = -0.0d;
    private boolean negativeZero;

    NegativeZeroParser(JsonParser d) {
        super(d);
    }

    @Override
    public JsonToken nextToken() throws IOException {
        JsonToken t = delegate.nextToken();
        negativeZero = t == JsonToken.VALUE_NUMBER_INT && delegate.getTextLength() == 2 && isMinusZero();
        return negativeZero ? JsonToken.VALUE_NUMBER_FLOAT : t;
    }

    private boolean isMinusZero() throws IOException {
        char[] text = delegate.getTextCharacters();
        int at = delegate.getTextOffset();
        return text[at] == '-' && text[at + 1] == '0';
    }

    @Override
    public String nextFieldName() throws IOException {
        negativeZero = false;
        return delegate.nextFieldName();
    }

    @Override
    public JsonToken nextValue() throws IOException {
        JsonToken t = nextToken();
        return t == JsonToken.FIELD_NAME ? nextToken() : t;
    }

    @Override
    public JsonToken currentToken() {
        return negativeZero ? JsonToken.VALUE_NUMBER_FLOAT : delegate.currentToken();
    }

    @Override
    @Deprecated
    public JsonToken getCurrentToken() {
        return currentToken();
    }

    @Override
    public int currentTokenId() {
        return negativeZero ? JsonTokenId.ID_NUMBER_FLOAT : delegate.currentTokenId();
    }

    @Override
    @Deprecated
    public int getCurrentTokenId() {
        return currentTokenId();
    }

    @Override
    public boolean hasToken(JsonToken t) {
        return negativeZero ? t == JsonToken.VALUE_NUMBER_FLOAT : delegate.hasToken(t);
    }

    @Override
    public boolean hasTokenId(int id) {
        return negativeZero ? id == JsonTokenId.ID_NUMBER_FLOAT : delegate.hasTokenId(id);
    }

    @Override
    public boolean isExpectedNumberIntToken() {
        return !negativeZero && delegate.isExpectedNumberIntToken();
    }

    @Override
    public NumberType getNumberType() throws IOException {
        return negativeZero ? NumberType.DOUBLE : delegate.getNumberType();
    }

    @Override
    public NumberTypeFP getNumberTypeFP() throws IOException {
        return negativeZero ? NumberTypeFP.DOUBLE64 : delegate.getNumberTypeFP();
    }

    @Override
    public Number getNumberValue() throws IOException {
        return negativeZero ? NEGATIVE_ZERO : delegate.getNumberValue();
    }

    @Override
    public Number getNumberValueExact() throws IOException {
        return getNumberValue();
    }

    @Override
    public double getDoubleValue() throws IOException {
        return negativeZero ? -0.0d : delegate.getDoubleValue();
    }

    @Override
    public float getFloatValue() throws IOException {
        return negativeZero ? -0.0f : delegate.getFloatValue();
    }

    @Override
    public BigDecimal getDecimalValue() throws IOException {
        // BigDecimal has no negative zero: callers that need the sign read the double
        return delegate.getDecimalValue();
    }
}
