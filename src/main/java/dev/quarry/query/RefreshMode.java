package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.web.ValidationException;

/** PostHog's execution modes for POST query (the {@code refresh} field). */
public enum RefreshMode {
    BLOCKING, ASYNC, LAZY_ASYNC, ASYNC_EXCEPT_ON_CACHE_MISS, FORCE_BLOCKING, FORCE_ASYNC;

    /** The strings pydantic's lax mode reads as a boolean (PostHog's {@code refresh: bool | RefreshType}). */
    private static final java.util.Set<String> TRUE = java.util.Set.of("1", "on", "t", "true", "y", "yes");
    private static final java.util.Set<String> FALSE = java.util.Set.of("0", "off", "f", "false", "n", "no");

    /**
     * {@code true} (legacy) is force_blocking; force_cache and false are blocking on this endpoint, as the reference
     * remaps them; JSON null is blocking. Any other value fails PostHog's model: 400 naming {@code refresh}.
     */
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    public static RefreshMode of(JsonNode refresh) {
        return parse(refresh);
    }

    private static RefreshMode parse(JsonNode refresh) {
        if (refresh == null || refresh.isNull()) {
            return BLOCKING;
        }
        if (refresh.isBoolean()) {
            return refresh.asBoolean() ? FORCE_BLOCKING : BLOCKING;
        }
        if (refresh.isIntegralNumber() && (refresh.asLong() == 0 || refresh.asLong() == 1)) {
            return refresh.asLong() == 1 ? FORCE_BLOCKING : BLOCKING;
        }
        String text = refresh.isTextual() ? refresh.asText() : null;
        if (text != null) {
            switch (text) {
                case "async": return ASYNC;
                case "lazy_async": return LAZY_ASYNC;
                case "async_except_on_cache_miss": return ASYNC_EXCEPT_ON_CACHE_MISS;
                case "force_blocking": return FORCE_BLOCKING;
                case "force_async": return FORCE_ASYNC;
                case "blocking", "force_cache": return BLOCKING;
                default: break;
            }
            String lower = text.toLowerCase(java.util.Locale.ROOT);
            if (TRUE.contains(lower)) {
                return FORCE_BLOCKING;
            }
            if (FALSE.contains(lower)) {
                return BLOCKING;
            }
        }
        throw new ValidationException("Input should be a valid boolean or 'async', 'async_except_on_cache_miss', 'blocking', 'force_async', "
                + "'force_blocking', 'force_cache' or 'lazy_async'", "refresh");
    }

    public boolean isForced() {
        return this == FORCE_BLOCKING || this == FORCE_ASYNC;
    }

    public boolean isLazy() {
        return this == LAZY_ASYNC;
    }
}
