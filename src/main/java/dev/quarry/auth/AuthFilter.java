package dev.quarry.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.ApiKey;
import dev.quarry.data.ApiKeys;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.AuthenticationException;
import dev.quarry.web.MethodNotAllowedException;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.PermissionDeniedException;
import dev.quarry.web.FormBody;
import dev.quarry.web.RequestBodyMediaType;
import dev.quarry.web.RouteTable;
import dev.quarry.web.UnreadBody;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The one gate in front of every endpoint that declares {@link RequiresScopes}: finds the personal API key,
 * checks it, resolves the project in the URL, and checks the key's scopes and projects. Failures are PostHog's
 * 401/403/404 bodies.
 */
public class AuthFilter {
    public static final String PROJECT_PARAM = "project_id";
    private static final String CURRENT = "@current";

    private final ApiKeys apiKeys;
    private final Teams teams;
    private final RequestAuth requestAuth;
    private final ObjectMapper mapper;
    private final Instance<AdmissionCheck> admissionChecks;
    private final RouteTable routes;

    public AuthFilter(ApiKeys apiKeys, Teams teams, RequestAuth requestAuth, ObjectMapper mapper,
                      Instance<AdmissionCheck> admissionChecks, RouteTable routes) {
        this.routes = routes;
        this.apiKeys = apiKeys;
        this.teams = teams;
        this.requestAuth = requestAuth;
        this.mapper = mapper;
        this.admissionChecks = admissionChecks;
    }

    @SuppressWarnings("deprecation") // readBody: the key may be in the JSON body, PostHog's second place to look
    @ServerRequestFilter(readBody = true)
    public Uni<Void> authenticate(ContainerRequestContext request, ResourceInfo resource) {
        FormBody.readInto(request, mapper);
        RequiresScopes requirement = requirementOf(resource);
        if (requirement == null) {
            refuseUnparsedBody(request, resource);
            return Uni.createFrom().voidItem();
        }
        // no key in the Authorization header: PostHog looks in request.data next, and parsing a body it has no
        // parser for is its 415 (posthog/auth.py find_key_with_source; DRF Request._parse)
        if (PresentedKey.find(request.getHeaderString(HttpHeaders.AUTHORIZATION), null, null, mapper).isEmpty()) {
            refuseUnparsedBody(request, resource);
        }
        PresentedKey presented = PresentedKey.find(request.getHeaderString(HttpHeaders.AUTHORIZATION),
                        bodyOf(request), request.getUriInfo().getQueryParameters().getFirst("personal_api_key"), mapper)
                .orElseThrow(AuthenticationException::notAuthenticated);
        String projectParam = request.getUriInfo().getPathParameters().getFirst(PROJECT_PARAM);
        return letIn(presented, projectParam, Arrays.asList(requirement.value()), Arrays.asList(requirement.anyOf()))
                .call(found -> admit(request, found.key(), found.team()))
                .invoke(found -> refuseUnparsedBody(request, resource))
                .replaceWithVoid();
    }

    /** A key let in for the project in the URL (null team on endpoints without one). */
    private record Admitted(ApiKey key, Team team) {
    }

    /**
     * DRF's {@code initial()} for a key: the key (401), the project in the URL (404), the key's scopes and projects
     * (403); the key's last use recorded and the request's {@link RequestAuth} set once it is let in.
     */
    private Uni<Admitted> letIn(PresentedKey presented, String projectParam, List<String> required, List<String> anyOf) {
        // One statement checks the key and reads the project named by a numeric id; @current needs the key first.
        Long projectId = projectIdOf(projectParam);
        return apiKeys.findWithTeam(PersonalApiKeyTokens.secureValue(presented.value()), projectId)
                .onItem().transformToUni(found -> {
                    if (found == null || !found.key().userActive()) {
                        throw AuthenticationException.failed("Personal API key found in request "
                                + presented.source().description() + " is invalid.");
                    }
                    ApiKey key = found.key();
                    return resolveTeam(projectParam, projectId, found)
                            .invoke(team -> checkAccess(key, team, required, anyOf))
                            .call(team -> apiKeys.touchIfStale(key))
                            .invoke(team -> requestAuth.set(key, team))
                            .map(team -> new Admitted(key, team));
                });
    }

    /**
     * A method the route does not take (say {@code POST persons/}, or {@code DELETE persons/funnel/}, which PostHog's
     * router gives to the {@code funnel} action before the {@code persons/:id} route): DRF's 405 with {@code Allow},
     * but only after what DRF's {@code APIView.dispatch} runs before it picks the handler ({@code initial()}: the
     * key, the project, the permission checks). So no key is a 401, a project the key cannot see answers as the
     * route's own methods do (404 / 403), and only a key let in gets the 405. The scopes asked are those every method
     * of the route asks: PostHog's {@code APIScopePermission} takes an action route's {@code required_scopes} for any
     * method, and derives none for a method with no action ({@code view.action} is None), where it refuses a personal
     * API key outright ("This action does not support personal API key access"); Quarry's keys work everywhere
     * (contract Part A 1), so there it asks no scope beyond the project's. Before routing, so that RESTEasy never
     * gives a literal action's path to a templated route's method. Throttles and quotas are not applied to a 405.
     */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 200)
    public Uni<Void> wrongMethod(ContainerRequestContext request, RoutingContext routing) {
        String method = request.getMethod();
        String path = request.getUriInfo().getPath();
        RouteTable.Route route = routes.routeOf(path).orElse(null);
        if (route == null || route.methods().contains(method)) {
            return Uni.createFrom().voidItem();
        }
        MethodNotAllowedException notAllowed = new MethodNotAllowedException(method); // AllowHeaderFilter: Allow
        if (!route.keyed()) {
            return Uni.createFrom().failure(notAllowed);
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String queryKey = request.getUriInfo().getQueryParameters().getFirst("personal_api_key");
        Uni<byte[]> body = Uni.createFrom().nullItem();
        if (PresentedKey.find(header, null, null, mapper).isEmpty()) {
            refuseUnparsedBody(request, null); // DRF looks in request.data next: a body it cannot parse is its 415
            if (RequestBodyMediaType.declaresBody(request)) {
                body = UnreadBody.read(routing, PresentedKey.MAX_BODY_BYTES);
            }
        }
        Object form = request.getProperty(FormBody.SENT_AS);
        return body.flatMap(bytes -> {
                    byte[] fields = bytes != null && form instanceof String type
                            ? FormBody.asJson(bytes, type, mapper) : bytes;
                    PresentedKey presented = PresentedKey.find(header, fields, queryKey, mapper)
                            .orElseThrow(AuthenticationException::notAuthenticated);
                    return letIn(presented, route.projectParam(path), route.commonScopes(), route.commonAnyOf());
                })
                .onItem().failWith(admitted -> notAllowed)
                .replaceWithVoid();
    }

    /**
     * DRF's 415 for a body it has no parser for (no Content-Type, or not JSON), which PostHog raises when the view
     * first reads {@code request.data}: after a key found in the Authorization header is checked (401), the project
     * found (404) and the scopes checked (403); before them when there is no key in the header, as PostHog then
     * looks for {@code personal_api_key} in {@code request.data}. Here rather than in a later filter so that the order
     * does not depend on how request filters reading the body are sorted.
     */
    private static void refuseUnparsedBody(ContainerRequestContext request, ResourceInfo resource) {
        RequestBodyMediaType.refused(request, resource).ifPresent(e -> {
            throw e;
        });
    }

    private Uni<Void> admit(ContainerRequestContext request, ApiKey key, Team team) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (AdmissionCheck check : admissionChecks) {
            all = all.call(x -> check.admit(request, key, team));
        }
        return all;
    }

    /** The project id in the URL when it is a number; null for none, {@code @current} or anything else. */
    private static Long projectIdOf(String projectParam) {
        if (projectParam == null || CURRENT.equals(projectParam)) {
            return null;
        }
        try {
            return Long.parseLong(projectParam);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Uni<Team> resolveTeam(String projectParam, Long projectId, ApiKeys.KeyAndTeam found) {
        if (projectParam == null) {
            return Uni.createFrom().nullItem();
        }
        if (CURRENT.equals(projectParam)) {
            return teams.findFirstForOrganization(found.key().organizationId(), found.key().scopedTeams())
                    .onItem().ifNull().failWith(() -> new NotFoundException("Project not found."));
        }
        if (projectId == null || found.team() == null) {
            return Uni.createFrom().failure(new NotFoundException("Project not found."));
        }
        return Uni.createFrom().item(found.team());
    }

    /**
     * The key's scopes ({@code required}, and one of {@code anyOf}) and its reach over {@code team} (null: none to
     * check), with PostHog's 403 messages.
     *
     * @throws PermissionDeniedException 403 when a scope is missing or the project is out of the key's reach
     */
    public static void checkAccess(ApiKey key, Team team, List<String> required, List<String> anyOf) {
        Scopes.firstMissing(key.scopes(), required).ifPresent(scope -> {
            throw new PermissionDeniedException("API key missing required scope '" + scope + "'");
        });
        if (!anyOf.isEmpty() && anyOf.stream().allMatch(scope -> Scopes.firstMissing(key.scopes(), List.of(scope)).isPresent())) {
            throw new PermissionDeniedException("API key missing required scope '" + String.join("' or '", anyOf) + "'");
        }
        if (team == null) {
            return;
        }
        if (!key.scopedTeams().isEmpty() && !key.scopedTeams().contains(team.id())) {
            throw new PermissionDeniedException(
                    "API key does not have access to the requested project: ID " + team.id() + ".");
        }
        if (!key.scopedOrganizations().isEmpty() && !key.scopedOrganizations().contains(team.organizationId().toString())) {
            throw new PermissionDeniedException(
                    "API key does not have access to the requested organization: ID " + team.organizationId() + ".");
        }
        if (!team.organizationId().equals(key.organizationId())) {
            throw new PermissionDeniedException("You don't have access to the project.");
        }
    }

    private static RequiresScopes requirementOf(ResourceInfo resource) {
        if (resource == null || resource.getResourceMethod() == null) {
            return null;
        }
        RequiresScopes onMethod = resource.getResourceMethod().getAnnotation(RequiresScopes.class);
        return onMethod != null ? onMethod : resource.getResourceClass().getAnnotation(RequiresScopes.class);
    }

    private static byte[] bodyOf(ContainerRequestContext request) {
        if (request.getHeaderString(HttpHeaders.AUTHORIZATION) != null || !request.hasEntity() || noBodySent(request)) {
            return null;
        }
        try (InputStream in = request.getEntityStream()) {
            byte[] body = in.readAllBytes();
            request.setEntityStream(new ByteArrayInputStream(body));
            return body;
        } catch (org.jboss.resteasy.reactive.common.core.BlockingNotAllowedException e) {
            // the route takes no body (readBody reads ahead only a body the resource method takes): no key in it
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * HTTP/1.1's rule: a request without {@code Content-Length} or {@code Transfer-Encoding} has no body. A GET with
     * only a {@code Content-Type} (posthog-node sends {@code application/json} on every request) has none to read,
     * and reading it would block the event loop the GET runs on.
     */
    private static boolean noBodySent(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return length.trim().equals("0");
        }
        return request.getHeaderString("Transfer-Encoding") == null;
    }
}
