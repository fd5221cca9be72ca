package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.web.FunctionGroups;
import dev.quarry.web.FunctionGroups.Group;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AppCDS training that ships (infra/aws/cds/CdsTraining.java, run by infra/aws/cds-archive.sh and by the start-up
 * bench): by default it trains with the database, and its requests reach every HTTP function group, so the archive
 * Lambda gets holds the classes of a first request that reaches PostgreSQL in every function (README "Start-up round
 * seven").
 */
class CdsTrainingTest {
    private static final Path TRAINING = Path.of("infra/aws/cds/CdsTraining.java");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path task;

    /** Runs the training program (Java's source launcher, on this test's class path) with the given arguments. */
    private List<String> training(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                TRAINING.toString(), task.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("QUARRY_CDS_TRAIN");
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output.lines().toList();
    }

    @Test
    void byDefaultTheTrainingReachesTheDatabaseInEveryHttpFunctionGroup() throws Exception {
        List<String> plan = training(Map.of(), "--plan");
        assertEquals("mode db", plan.get(0), "the shipped training is the one with the database");
        List<Group> reached = new ArrayList<>();
        for (String request : plan.subList(1, plan.size())) {
            String[] parts = request.split(" ", 2);
            Optional<Group> group = FunctionGroups.groupOf(parts[0], parts[1]);
            assertTrue(group.isPresent(), "a training request no function serves: " + request);
            reached.add(group.get());
        }
        for (Group group : Group.values()) {
            if (!group.routes().isEmpty()) {
                assertTrue(reached.contains(group), "no training request for the " + group.id() + " function: " + plan);
            }
        }
        // The database requests: one per HTTP group, beyond what the training without a database sends.
        List<String> withoutDatabase = training(Map.of("QUARRY_CDS_TRAIN", "nodb"), "--plan");
        assertEquals("mode nodb", withoutDatabase.get(0));
        long httpGroups = java.util.Arrays.stream(Group.values()).filter(g -> !g.routes().isEmpty()).count();
        assertTrue(plan.size() - withoutDatabase.size() >= httpGroups + 1, plan + " vs " + withoutDatabase);
    }

    @Test
    void thePackageStepAndTheBenchRecordThroughTheTraining() throws Exception {
        String packageStep = Files.readString(Path.of("infra/aws/cds-archive.sh"));
        assertTrue(packageStep.contains("infra/aws/cds/CdsTraining.java"), "cds-archive.sh records through CdsTraining");
        assertFalse(packageStep.contains("QUARRY_CDS_TRAIN=nodb java") || packageStep.contains("postgres:16"),
                "the package step trains with the build's embedded PostgreSQL, no container database");
        String bench = Files.readString(Path.of("infra/bench/startup/StartupBench.java"));
        assertTrue(bench.contains("\"infra/aws/cds/CdsTraining.java\""), "the bench measures the archive the package step records");
    }
}
