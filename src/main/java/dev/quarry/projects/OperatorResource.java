package dev.quarry.projects;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.capture.IllegalIdMerges;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.web.NotFoundException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/**
 * The operator's path: create projects and keys (the key is shown once, in the response), seed demo data.
 * Disabled unless QUARRY_OPERATOR_SECRET is set; callers send it as X-Quarry-Operator-Secret.
 */
@Path("/admin/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OperatorResource {
    private final ProjectProvisioning provisioning;
    private final DemoData demoData;
    private final Teams teams;
    private final OperatorSecret operatorSecret;
    private final IllegalIdMerges illegalIdMerges;

    public OperatorResource(ProjectProvisioning provisioning, DemoData demoData, Teams teams,
                            OperatorSecret operatorSecret, IllegalIdMerges illegalIdMerges) {
        this.provisioning = provisioning;
        this.demoData = demoData;
        this.teams = teams;
        this.operatorSecret = operatorSecret;
        this.illegalIdMerges = illegalIdMerges;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CreateProject(String name, String timezone, String ownerEmail, String keyLabel, List<String> scopes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CreateKey(String label, List<String> scopes, List<Long> scopedTeams) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SeedDemoData(Integer persons, Integer days, Long seed) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record KeyView(String id, String label, String value, List<String> scopes, List<Long> scopedTeams) {
        static KeyView of(ProjectProvisioning.IssuedKey key) {
            return new KeyView(key.id(), key.label(), key.value(), key.scopes(), key.scopedTeams());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ProjectCreated(long id, UUID organization, String name, String apiToken, String timezone,
                                 long ownerUserId, KeyView personalApiKey) {
    }

    @POST
    @io.smallrye.common.annotation.Blocking
    public Uni<ProjectCreated> create(@HeaderParam("X-Quarry-Operator-Secret") String secret, CreateProject body) {
        authorize(secret);
        if (body == null || body.name() == null || body.name().isBlank()) {
            throw new ValidationException("This field is required.", "name");
        }
        String owner = body.ownerEmail() == null ? "owner+" + UUID.randomUUID() + "@quarry.local" : body.ownerEmail();
        return provisioning.createProject(body.name(), body.timezone() == null ? "UTC" : body.timezone(), owner,
                        body.keyLabel() == null ? "operator key" : body.keyLabel(),
                        body.scopes() == null ? List.of("*") : body.scopes())
                .map(created -> new ProjectCreated(created.team().id(), created.team().organizationId(),
                        created.team().name(), created.team().apiToken(), created.team().timezone(),
                        created.owner().id(), KeyView.of(created.key())));
    }

    @POST
    @Path("{id}/keys")
    @io.smallrye.common.annotation.Blocking
    public Uni<KeyView> createKey(@HeaderParam("X-Quarry-Operator-Secret") String secret, @PathParam("id") long id,
                                  CreateKey body) {
        authorize(secret);
        CreateKey request = body == null ? new CreateKey(null, null, null) : body;
        return teamOrNotFound(id)
                .flatMap(team -> provisioning.ownerOf(team))
                .flatMap(ownerId -> provisioning.createKey(ownerId,
                        request.label() == null ? "operator key" : request.label(),
                        request.scopes() == null ? List.of("*") : request.scopes(),
                        request.scopedTeams() == null ? List.of() : request.scopedTeams()))
                .map(KeyView::of);
    }

    @POST
    @Path("{id}/demo-data")
    @io.smallrye.common.annotation.Blocking
    public Uni<DemoData.Summary> seed(@HeaderParam("X-Quarry-Operator-Secret") String secret,
                                      @PathParam("id") long id, SeedDemoData body) {
        authorize(secret);
        SeedDemoData request = body == null ? new SeedDemoData(null, null, null) : body;
        int persons = request.persons() == null ? 2000 : request.persons();
        int days = request.days() == null ? 30 : request.days();
        if (persons < 1 || persons > 200_000) {
            throw new ValidationException("persons must be between 1 and 200000", "persons");
        }
        if (days < 1 || days > 365) {
            throw new ValidationException("days must be between 1 and 365", "days");
        }
        return teamOrNotFound(id).flatMap(team -> demoData.seed(team, persons, days,
                request.seed() == null ? 42L : request.seed()));
    }

    /**
     * Persons of the project that hold a placeholder distinct id (capture's illegal-id list) beside other ids: merged
     * through it before capture refused such merges. A listing only; nothing is changed.
     */
    @GET
    @Path("{id}/illegal-id-merges")
    public Uni<IllegalIdMerges.Suspects> illegalIdMerges(@HeaderParam("X-Quarry-Operator-Secret") String secret,
                                                         @PathParam("id") long id) {
        authorize(secret);
        return teamOrNotFound(id).flatMap(team -> illegalIdMerges.list(team.id()));
    }

    private Uni<Team> teamOrNotFound(long id) {
        return teams.findById(id).onItem().ifNull().failWith(() -> new NotFoundException("Project not found."));
    }

    private void authorize(String secret) {
        operatorSecret.check(secret);
    }
}
