package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM functions' exec wrapper ({@code src/main/zip.jvm/quarry-jvm-wrapper}, shipped in function.zip and named by
 * template.yaml's AWS_LAMBDA_EXEC_WRAPPER): how it rewrites the java command Lambda's runtime hands it, and, with this
 * machine's own JVM, that an archive recorded through it is used, and that one the JVM cannot use (a jar changed since)
 * does not stop the start even under the runtime's -Xshare:on.
 */
class JvmWrapperTest {
    private static final Path WRAPPER = Path.of("src/main/zip.jvm/quarry-jvm-wrapper");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Path BASE = Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa");
    /** The head of a dynamic CDS archive: magic 0xf00baba8, little-endian. */
    private static final byte[] DYNAMIC_MAGIC = {(byte) 0xa8, (byte) 0xab, 0x0b, (byte) 0xf0};

    @TempDir
    Path task;

    record Result(int exit, String output) {
        List<String> lines() {
            return output.lines().filter(l -> !l.startsWith("quarry-jvm-wrapper:")).toList();
        }
    }

    private Result wrap(Map<String, String> env, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("/bin/sh", WRAPPER.toString()));
        args.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(args).redirectErrorStream(true);
        builder.environment().remove("QUARRY_CDS");
        builder.environment().remove("QUARRY_CDS_RECORD");
        builder.environment().put("LAMBDA_TASK_ROOT", task.toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    /** A stand-in for the java executable that prints the arguments it was given, one a line. */
    private String echoJava() throws IOException {
        Path echo = task.resolve("bin-java");
        Files.writeString(echo, "#!/bin/sh\nfor a do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(echo, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE));
        return echo.toString();
    }

    /** Lambda's java21 command line, in the shape its runtime passes it to the wrapper. */
    private List<String> lambdaCommand(String java) {
        return List.of(java, "-XX:MaxHeapSize=445645k", "-XX:+UseSerialGC", "-Xshare:on",
                "-XX:SharedArchiveFile=/var/lang/lib/server/runtime.jsa", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-classpath", "/var/runtime/lib/aws-lambda-java-core.jar:/var/runtime/lib/ric.jar",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", "handler.Class::handleRequest");
    }

    @Test
    void withoutAnArchiveTheCommandRunsUnchanged() throws Exception {
        String java = echoJava();
        List<String> command = lambdaCommand(java);
        Result result = wrap(Map.of(), command.toArray(String[]::new));
        assertEquals(0, result.exit());
        assertEquals(command.subList(1, command.size()), result.lines());
    }

    @Test
    void theArchiveIsLayeredOnTheRuntimesBaseArchiveAndTheRunnerJarJoinsTheClassPath() throws Exception {
        String java = echoJava();
        Files.write(task.resolve("quarry.jsa"), DYNAMIC_MAGIC);
        Files.write(task.resolve("quarry-runner.jar"), new byte[] {1});
        Result result = wrap(Map.of(), lambdaCommand(java).toArray(String[]::new));
        assertEquals(List.of("-XX:MaxHeapSize=445645k", "-XX:+UseSerialGC", "-Xshare:auto",
                "-XX:SharedArchiveFile=/var/lang/lib/server/runtime.jsa:" + task.resolve("quarry.jsa"), "-XX:+TieredCompilation",
                "-XX:TieredStopAtLevel=1", "-classpath",
                "/var/runtime/lib/aws-lambda-java-core.jar:/var/runtime/lib/ric.jar:" + task.resolve("quarry-runner.jar"),
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", "handler.Class::handleRequest"), result.lines());
        assertTrue(result.output().contains("quarry-jvm-wrapper: AppCDS archive " + task.resolve("quarry.jsa")));

        // Without a base archive on the command line the function's archive is named alone (the JVM finds its base).
        Result alone = wrap(Map.of(), java, "-Xshare:on", "-cp", "a.jar", "Main");
        assertEquals(List.of("-XX:SharedArchiveFile=" + task.resolve("quarry.jsa"), "-Xshare:auto", "-cp",
                "a.jar:" + task.resolve("quarry-runner.jar"), "Main"), alone.lines());

        // QUARRY_CDS=off: unchanged.
        List<String> command = lambdaCommand(java);
        assertEquals(command.subList(1, command.size()), wrap(Map.of("QUARRY_CDS", "off"), command.toArray(String[]::new)).lines());
    }

    @Test
    void aFileThatIsNotADynamicArchiveIsLeftOut() throws Exception {
        String java = echoJava();
        Files.writeString(task.resolve("quarry.jsa"), "not an archive");
        List<String> command = lambdaCommand(java);
        Result result = wrap(Map.of(), command.toArray(String[]::new));
        assertEquals(command.subList(1, command.size()), result.lines());
        assertTrue(result.output().contains("is not a dynamic CDS archive; starting without it"), result.output());
    }

    @Test
    void recordingAddsArchiveClassesAtExitAndHandsOverTheProcessId() throws Exception {
        String java = echoJava();
        Path pid = task.resolve("pid");
        Result result = wrap(Map.of("QUARRY_CDS_RECORD", "true", "QUARRY_CDS_PID_FILE", pid.toString()),
                lambdaCommand(java).toArray(String[]::new));
        assertEquals("-XX:ArchiveClassesAtExit=" + task.resolve("quarry.jsa"), result.lines().get(0));
        assertTrue(result.lines().contains("-Xshare:auto"));
        assertTrue(result.lines().contains("-XX:SharedArchiveFile=/var/lang/lib/server/runtime.jsa"), "base kept as is");
        assertTrue(Files.readString(pid).trim().matches("[0-9]+"));
    }

    /** A jar holding one class, Main, that prints "main ran". */
    private Path jarWithMain(Path jar) throws IOException {
        Path sources = Files.createDirectories(task.resolve("src"));
        Files.writeString(sources.resolve("Main.java"),
                "public class Main { public static void main(String[] a) { System.out.println(\"main ran\"); } }");
        Path classes = Files.createDirectories(task.resolve("classes"));
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                sources.resolve("Main.java").toString()));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), new Manifest())) {
            out.putNextEntry(new JarEntry("Main.class"));
            Files.copy(classes.resolve("Main.class"), out);
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void anArchiveRecordedThroughTheWrapperIsUsedAndAStaleOneDoesNotStopTheStart() throws Exception {
        Path runtimeJar = task.resolve("runtime.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(runtimeJar), new Manifest())) {
            out.flush();
        }
        Path runner = jarWithMain(task.resolve("quarry-runner.jar"));
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-XX:+UseSerialGC", "-Xshare:on"));
        if (Files.exists(BASE)) {
            command.add("-XX:SharedArchiveFile=" + BASE);
        }
        command.addAll(List.of("-Xlog:class+load=info", "-cp", runtimeJar.toString(), "Main"));

        Result recording = wrap(Map.of("QUARRY_CDS_RECORD", "true"), command.toArray(String[]::new));
        assertEquals(0, recording.exit(), recording.output());
        assertTrue(Files.size(task.resolve("quarry.jsa")) > 0, "the archive is written at exit");

        Result used = wrap(Map.of(), command.toArray(String[]::new));
        assertEquals(0, used.exit(), used.output());
        assertTrue(used.output().contains("main ran"));
        assertTrue(used.output().contains("Main source: shared objects file (top)"), used.output());

        // The runner jar changed after recording (as after a rebuild without a new archive): the JVM refuses the
        // archive with a warning and starts anyway, from the jars.
        Files.setLastModifiedTime(runner, FileTime.fromMillis(Files.getLastModifiedTime(runner).toMillis() - 10_000));
        Result stale = wrap(Map.of(), command.toArray(String[]::new));
        assertEquals(0, stale.exit(), stale.output());
        assertTrue(stale.output().contains("main ran"));
        assertFalse(stale.output().contains("Main source: shared objects file (top)"), stale.output());
    }
}
