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

    /**
     * PostHog's list as the repository keeps it ({@code src/test/resources/hogql/posthog-function-list.txt}, by
     * group): Quarry's catalogue holds exactly these names in these groups, and each name either compiles — with some
     * argument count from none to four its error, if any, is about the arguments or the query (an arity, a type, a
     * missing OVER), never PostHog's "Unsupported function call", Quarry's "not supported" or a syntax error — or is
     * refused with a 400 ({@link HogQLResolutionException}) whose message names it and its group.
     */
    @Test
    void everyNameOfTheKeptListIsSupportedOrRefusedByName() throws Exception {
        Map<String, List<String>> kept = new java.util.LinkedHashMap<>();
        String group = null;
        for (String line : Files.readAllLines(Path.of("src/test/resources/hogql/posthog-function-list.txt"))) {
            if (line.startsWith("## ")) {
                group = line.substring(3).trim();
                kept.put(group, new ArrayList<>());
            } else if (!line.isBlank() && !line.startsWith("#")) {
                kept.get(group).add(line.trim());
            }
        }
        assertEquals(kept, FunctionCatalog.groups(), "the catalogue and the kept list differ");
        int supported = 0;
        for (Map.Entry<String, List<String>> g : kept.entrySet()) {
            for (String name : g.getValue()) {
                if (!FunctionCatalog.supported(name)) {
                    HogQLException e = org.junit.jupiter.api.Assertions.assertThrows(HogQLException.class,
                            () -> HogQLCompiler.compileSelect("select " + name + "(1)", CompileSettings.of(1)), name);
                    assertTrue(e instanceof HogQLResolutionException, name + ": " + e);
                    assertEquals("HogQL function \"" + name + "\" (" + g.getKey() + ") is not supported by Quarry",
                            e.getMessage());
                    continue;
                }
                supported++;
                boolean compiled = false;
                for (int n = 0; n <= 4 && !compiled; n++) {
                    String args = String.join(", ", java.util.Collections.nCopies(n, "1"));
                    String q = name.equals("arrayMap") || name.startsWith("arrayFi") || name.startsWith("arrayL")
                            ? "select " + name + "(x -> x, [1])" : "select " + name + "(" + args + ")";
                    try {
                        HogQLCompiler.compileSelect(q, CompileSettings.of(1));
                        compiled = true;
                    } catch (HogQLSyntaxException e) {
                        throw new AssertionError(name + ": a syntax error for " + q + ": " + e.getMessage(), e);
                    } catch (HogQLException e) {
                        String m = String.valueOf(e.getMessage());
                        assertTrue(!m.startsWith("Unsupported function call") && !m.contains("not supported by Quarry"),
                                name + " is in the supported table but " + q + " answers: " + m);
                    }
                }
            }
        }
        assertEquals(table().get(table().size() - 1), "| **all** | **" + supported + "** | **"
                + (kept.values().stream().mapToInt(List::size).sum() - supported) + "** |");
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
