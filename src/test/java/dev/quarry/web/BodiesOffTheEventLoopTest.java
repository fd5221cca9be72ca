package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.common.annotation.Blocking;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every resource method that takes a request body to be deserialized (anything but {@code byte[]}) is {@code @Blocking} (on the method or its class), so that
 * RESTEasy Reactive reads and deserializes the body on a worker thread: a non-blocking method's body is parsed on
 * the Vert.x event loop that serves every project's requests and capture, and an 8 MB JSON body of numbers took
 * that loop for most of a second (the breaker's F2: another project's requests waited 1–8 s).
 */
class BodiesOffTheEventLoopTest {
    /** Parameters RESTEasy fills from somewhere other than the body. */
    private static final Set<String> NOT_BODY = Set.of("PathParam", "QueryParam", "HeaderParam", "Context",
            "BeanParam", "CookieParam", "FormParam", "MatrixParam", "RestPath", "RestQuery", "RestHeader", "RestForm",
            "RestCookie", "RestMatrix", "Suspended");
    private static final Set<String> HTTP_METHODS = Set.of("POST", "PUT", "PATCH", "DELETE", "GET");

    @Test
    void everyMethodWithABodyReadsItOnAWorker() throws IOException, ClassNotFoundException {
        Path classes = Path.of("target", "classes");
        List<String> onTheLoop = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes.resolve("dev/quarry"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, getClass().getClassLoader());
                if (!type.isAnnotationPresent(jakarta.ws.rs.Path.class)) {
                    continue;
                }
                boolean classBlocking = type.isAnnotationPresent(Blocking.class);
                for (Method method : type.getDeclaredMethods()) {
                    boolean endpoint = Stream.of(method.getAnnotations())
                            .anyMatch(a -> HTTP_METHODS.contains(a.annotationType().getSimpleName()));
                    if (!endpoint || classBlocking || method.isAnnotationPresent(Blocking.class)) {
                        continue;
                    }
                    for (Parameter parameter : method.getParameters()) {
                        boolean annotated = false;
                        for (Annotation annotation : parameter.getAnnotations()) {
                            annotated |= NOT_BODY.contains(annotation.annotationType().getSimpleName());
                        }
                        // bytes are only buffered, not parsed: the query and capture endpoints parse them in their
                        // own lanes or on a worker
                        if (!annotated && parameter.getType() != byte[].class) {
                            onTheLoop.add(type.getSimpleName() + "." + method.getName());
                        }
                    }
                }
            }
        }
        onTheLoop.sort(null);
        assertEquals(List.of(), onTheLoop, "annotate these (or their class) @Blocking");
    }
}
