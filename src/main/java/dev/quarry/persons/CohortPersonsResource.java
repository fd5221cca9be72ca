package dev.quarry.persons;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.cohorts.Cohorts;
import dev.quarry.data.Team;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.Csv;
import dev.quarry.web.LimitOffset;
import dev.quarry.web.NotFoundException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * PostHog's {@code cohorts/:id/persons/} (the cohort viewset's persons action): the cohort's persons as the persons
 * list answers them ({@code {next, previous, results}}, newest first, {@code limit} default 100 and at most 1,000,
 * {@code offset}; {@code format=csv} PostHog's CSV of the persons, at most 10,000 a page). 404 for a cohort the
 * project does not have (or deleted); scopes {@code cohort:read} and {@code person:read}, as PostHog's action asks.
 */
@Path(ApiPaths.PROJECT + "/cohorts/{id}/persons")
public class CohortPersonsResource {
    private final RequestAuth auth;
    private final Cohorts cohorts;
    private final PersonDirectory directory;
    private final ObjectMapper mapper;

    public CohortPersonsResource(RequestAuth auth, Cohorts cohorts, PersonDirectory directory, ObjectMapper mapper) {
        this.auth = auth;
        this.cohorts = cohorts;
        this.directory = directory;
        this.mapper = mapper;
    }

    @GET
    @RequiresScopes({"cohort:read", "person:read"})
    @Produces({MediaType.APPLICATION_JSON, Csv.MEDIA_TYPE})
    public Uni<Response> persons(@PathParam("id") String id, @QueryParam("limit") String limit,
                                 @QueryParam("offset") String offset, @QueryParam("format") String format,
                                 @Context HttpServerRequest request) {
        Team team = auth.team();
        String url = request.absoluteURI();
        boolean csv = Csv.requested(format);
        LimitOffset page = LimitOffset.parse(limit, offset, 100, csv ? 10_000 : 1000);
        long cohortId;
        try {
            cohortId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new NotFoundException();
        }
        return cohorts.find(team.id(), cohortId).onItem().ifNull().failWith(NotFoundException::new)
                .flatMap(cohort -> directory.list(team, new PersonDirectory.Filter(null, null, null, null, cohort.id()),
                        page.limit(), page.offset()))
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(found -> PersonsApiResource.answer(mapper, page, found, csv, url));
    }
}
