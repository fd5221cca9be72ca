package dev.quarry.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.stream.StreamSupport;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

/**
 * The start-up settings the packaged function relies on (README "Start-up round five"), read from the function
 * build's own running configuration, so that a change which drops one fails the build instead of quietly costing
 * start-up time:
 * <ul>
 * <li>{@code quarkus.config.sources.system-only=true}: at run time the function reads environment variables and
 * system properties only; no configuration file is looked up through the class loaders (each lookup searched the runner
 * jar and all of {@code lib/}), and every value of application.properties, profiles included, still applies because
 * the build recorded them as defaults.</li>
 * <li>{@code quarkus.hibernate-orm.database.start-offline=true}: Hibernate Reactive opens no connection at boot (it
 * used to, for a database version check), so a function's first connection is the first request's, and a SnapStart
 * snapshot holds none.</li>
 * <li>No OpenAPI extension (pom.xml, profile {@code api-schema}): it rebuilt the document at every start (README
 * "Start-up round six"); {@link ApiSchemaResource} serves the default build's documents instead.</li>
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class StartupSettingsTest {

    @Test
    void noConfigurationFileIsReadAtRunTime() {
        Config config = ConfigProvider.getConfig();
        List<String> fileSources = StreamSupport.stream(config.getConfigSources().spliterator(), false)
                .map(ConfigSource::getName)
                .filter(name -> name.contains("application.properties") || name.contains("microprofile-config.properties")
                        || name.contains("application.yaml") || name.endsWith(".env"))
                .toList();
        assertEquals(List.of(), fileSources, "configuration files read at run time");
    }

    @Test
    void applicationPropertiesStillApplyThroughTheRecordedDefaults() {
        Config config = ConfigProvider.getConfig();
        // Plain keys and %test profile keys of application.properties (the profile's value over the plain one).
        assertEquals(8388608, config.getValue("quarry.http.max-body-bytes", Integer.class));
        assertEquals(true, config.getValue("quarkus.datasource.reactive.cache-prepared-statements", Boolean.class));
        assertEquals("test-operator-secret", config.getValue("quarry.operator-secret", String.class));
        assertEquals("off", config.getValue("quarry.rollups.fold-every", String.class));
        // And the environment still wins over them (the test resource's database, given as overrides).
        assertTrue(config.getValue("quarkus.datasource.reactive.url", String.class).contains("localhost"),
                "the test database's URL");
    }

    @Test
    void theOpenApiExtensionIsLeftOut() {
        for (String name : List.of("io.quarkus.smallrye.openapi.runtime.OpenApiDocumentService",
                "io.smallrye.openapi.api.SmallRyeOpenAPI")) {
            assertThrows(ClassNotFoundException.class,
                    () -> Class.forName(name, false, Thread.currentThread().getContextClassLoader()), name);
        }
    }

    @Test
    void hibernateStartsOffline() {
        assertEquals(true, ConfigProvider.getConfig().getValue("quarkus.hibernate-orm.database.start-offline", Boolean.class));
    }
}
