package dev.quarry.deploy;

import dev.quarry.auth.RequiresScopes;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Puts each operation's scopes into the OpenAPI document served at {@code /api/schema/}: the personal API key
 * scheme {@code PersonalAPIKeyAuth} (bearer) as in PostHog's schema, and per operation a security requirement
 * listing the scopes its {@link RequiresScopes} demands (plus {@code x-required-scopes}, and
 * {@code x-required-scopes-any-of} for alternatives). Operation ids are {@code Class_method}
 * ({@code mp.openapi.extensions.smallrye.operationIdStrategy}); the resource classes come from
 * {@link NativeReflection}'s list, which a test keeps complete. Operations without scopes (capture, operator
 * endpoints) get no requirement.
 *
 * <p>Runs when the application is built ({@link OpenApiFilter.RunStage#BUILD}): the document in the package already
 * carries the scopes, so no function reflects over the resource classes when it starts.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class ApiSchemaFilter implements OASFilter {
    static final String SCHEME = "PersonalAPIKeyAuth";

    private final Map<String, RequiresScopes> byOperationId = new HashMap<>();

    public ApiSchemaFilter() {
        RegisterForReflection list = NativeReflection.class.getAnnotation(RegisterForReflection.class);
        for (Class<?> type : list.targets()) {
            if (type.getAnnotation(Path.class) == null) {
                continue;
            }
            RequiresScopes onClass = type.getAnnotation(RequiresScopes.class);
            for (Method method : type.getDeclaredMethods()) {
                RequiresScopes scopes = method.getAnnotation(RequiresScopes.class);
                if (scopes == null) {
                    scopes = onClass;
                }
                if (scopes != null) {
                    byOperationId.put(type.getSimpleName() + "_" + method.getName(), scopes);
                }
            }
        }
    }

    @Override
    public Operation filterOperation(Operation operation) {
        RequiresScopes scopes = operation.getOperationId() == null ? null : byOperationId.get(operation.getOperationId());
        if (scopes == null) {
            return operation;
        }
        List<String> required = new ArrayList<>(Arrays.asList(scopes.value()));
        operation.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme(SCHEME, required));
        operation.addExtension("x-required-scopes", required);
        if (scopes.anyOf().length > 0) {
            operation.addExtension("x-required-scopes-any-of", Arrays.asList(scopes.anyOf()));
        }
        return operation;
    }

    /**
     * Also drops the operator routes ({@code /admin/*}, {@code /internal/*}: project provisioning, key rolling, rollup
     * folds) from the document: PostHog's {@code /api/schema/} describes its public API only, and the operator routes
     * answer only the operator's credentials.
     */
    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() != null && openAPI.getPaths().getPathItems() != null) {
            for (String path : new ArrayList<>(openAPI.getPaths().getPathItems().keySet())) {
                if (isOperatorRoute(path)) {
                    openAPI.getPaths().removePathItem(path);
                }
            }
            dropUnreferencedSchemas(openAPI);
        }
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("A personal API key (phx_…): Authorization: Bearer <key>"));
    }

    /** {@code /admin} and {@code /internal} and everything under them. */
    static boolean isOperatorRoute(String path) {
        return path.equals("/admin") || path.startsWith("/admin/") || path.equals("/internal")
                || path.startsWith("/internal/");
    }

    /** The component schemas that only the dropped operator routes used (their request and answer bodies). */
    private static void dropUnreferencedSchemas(OpenAPI openAPI) {
        if (openAPI.getComponents() == null || openAPI.getComponents().getSchemas() == null) {
            return;
        }
        Map<String, Schema> components = openAPI.getComponents().getSchemas();
        Set<String> used = new HashSet<>();
        Deque<Schema> pending = new ArrayDeque<>();
        for (PathItem item : openAPI.getPaths().getPathItems().values()) {
            for (Operation op : item.getOperations().values()) {
                if (op.getParameters() != null) {
                    op.getParameters().forEach(p -> addSchemas(p.getSchema(), p.getContent(), pending));
                }
                if (op.getRequestBody() != null) {
                    addSchemas(null, op.getRequestBody().getContent(), pending);
                }
                if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
                    op.getResponses().getAPIResponses().values().forEach(r -> addSchemas(null, r.getContent(), pending));
                }
            }
        }
        while (!pending.isEmpty()) {
            Schema schema = pending.pop();
            if (schema.getRef() != null) {
                String name = schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1);
                if (used.add(name) && components.get(name) != null) {
                    pending.push(components.get(name));
                }
            }
            if (schema.getProperties() != null) {
                schema.getProperties().values().forEach(pending::push);
            }
            for (List<Schema> list : Arrays.asList(schema.getAllOf(), schema.getAnyOf(), schema.getOneOf())) {
                if (list != null) {
                    list.forEach(pending::push);
                }
            }
            if (schema.getItems() != null) {
                pending.push(schema.getItems());
            }
            if (schema.getAdditionalPropertiesSchema() != null) {
                pending.push(schema.getAdditionalPropertiesSchema());
            }
            if (schema.getNot() != null) {
                pending.push(schema.getNot());
            }
        }
        for (String name : new ArrayList<>(components.keySet())) {
            if (!used.contains(name)) {
                openAPI.getComponents().removeSchema(name);
            }
        }
    }

    private static void addSchemas(Schema schema, Content content, Deque<Schema> pending) {
        if (schema != null) {
            pending.push(schema);
        }
        if (content != null && content.getMediaTypes() != null) {
            for (MediaType media : content.getMediaTypes().values()) {
                if (media.getSchema() != null) {
                    pending.push(media.getSchema());
                }
            }
        }
    }
}
