package dev.quarry.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * Writes every JSON response as one complete buffer. Streamed writes past 8 KB never finish through the Lambda
 * HTTP extension's virtual channel (quarkusio/quarkus#38502, #44551), which is how the functions serve requests;
 * a single buffer always does, and a function's response is whole in memory anyway.
 */
@Provider
@Produces(MediaType.APPLICATION_JSON)
@Priority(Priorities.USER - 100)
public class JsonBodyWriter implements ServerMessageBodyWriter<Object> {
    private final ObjectMapper mapper;

    public JsonBodyWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
        return !String.class.equals(type) && !byte[].class.equals(type);
    }

    @Override
    public void writeResponse(Object o, Type genericType, ServerRequestContext context) throws IOException {
        context.serverResponse().end(mapper.writeValueAsBytes(o));
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return !String.class.equals(type) && !byte[].class.equals(type);
    }

    @Override
    public void writeTo(Object o, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                        MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(mapper.writeValueAsBytes(o));
    }
}
