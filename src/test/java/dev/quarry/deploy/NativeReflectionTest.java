package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every non-private record and enum (and any JPA entity and JAX-RS resource) is registered for reflection in the
 * native image: listed in {@link NativeReflection}, or annotated {@code @RegisterForReflection} itself.
 */
class NativeReflectionTest {
    @Test
    void everyRecordEnumAndEntityIsRegistered() throws IOException, ClassNotFoundException {
        RegisterForReflection registration = NativeReflection.class.getAnnotation(RegisterForReflection.class);
        Set<String> registered = new HashSet<>(List.of(registration.classNames()));
        for (Class<?> target : registration.targets()) {
            registered.add(target.getName());
        }
        Path classes = Path.of("target", "classes");
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes.resolve("dev/quarry"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, getClass().getClassLoader());
                boolean entity = type.isAnnotationPresent(jakarta.persistence.Entity.class)
                        || type.isAnnotationPresent(jakarta.ws.rs.Path.class);
                boolean value = (type.isRecord() || type.isEnum()) && !Modifier.isPrivate(type.getModifiers())
                        && type.getEnclosingMethod() == null;
                // a record may carry its own registration (the query schema records do, so that a new query kind
                // is added in one place)
                boolean selfRegistered = type.isAnnotationPresent(RegisterForReflection.class);
                if ((entity || value) && !registered.contains(type.getName()) && !selfRegistered) {
                    missing.add(type.getName());
                }
            }
        }
        assertEquals(List.of(), missing, "add these to dev.quarry.deploy.NativeReflection");
    }
}
