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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
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
     * answer only the operator's credentials. And makes the document valid OpenAPI 3: every templated segment of a
     * path is declared as a path parameter (the class-level {@code {project_id}} of the project routes, which no
     * method reads, was not: 62 operations), and paths that differ only in their parameter names
     * ({@code persons/{id}} and {@code persons/{uuid}}, which OpenAPI counts as one path) are one path item.
     */
    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() != null && openAPI.getPaths().getPathItems() != null) {
            for (String path : new ArrayList<>(openAPI.getPaths().getPathItems().keySet())) {
                if (isOperatorRoute(path)) {
                    openAPI.getPaths().removePathItem(path);
                }
            }
            mergeEquivalentPaths(openAPI);
            declarePathParameters(openAPI);
            dropUnreferencedSchemas(openAPI);
        }
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("A personal API key (phx_…): Authorization: Bearer <key>"));
    }

    private static final Pattern TEMPLATED = Pattern.compile("\\{([^}]+)}");

    /** The names of a path's templated segments, in order ({@code /a/{x}/b/{y}} → x, y). */
    static List<String> templateNames(String path) {
        List<String> names = new ArrayList<>();
        Matcher m = TEMPLATED.matcher(path);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Paths equal but for their parameter names are one path to OpenAPI: their operations move to the first one's
     * item, each operation's path parameters renamed to that path's names (position by position). Two operations of
     * one method on such paths cannot be merged and fail the build.
     */
    private static void mergeEquivalentPaths(OpenAPI openAPI) {
        Map<String, String> firstByShape = new HashMap<>();
        for (String path : new ArrayList<>(openAPI.getPaths().getPathItems().keySet())) {
            String shape = TEMPLATED.matcher(path).replaceAll("{}");
            String first = firstByShape.putIfAbsent(shape, path);
            if (first == null || first.equals(path)) {
                continue;
            }
            PathItem into = openAPI.getPaths().getPathItem(first);
            List<String> from = templateNames(path);
            List<String> to = templateNames(first);
            for (Map.Entry<PathItem.HttpMethod, Operation> op : openAPI.getPaths().getPathItem(path).getOperations().entrySet()) {
                if (into.getOperations().containsKey(op.getKey())) {
                    throw new IllegalStateException("Two " + op.getKey() + " operations on one OpenAPI path: " + first
                            + " and " + path);
                }
                if (op.getValue().getParameters() != null) {
                    for (Parameter parameter : op.getValue().getParameters()) {
                        int at = parameter.getIn() == Parameter.In.PATH ? from.indexOf(parameter.getName()) : -1;
                        if (at >= 0) {
                            parameter.setName(to.get(at));
                        }
                    }
                }
                into.setOperation(op.getKey(), op.getValue());
            }
            openAPI.getPaths().removePathItem(path);
        }
    }

    /**
     * Every templated segment is declared as a required string path parameter of each operation that does not declare
     * it ({@code project_id}: PostHog's numeric project id, also accepted as {@code @current}).
     */
    private static void declarePathParameters(OpenAPI openAPI) {
        for (Map.Entry<String, PathItem> entry : openAPI.getPaths().getPathItems().entrySet()) {
            List<String> names = templateNames(entry.getKey());
            for (Operation op : entry.getValue().getOperations().values()) {
                Set<String> declared = new HashSet<>();
                for (List<Parameter> list : Arrays.asList(entry.getValue().getParameters(), op.getParameters())) {
                    if (list != null) {
                        list.stream().filter(p -> p.getIn() == Parameter.In.PATH).forEach(p -> declared.add(p.getName()));
                    }
                }
                for (int i = names.size() - 1; i >= 0; i--) {
                    String name = names.get(i);
                    if (declared.contains(name)) {
                        continue;
                    }
                    Parameter parameter = OASFactory.createParameter().name(name).in(Parameter.In.PATH).required(true)
                            .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING));
                    if (name.equals("project_id")) {
                        parameter.description("The project's numeric id (or @current: the key's current project).");
                    }
                    List<Parameter> parameters = new ArrayList<>();
                    parameters.add(parameter);
                    if (op.getParameters() != null) {
                        parameters.addAll(op.getParameters());
                    }
                    op.setParameters(parameters);
                }
            }
        }
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
