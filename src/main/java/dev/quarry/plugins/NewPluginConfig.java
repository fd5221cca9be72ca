package dev.quarry.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.web.ValidationException;

/** A validated {@code POST plugin_configs/} body. */
public record NewPluginConfig(int plugin, boolean enabled, int order, ObjectNode config) {

    public static NewPluginConfig parse(JsonNode body) {
        JsonNode plugin = body == null ? null : body.get("plugin");
        if (plugin == null || plugin.isNull()) {
            throw new ValidationException("required", "This field is required.", "plugin");
        }
        if (!plugin.canConvertToInt() || !plugin.isIntegralNumber() || plugin.intValue() <= 0) {
            throw new ValidationException("incorrect_type",
                    "Incorrect type. Expected pk value, received " + plugin.getNodeType().name().toLowerCase() + ".",
                    "plugin");
        }
        return new NewPluginConfig(plugin.intValue(), bool(body.get("enabled")), order(body.get("order")),
                config(body.get("config")));
    }

    private static boolean bool(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new ValidationException("Must be a valid boolean.", "enabled");
        }
        return value.booleanValue();
    }

    private static int order(JsonNode value) {
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new ValidationException("A valid integer is required.", "order");
        }
        return value.intValue();
    }

    private static ObjectNode config(JsonNode value) {
        if (value == null || value.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!value.isObject()) {
            throw new ValidationException("Expected a dictionary of items.", "config");
        }
        return (ObjectNode) value;
    }
}
