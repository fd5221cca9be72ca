package dev.quarry.deploy;

import dev.quarry.auth.RequiresScopes;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
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

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("A personal API key (phx_…): Authorization: Bearer <key>"));
    }
}
