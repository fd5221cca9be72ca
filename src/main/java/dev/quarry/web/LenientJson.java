package dev.quarry.web;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.util.Collection;

/**
 * Request bodies and parameter sets read into records the way PostHog's Django REST framework serializers and legacy
 * {@code Filter} read them: keys a record does not declare are ignored, a declared key holding a value of the wrong
 * type is a 400 {@code validation_error} naming the key in {@code attr}, with DRF's wording ("A valid integer is
 * required.", "Must be a valid boolean.", "Expected a list of items …", "Not a valid string."). Text holding a number
 * is a number (query-string values are text); a boolean field takes only JSON booleans. A field typed
 * {@code Optional<T>} keeps presence: null when the key is absent, empty when it is sent as null, the value otherwise
 * (a {@code JsonNode} sent as null arrives as a {@code NullNode}).
 */
public final class LenientJson {
    private static final ObjectMapper READER = JsonMapper.builder()
            // an Optional field tells a key sent as null (empty) from a key not sent (null): PATCH bodies need both
            .addModule(new Jdk8Module().configureReadAbsentAsNull(true))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .withCoercionConfig(LogicalType.Boolean, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .build();

    private LenientJson() {
    }

    /**
     * @param node the body or parameters as JSON (null or not an object reads as no fields)
     * @param type the record
     * @throws ValidationException 400 naming the top-level key whose value does not fit
     */
    public static <T> T read(JsonNode node, Class<T> type) {
        try {
            return READER.treeToValue(node != null && node.isObject() ? node : READER.createObjectNode(), type);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof ValidationException v) {
                throw v;
            }
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new ValidationException(message(e), field);
        } catch (IOException | IllegalArgumentException e) {
            if (e.getCause() instanceof ValidationException v) {
                throw v;
            }
            throw new ValidationException("Invalid request: " + JsonErrors.clean(e.getMessage()), null);
        }
    }

    private static String message(JsonMappingException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException) {
            return JsonErrors.describe(e);
        }
        Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        if (target == null) {
            return "Invalid value.";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "Must be a valid boolean.";
        }
        if (Number.class.isAssignableFrom(target) || target == int.class || target == long.class) {
            return "A valid integer is required.";
        }
        if (Collection.class.isAssignableFrom(target)) {
            return "Expected a list of items.";
        }
        if (target == String.class) {
            return "Not a valid string.";
        }
        return "Invalid value.";
    }
}
