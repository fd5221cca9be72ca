package dev.quarry.local;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Where the database is. {@code QUARRY_DB_URL} (postgresql://host:port/db, with or without jdbc:) names an
 * external one. Without it, the dev profile (the local run) starts the embedded PostgreSQL server that the
 * build brings, with its data kept in {@code quarry.local.data-dir} across restarts. Tests bring their own.
 */
public class DatabaseConfigSourceFactory implements ConfigSourceFactory {
    private static final int ORDINAL = 275; // above application.properties, below env and system properties

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String external = value(context, "QUARRY_DB_URL");
        if (external != null && !external.isBlank()) {
            return List.of(source(urls(stripScheme(external))));
        }
        if (!context.getProfiles().contains("dev") || "false".equals(value(context, "quarry.local.embedded"))) {
            return List.of();
        }
        String dataDir = valueOr(context, "QUARRY_LOCAL_DIR", ".quarry");
        int port = Integer.parseInt(valueOr(context, "QUARRY_LOCAL_PG_PORT", "54329"));
        LocalPostgres.ensureRunning(Path.of(dataDir).toAbsolutePath(), port);
        Map<String, String> props = urls("localhost:" + port + "/postgres");
        props.put("quarkus.datasource.username", "postgres");
        props.put("quarkus.datasource.password", "postgres");
        return List.of(source(props));
    }

    private static Map<String, String> urls(String hostPortDb) {
        Map<String, String> props = new HashMap<>();
        props.put("quarry.db.reactive-url", "postgresql://" + hostPortDb);
        return props;
    }

    static String stripScheme(String url) {
        String rest = url.trim();
        for (String prefix : List.of("jdbc:", "vertx-reactive:", "postgresql://", "postgres://")) {
            if (rest.startsWith(prefix)) {
                rest = rest.substring(prefix.length());
            }
        }
        return rest;
    }

    private static ConfigSource source(Map<String, String> props) {
        return new PropertiesConfigSource(props, "quarry-database", ORDINAL);
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }

    private static String valueOr(ConfigSourceContext context, String name, String fallback) {
        String value = value(context, name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
