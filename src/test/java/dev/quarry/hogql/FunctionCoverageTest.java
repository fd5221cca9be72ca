package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every function of PostHog's HogQL list either compiles here or is refused with a 400 naming it, and the README's
 * coverage table says how many of each group are which.
 */
class FunctionCoverageTest {

    @Test
    void everyPostHogFunctionIsSupportedOrRefusedByName() {
        for (List<String> names : FunctionCatalog.groups().values()) {
            for (String name : names) {
                if (FunctionCatalog.supported(name)) {
                    continue;
                }
                HogQLException e = org.junit.jupiter.api.Assertions.assertThrows(HogQLException.class,
                        () -> HogQLCompiler.compileSelect("select " + name + "(1)", CompileSettings.of(1)), name);
                assertTrue(e instanceof HogQLResolutionException, name);
                assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains("not supported"),
                        name + ": " + e.getMessage());
            }
        }
    }

    @Test
    void unknownNamesStayUnknown() {
        HogQLException e = org.junit.jupiter.api.Assertions.assertThrows(HogQLException.class,
                () -> HogQLCompiler.compileSelect("select noSuchFunction(1)", CompileSettings.of(1)));
        assertEquals("Unsupported function call 'noSuchFunction(...)'", e.getMessage());
    }

    /** The README's table, one line per group: {@code | group | supported | refused |}. */
    static List<String> table() {
        List<String> lines = new ArrayList<>();
        int sup = 0;
        int ref = 0;
        for (Map.Entry<String, List<String>> g : FunctionCatalog.groups().entrySet()) {
            long s = g.getValue().stream().filter(FunctionCatalog::supported).count();
            long r = g.getValue().size() - s;
            sup += s;
            ref += r;
            lines.add("| " + g.getKey() + " | " + s + " | " + r + " |");
        }
        lines.add("| **all** | **" + sup + "** | **" + ref + "** |");
        return lines;
    }

    @Test
    void readmeCoverageTableIsCurrent() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> table = table();
        for (String line : table) {
            assertTrue(readme.contains(line), "README.md lacks the coverage line " + line + "\nexpected table:\n"
                    + String.join("\n", table));
        }
        assertNotNull(FunctionCatalog.refusal("bitmapAnd"));
    }
}
