package dev.quarry.function;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Lets the function read API Gateway REST API (payload 1.0) events as well as HTTP API (payload 2.0) ones.
 *
 * <p>Quarkus's amazon-lambda-http handler takes {@link APIGatewayV2HTTPEvent} only, and its build refuses any second
 * handler class beside it ("Multiple handler classes"), so the REST API shape cannot be given its own handler.
 * What the extension does use is a copy of the application's {@link ObjectMapper} to read each invocation's event;
 * this customizer gives that mapper a reader for {@code APIGatewayV2HTTPEvent} that first rewrites a REST API event
 * into the 2.0 shape ({@link RestApiEvents}) and then reads it as before. A 2.0 event passes through untouched.
 *
 * <p>The handler's {@link APIGatewayV2HTTPResponse} is written without its null fields, so that it holds only what
 * both formats accept (statusCode, headers, multiValueHeaders, body, isBase64Encoded): a REST API answers 502
 * "Malformed Lambda proxy response" to fields it does not know, such as the 2.0-only {@code cookies} that the
 * handler leaves null (Quarry sets no cookies).
 */
@Singleton
public class RestApiEventReader implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        SimpleModule module = new SimpleModule("quarry-rest-api-events");
        module.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription description,
                                                          JsonDeserializer<?> deserializer) {
                return description.getBeanClass() == APIGatewayV2HTTPEvent.class
                        ? new EitherFormat(deserializer) : deserializer;
            }
        });
        mapper.registerModule(module);
        mapper.addMixIn(APIGatewayV2HTTPResponse.class, ResponseWithoutNulls.class);
    }

    /** Jackson mix-in: {@link APIGatewayV2HTTPResponse} without its null fields. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @RegisterForReflection
    abstract static class ResponseWithoutNulls {
    }

    /** Reads the event as a tree, rewrites a REST API event, then hands the tree to the usual bean reader. */
    static final class EitherFormat extends DelegatingDeserializer {
        EitherFormat(JsonDeserializer<?> delegate) {
            super(delegate);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
            return new EitherFormat(delegate);
        }

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode tree = context.readTree(parser);
            JsonNode event = RestApiEvents.isRestApiEvent(tree) ? RestApiEvents.toHttpApiEvent(tree) : tree;
            try (JsonParser eventParser = event.traverse(parser.getCodec())) {
                eventParser.nextToken();
                return _delegatee.deserialize(eventParser, context);
            }
        }
    }
}
