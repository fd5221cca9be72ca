package dev.quarry.flags;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.AuthFilter;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.capture.ProjectTokens;
import dev.quarry.data.Teams;
import dev.quarry.groups.Groups;
import dev.quarry.web.AuthenticationException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * The flag definitions PostHog's server SDKs poll for local evaluation when given a personal API key (or secret key):
 * posthog-node's {@code GET /flags/definitions?token=<project token>&send_cohorts}, and the older
 * {@code GET /api/feature_flag/local_evaluation/?token=…&send_cohorts} other SDKs call, with
 * {@code Authorization: Bearer <key>}. Quarry keeps no feature flags, so the answer is the one PostHog gives a project
 * without any: {@code {"flags": [], "group_type_mapping": {"0": "company", …}, "cohorts": {}}}, the project's group
 * types by index as strings. The SDK then evaluates every flag locally as absent instead of logging a 404 on every
 * poll. The key needs {@code feature_flag:read} (403) and must reach the project the token names (403, PostHog's
 * "You don't have access to the project."); no token is a 400 naming {@code token}, an unknown one PostHog's 401.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class FlagDefinitionsResource {
    private final ObjectMapper mapper;
    private final ProjectTokens tokens;
    private final Teams teams;
    private final Groups groups;
    private final RequestAuth auth;

    public FlagDefinitionsResource(ObjectMapper mapper, ProjectTokens tokens, Teams teams, Groups groups,
                                   RequestAuth auth) {
        this.mapper = mapper;
        this.tokens = tokens;
        this.teams = teams;
        this.groups = groups;
        this.auth = auth;
    }

    /** posthog-node's poll. */
    @GET
    @Path("flags/definitions")
    @RequiresScopes("feature_flag:read")
    public Uni<ObjectNode> definitions(@QueryParam("token") String token) {
        return answer(token);
    }

    /** The poll of posthog-python, -ruby, -go and the other server SDKs. */
    @GET
    @Path("api/feature_flag/local_evaluation")
    @RequiresScopes("feature_flag:read")
    public Uni<ObjectNode> localEvaluation(@QueryParam("token") String token) {
        return answer(token);
    }

    private Uni<ObjectNode> answer(String token) {
        if (token == null || token.isBlank()) {
            throw new ValidationException("token is required: the project API key the flags are for", "token");
        }
        return tokens.teamIdOf(token)
                .onItem().ifNull().failWith(() -> AuthenticationException.failed(FlagsResource.BAD_TOKEN))
                .flatMap(teams::findById)
                .invoke(team -> AuthFilter.checkAccess(auth.key(), team, List.of(), List.of()))
                .flatMap(team -> groups.types(team.id()))
                .map(types -> {
                    ObjectNode out = mapper.createObjectNode();
                    out.putArray("flags");
                    ObjectNode mapping = out.putObject("group_type_mapping");
                    types.forEach(t -> mapping.put(String.valueOf(t.groupTypeIndex()), t.groupType()));
                    out.putObject("cohorts");
                    return out;
                });
    }
}
