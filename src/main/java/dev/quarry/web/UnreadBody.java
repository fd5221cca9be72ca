package dev.quarry.web;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A request body read before routing by a filter that answers the request itself (no resource reads the body after
 * it), as far as a bound: past {@code max} bytes the rest is let go by unread and the answer is null, so a chunked body
 * without a Content-Length cannot make the filter hold more than the bound.
 */
public final class UnreadBody {
    private UnreadBody() {
    }

    public static Uni<byte[]> read(RoutingContext routing, int max) {
        if (routing.body() != null && routing.body().buffer() != null) {
            Buffer read = routing.body().buffer();
            return Uni.createFrom().item(read.length() > max ? null : read.getBytes());
        }
        HttpServerRequest http = routing.request();
        if (http.isEnded()) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().emitter(emitter -> {
            Buffer collected = Buffer.buffer();
            boolean[] over = {false};
            http.handler(chunk -> {
                if (!over[0] && collected.length() + chunk.length() > max) {
                    over[0] = true;
                } else if (!over[0]) {
                    collected.appendBuffer(chunk);
                }
            });
            http.exceptionHandler(emitter::fail);
            http.endHandler(done -> emitter.complete(over[0] ? null : collected.getBytes()));
            http.resume();
        });
    }
}
