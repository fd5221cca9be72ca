package dev.quarry.deploy;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every JAX-RS route in the compiled application: the resource classes found in target/classes. */
final class JaxRsRoutes {
    record Route(String method, String path, String declaredBy) {
        /** The path with each template parameter replaced by a sample value, as a client would send it. */
        String sample() {
            return path.replaceAll("\\{[^}]+}", "42");
        }
    }

    private JaxRsRoutes() {
    }

    static List<Route> all() {
        java.nio.file.Path classes = java.nio.file.Path.of("target", "classes");
        List<Route> routes = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.walk(classes.resolve("dev/quarry"))) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, JaxRsRoutes.class.getClassLoader());
                Path classPath = type.getAnnotation(Path.class);
                if (classPath == null) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    String httpMethod = httpMethod(method);
                    if (httpMethod == null) {
                        continue; // a sub-resource locator or a helper
                    }
                    Path methodPath = method.getAnnotation(Path.class);
                    routes.add(new Route(httpMethod, join(classPath.value(), methodPath == null ? "" : methodPath.value()),
                            type.getSimpleName() + "." + method.getName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return routes;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    static String join(String classPath, String methodPath) {
        String joined = ("/" + classPath + "/" + methodPath).replaceAll("\\{\\s*([^}:\\s]+)\\s*:[^}]*}", "{$1}")
                .replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }
}
