package dev.quarry.local;

import dev.quarry.data.Accounts;
import dev.quarry.data.ApiKeys;
import dev.quarry.data.Team;
import dev.quarry.data.Teams;
import dev.quarry.projects.DemoData;
import dev.quarry.projects.ProjectProvisioning;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;

/**
 * The local run's demo: on start, a demo project (with a few thousand persons of demo traffic the first time)
 * and a fresh personal API key with every scope, both printed. Keys are stored hashed, so each start replaces
 * the previous demo key with a new one rather than keeping a plain key anywhere.
 */
@ApplicationScoped
@IfBuildProfile("dev")
public class LocalDemo {
    static final String OWNER = "demo@quarry.local";
    static final String KEY_LABEL = "local demo key";

    private final Accounts accounts;
    private final ApiKeys apiKeys;
    private final Teams teams;
    private final ProjectProvisioning provisioning;
    private final DemoData demoData;
    private final String baseUrl;
    private final String dataDir;

    public LocalDemo(Accounts accounts, ApiKeys apiKeys, Teams teams, ProjectProvisioning provisioning,
                     DemoData demoData,
                     @ConfigProperty(name = "quarkus.http.host") String host,
                     @ConfigProperty(name = "quarkus.http.port") int port,
                     @ConfigProperty(name = "quarry.local.data-dir") String dataDir) {
        this.accounts = accounts;
        this.apiKeys = apiKeys;
        this.teams = teams;
        this.provisioning = provisioning;
        this.demoData = demoData;
        this.baseUrl = baseUrl(host, port);
        this.dataDir = dataDir;
    }

    /**
     * The address a local client reaches the server at: the bound host and port (QUARRY_HTTP_HOST,
     * QUARRY_HTTP_PORT), with a wildcard bind named by the loopback address.
     */
    static String baseUrl(String host, int port) {
        String reachable = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::")
                || host.equals("[::]") ? "127.0.0.1" : host;
        if (reachable.contains(":") && !reachable.startsWith("[")) {
            reachable = "[" + reachable + "]";
        }
        return "http://" + reachable + ":" + port;
    }

    void onStart(@Observes StartupEvent event) {
        Demo demo = existingProject()
                .flatMap(team -> team != null ? rotateKey(team)
                        : provisioning.createProject("Demo project", "UTC", OWNER, KEY_LABEL, List.of("*"))
                                .flatMap(created -> demoData.seed(created.team(), 2000, 30, 42L)
                                        .map(summary -> new Demo(created.team(), created.key().value()))))
                .await().atMost(Duration.ofMinutes(5));
        String base = baseUrl;
        System.out.printf("%n  Quarry is running on %s (embedded PostgreSQL, data in %s/)%n"
                        + "  Demo project: id %d, project API token %s%n"
                        + "  Personal API key (all scopes, shown once): %s%n"
                        + "  Try: curl -H \"Authorization: Bearer %s\" %s/api/projects/%d/%n%n",
                base, dataDir, demo.team().id(), demo.team().apiToken(), demo.key(), demo.key(), base, demo.team().id());
    }

    private record Demo(Team team, String key) {
    }

    private Uni<Team> existingProject() {
        return accounts.findUserByEmail(OWNER)
                .flatMap(owner -> owner == null ? Uni.createFrom().<Team>nullItem()
                        : teams.findFirstForOrganization(owner.organizationId(), List.of()));
    }

    private Uni<Demo> rotateKey(Team team) {
        return provisioning.ownerOf(team)
                .flatMap(owner -> apiKeys.deleteByLabel(owner, KEY_LABEL)
                        .flatMap(x -> provisioning.createKey(owner, KEY_LABEL, List.of("*"), List.of())))
                .map(key -> new Demo(team, key.value()));
    }
}
