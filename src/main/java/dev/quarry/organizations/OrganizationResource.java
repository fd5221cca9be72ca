package dev.quarry.organizations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.data.ApiKey;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.QueryValues;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.PermissionDeniedException;
import io.smallrye.mutiny.Uni;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.projects.ProjectSettings;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/**
 * PostHog's organization endpoints, as far as a personal API key sees them: {@code GET /api/organizations/} (the
 * key's one organization), {@code GET /api/organizations/:id/} ({@code @current} too), its projects
 * ({@code projects/}, only those the key is scoped to) and one project ({@code projects/:project_id/}). The id is
 * the one {@code GET /api/users/@me/} gives as {@code organization.id}. Another organization is a 404, one outside
 * the key's scoped organizations a 403. Scope {@code organization:read}. {@code PATCH projects/:project_id/} changes
 * the project's settings as {@code PATCH /api/projects/:id/} does ({@link ProjectSettings}; scope
 * {@code project:write}): PostHog's CLI tool {@code project-settings-update} calls this path. {@code GET members/}
 * lists the organization's active users as PostHog's OrganizationMemberSerializer shows them (scope
 * {@code organization_member:read}; the CLI's {@code org-members-list}).
 */
@Path("/api/organizations")
@Produces(MediaType.APPLICATION_JSON)
public class OrganizationResource {
    private final RequestAuth auth;
    private final Organizations organizations;
    private final ObjectMapper mapper;
    private final ProjectSettings settings;

    public OrganizationResource(RequestAuth auth, Organizations organizations, ObjectMapper mapper,
                                ProjectSettings settings) {
        this.auth = auth;
        this.settings = settings;
        this.organizations = organizations;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes("organization:read")
    public Uni<ObjectNode> list() {
        ApiKey key = auth.key();
        return organization(key.organizationId().toString()).map(org -> {
            ObjectNode body = mapper.createObjectNode();
            body.put("count", 1);
            body.putNull("next");
            body.putNull("previous");
            body.putArray("results").add(org);
            return body;
        });
    }

    @GET
    @Path("{organization_id}")
    @RequiresScopes("organization:read")
    public Uni<ObjectNode> get(@PathParam("organization_id") String id) {
        return organization(id);
    }

    @GET
    @Path("{organization_id}/projects")
    @RequiresScopes("organization:read")
    public Uni<ObjectNode> projects(@PathParam("organization_id") String id, @QueryParam("limit") String limit,
                                    @QueryParam("offset") String offset, @Context HttpServerRequest request) {
        UUID org = accessible(id);
        LimitOffset page = projectsPageOf(limit, offset);
        return organizations.projects(org, auth.key())
                .map(projects -> projectsPage(mapper, page, request.absoluteURI(), projects));
    }

    @GET
    @Path("{organization_id}/projects/{project_id}")
    @RequiresScopes({"organization:read", "project:read"})
    public Uni<ObjectNode> project(@PathParam("organization_id") String id, @PathParam("project_id") String projectId) {
        UUID org = accessible(id);
        long teamId = auth.teamId();
        return organizations.projects(org, auth.key()).map(projects -> projects.stream()
                .filter(p -> p.id() == teamId).findFirst().map(this::project)
                .orElseThrow(() -> new NotFoundException("Not found.")));
    }

    @PATCH
    @Path("{organization_id}/projects/{project_id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresScopes("project:write")
    @io.smallrye.common.annotation.Blocking
    public Uni<ObjectNode> updateProject(@PathParam("organization_id") String id,
                                         @PathParam("project_id") String projectId, JsonNode body) {
        UUID org = accessible(id);
        if (!org.equals(auth.team().organizationId())) {
            throw new NotFoundException("Not found.");
        }
        return settings.update(auth.team(), body);
    }

    /**
     * PostHog's {@code GET /api/organizations/:id/members/}: every active user of the organization, oldest first, as
     * {@code {id, user: {id, uuid, distinct_id, first_name, last_name, email, is_email_verified}, level, joined_at,
     * updated_at, is_2fa_enabled, has_social_auth, last_login}} in one page ({@code count}, {@code next},
     * {@code previous}, {@code results}). A Quarry user owns its organization (PostHog's level 15, owner); the
     * membership id is derived from the organization and the user, as Quarry keeps no membership rows.
     */
    @GET
    @Path("{organization_id}/members")
    @RequiresScopes("organization_member:read")
    public Uni<ObjectNode> members(@PathParam("organization_id") String id) {
        UUID org = accessible(id);
        return organizations.members(org).map(members -> {
            ObjectNode body = mapper.createObjectNode();
            body.put("count", members.size());
            body.putNull("next");
            body.putNull("previous");
            ArrayNode results = body.putArray("results");
            for (Organizations.Member m : members) {
                ObjectNode member = results.addObject();
                member.put("id", UUID.nameUUIDFromBytes((org + "/" + m.user().uuid())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
                member.set("user", dev.quarry.data.UserBasic.json(mapper.getNodeFactory(), m.user()));
                member.put("level", 15);
                member.put("joined_at", QueryValues.timestamp(m.joinedAt()));
                member.put("updated_at", QueryValues.timestamp(m.joinedAt()));
                member.put("is_2fa_enabled", false);
                member.put("has_social_auth", false);
                member.putNull("last_login");
            }
            return body;
        });
    }

    private Uni<ObjectNode> organization(String id) {
        UUID org = accessible(id);
        return organizations.find(org).onItem().ifNull().failWith(() -> new NotFoundException("Not found."))
                .flatMap(o -> organizations.projects(org, auth.key()).map(projects -> view(o, projects)));
    }

    /** The organization id of the path when the key may read it (its own organization, within its scopes). */
    private UUID accessible(String id) {
        ApiKey key = auth.key();
        UUID org;
        if ("@current".equals(id)) {
            org = key.organizationId();
        } else {
            try {
                org = id.length() == 36 ? UUID.fromString(id) : null;
            } catch (IllegalArgumentException e) {
                org = null;
            }
        }
        if (org == null || !org.equals(key.organizationId())) {
            throw new NotFoundException("Not found.");
        }
        if (!key.scopedOrganizations().isEmpty() && !key.scopedOrganizations().contains(org.toString())) {
            throw new PermissionDeniedException("API key does not have access to the requested organization: ID " + org + ".");
        }
        return org;
    }

    private ObjectNode view(Organizations.Org org, List<Organizations.Project> projects) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", org.id().toString());
        o.put("name", org.name());
        o.put("slug", slug(org.name()));
        o.putNull("logo_media_id");
        o.put("created_at", QueryValues.timestamp(org.createdAt()));
        o.put("updated_at", QueryValues.timestamp(org.createdAt()));
        o.put("membership_level", 15);
        o.put("plugins_access_level", 9);
        ArrayNode teams = o.putArray("teams");
        ArrayNode projectRefs = o.putArray("projects");
        for (Organizations.Project p : projects) {
            ObjectNode team = teams.addObject();
            team.put("id", p.id());
            team.put("uuid", p.uuid().toString());
            team.put("organization", p.organizationId().toString());
            team.put("project_id", p.id());
            team.put("api_token", p.apiToken());
            team.put("name", p.name());
            team.put("completed_snippet_onboarding", true);
            team.put("ingested_event", p.ingestedEvent());
            team.put("is_demo", false);
            team.put("timezone", p.timezone());
            projectRefs.addObject().put("id", p.id()).put("name", p.name()).put("organization_id", p.organizationId().toString());
        }
        o.putArray("available_product_features");
        o.put("is_member_join_email_enabled", false);
        o.putObject("metadata");
        o.putNull("customer_id");
        o.putNull("enforce_2fa");
        o.put("member_count", org.memberCount());
        return o;
    }

    private ObjectNode project(Organizations.Project p) {
        return project(mapper, p);
    }

    /**
     * The limit and offset of a projects list: DRF's LimitOffsetPagination with PostHog's page size of 100 (a larger
     * limit is cut to 1,000); a limit that is not an integer is a 400 naming {@code limit}.
     */
    static LimitOffset projectsPageOf(String limit, String offset) {
        return LimitOffset.parse(limit, offset, 100, 1000);
    }

    /**
     * One DRF page ({@code {count, next, previous, results}}) of the projects (every one the key may see, in id
     * order), each as {@link #project} shows it, the links built from {@code requestUrl}. Projects are made by the operator only, so the whole list is
     * small enough to read before it is cut to the page.
     */
    static ObjectNode projectsPage(ObjectMapper mapper, LimitOffset page, String requestUrl,
                                   List<Organizations.Project> projects) {
        int from = Math.min(page.offset(), projects.size());
        int to = (int) Math.min((long) from + page.limit(), projects.size());
        return page.json(mapper, requestUrl, projects.size(), projects.subList(from, to), p -> project(mapper, p));
    }

    /** One project as the organization's projects list (and PostHog's root projects list) show it. */
    static ObjectNode project(ObjectMapper mapper, Organizations.Project p) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", p.id());
        o.put("uuid", p.uuid().toString());
        o.put("organization", p.organizationId().toString());
        o.put("name", p.name());
        o.put("api_token", p.apiToken());
        o.put("timezone", p.timezone());
        o.put("created_at", QueryValues.timestamp(p.createdAt()));
        o.put("ingested_event", p.ingestedEvent());
        o.put("is_demo", false);
        return o;
    }

    private static String slug(String name) {
        String s = name.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return s.isEmpty() ? "organization" : s;
    }
}
