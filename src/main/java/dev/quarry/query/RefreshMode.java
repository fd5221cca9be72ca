package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;

/** PostHog's execution modes for POST query (the {@code refresh} field). */
public enum RefreshMode {
    BLOCKING, ASYNC, LAZY_ASYNC, ASYNC_EXCEPT_ON_CACHE_MISS, FORCE_BLOCKING, FORCE_ASYNC;

    /**
     * {@code true} (legacy) is force_blocking; {@code async: true} forces async; force_cache, anything falsy and
     * unknown strings are treated as blocking on this endpoint, as the reference does.
     */
    public static RefreshMode parse(JsonNode refresh, boolean asyncFlag) {
        if (asyncFlag) {
            return ASYNC;
        }
        if (refresh == null || refresh.isNull()) {
            return BLOCKING;
        }
        if (refresh.isBoolean()) {
            return refresh.asBoolean() ? FORCE_BLOCKING : BLOCKING;
        }
        return switch (refresh.asText()) {
            case "async" -> ASYNC;
            case "lazy_async" -> LAZY_ASYNC;
            case "async_except_on_cache_miss" -> ASYNC_EXCEPT_ON_CACHE_MISS;
            case "force_blocking", "true" -> FORCE_BLOCKING;
            case "force_async" -> FORCE_ASYNC;
            default -> BLOCKING;
        };
    }

    public boolean isForced() {
        return this == FORCE_BLOCKING || this == FORCE_ASYNC;
    }

    public boolean isLazy() {
        return this == LAZY_ASYNC;
    }
}
