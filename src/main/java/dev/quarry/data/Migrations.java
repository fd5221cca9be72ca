package dev.quarry.data;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

/**
 * The schema's migrations (Flyway, {@code src/main/resources/db/migration}), run over one plain JDBC connection
 * that is opened for the run and closed after it: no JDBC pool, transaction manager or Flyway bean exists in the
 * application otherwise, so a function start pays for none of them.
 *
 * <p>Who runs them: the deploy step (the deploy package's {@code MigrationFunction}) once per deploy; and, at start,
 * the local run and the tests ({@code quarry.migrate-at-start}, true in the dev and test profiles, else
 * {@code QUARRY_MIGRATE_AT_START}, false on AWS). At start they run before any other start-up observer (the local
 * demo, the scheduler) touches the database.
 */
@Singleton
public class Migrations {
    private static final Logger LOG = Logger.getLogger(Migrations.class);

    private final boolean atStart;
    private final String reactiveUrl;
    private final String user;
    private final String password;

    public Migrations(@ConfigProperty(name = "quarry.migrate-at-start", defaultValue = "false") boolean atStart,
                      @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                      @ConfigProperty(name = "quarkus.datasource.username") String user,
                      @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.atStart = atStart;
        this.reactiveUrl = reactiveUrl;
        this.user = user;
        this.password = password;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (atStart) {
            MigrateResult result = migrate();
            LOG.infof("Applied %d migrations at start; schema at %s", result.migrationsExecuted,
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion);
        }
    }

    /** Brings the schema to the newest migration; throws Flyway's exception when one fails (nothing half-applied). */
    public MigrateResult migrate() {
        return Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(jdbcUrl(reactiveUrl), user, password)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** The reactive client's URL ({@code [vertx-reactive:]postgresql://host:port/db?…}) as pgJDBC spells it. */
    static String jdbcUrl(String reactiveUrl) {
        String url = reactiveUrl.trim();
        if (url.startsWith("vertx-reactive:")) {
            url = url.substring("vertx-reactive:".length());
        }
        if (url.startsWith("postgres://")) {
            url = "postgresql://" + url.substring("postgres://".length());
        }
        return url.startsWith("jdbc:") ? url : "jdbc:" + url;
    }
}
