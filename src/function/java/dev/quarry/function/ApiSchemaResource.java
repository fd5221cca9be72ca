package dev.quarry.function;

import dev.quarry.web.NotFoundException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The OpenAPI document at PostHog's path ({@code GET /api/schema/}, the bootstrap function's route) in the function
 * build, which leaves {@code quarkus-smallrye-openapi} out: that extension rebuilt the document at every start (the
 * build's JSON parsed again, written out as JSON and YAML; ≈ 30 % of a cold start's samples, README "Start-up round
 * six"), in every function, whether it ever served the document or not.
 *
 * <p>Serves, byte for byte, the two documents the default build's extension serves (committed under
 * {@code src/function/resources/META-INF/quarry/}; {@code dev.quarry.web.ApiSchemaDocumentTest} fails when they
 * differ from what the default build generates), read once, on the first request. The format follows the extension:
 * a path ending {@code .json} is JSON and {@code .yaml}/{@code .yml} YAML; otherwise JSON when the {@code Accept}
 * header contains {@code application/json} or the first {@code format} query parameter is {@code json} (any case),
 * else YAML; the content type is {@code application/json;charset=UTF-8} or {@code application/yaml;charset=UTF-8}.
 * No key is needed (as PostHog's {@code /api/schema/}). A build without the documents answers 404.
 */
@Path("/api")
@RegisterForReflection
public class ApiSchemaResource {
    static final String JSON_DOCUMENT = "META-INF/quarry/openapi.json";
    static final String YAML_DOCUMENT = "META-INF/quarry/openapi.yaml";
    static final String JSON_TYPE = "application/json;charset=UTF-8";
    static final String YAML_TYPE = "application/yaml;charset=UTF-8";

    private static volatile byte[] json;
    private static volatile byte[] yaml;

    /** The document in the format the request asks for (see the class comment); YAML by default. */
    @GET
    @Path("schema")
    public Response schema(@HeaderParam(HttpHeaders.ACCEPT) String accept, @QueryParam("format") List<String> format) {
        boolean asJson = (accept != null && accept.contains("application/json"))
                || (!format.isEmpty() && "json".equalsIgnoreCase(format.get(0)));
        return asJson ? json() : yaml();
    }

    /** {@code /api/schema.json}: always JSON. */
    @GET
    @Path("schema.json")
    public Response json() {
        byte[] document = json;
        if (document == null) {
            json = document = load(JSON_DOCUMENT);
        }
        return Response.ok(document).header(HttpHeaders.CONTENT_TYPE, JSON_TYPE).build();
    }

    /** {@code /api/schema.yaml} and {@code /api/schema.yml}: always YAML. */
    @GET
    @Path("schema.{suffix: yaml|yml}")
    public Response yaml() {
        byte[] document = yaml;
        if (document == null) {
            yaml = document = load(YAML_DOCUMENT);
        }
        return Response.ok(document).header(HttpHeaders.CONTENT_TYPE, YAML_TYPE).build();
    }

    private static byte[] load(String resource) {
        try (InputStream in = ApiSchemaResource.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new NotFoundException("This build carries no API schema.");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
