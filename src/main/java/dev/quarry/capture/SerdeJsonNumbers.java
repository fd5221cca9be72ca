package dev.quarry.capture;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.math.BigInteger;

/**
 * The node factory capture reads events with: a JSON number past the 64-bit float range ({@code 1e400}, an integer of
 * 400 digits) is refused as it is read, whatever the size of the request. PostHog's capture parses with serde_json,
 * which refuses such a number ("number out of range", 400); Jackson would read it as an infinity, stored as null.
 */
final class SerdeJsonNumbers extends JsonNodeFactory {
    private static final long serialVersionUID = 1L;

    /** @throws CaptureValidationException for an infinite or NaN value */
    @Override
    public NumericNode numberNode(double v) {
        SerdeJsonText.number(v);
        return super.numberNode(v);
    }

    /** @throws CaptureValidationException for an integer that a 64-bit float cannot hold */
    @Override
    public ValueNode numberNode(BigInteger v) {
        if (v != null && v.bitLength() > 64) {
            SerdeJsonText.number(v.doubleValue());
        }
        return super.numberNode(v);
    }
}
