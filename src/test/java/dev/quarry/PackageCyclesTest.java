package dev.quarry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code src/main/java/dev/quarry} form no cycle (issue 17's floor: {@code web}, {@code auth},
 * {@code data} at the bottom, feature packages above, nothing depending back down-up). A package depends on another
 * when one of its files names a type of it: an import, a static import, a wildcard import or a fully qualified name
 * ({@code dev.quarry.web.QueryValues} in code). Sub-packages are packages of their own ({@code insights.funnels}
 * may use {@code insights}, not the reverse as well).
 */
class PackageCyclesTest {
    private static final Path MAIN = Path.of("src", "main", "java", "dev", "quarry");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.quarry\\.((?:[a-z][a-z0-9_]*\\.)*[a-z][a-z0-9_]*)\\.(?:[A-Z*])");

    @Test
    void noPackageCycles() throws IOException {
        Map<String, Set<String>> graph = graph();
        assertTrue(graph.size() > 10, "the walk found the packages: " + graph.keySet());
        List<List<String>> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected(graph)) {
            if (component.size() > 1) {
                cycles.add(describe(component, graph));
            }
        }
        assertEquals(List.of(), cycles, "package cycles (each: its packages and the edges inside it)");
    }

    /**
     * The floor: each bottom package names only the packages listed for it (all below it), so that a feature
     * package can use any of them and none of them can reach back up. {@code web} (HTTP errors, JSON values) and
     * {@code data} (the Panache data module) use no other package; {@code auth} uses those two; the query schema
     * records use {@code web}'s errors; the HogQL compiler and insight dates read the schema records.
     */
    @Test
    void floorPackagesUseOnlyWhatIsBelowThem() throws IOException {
        Map<String, Set<String>> graph = graph();
        Map<String, Set<String>> allowed = new TreeMap<>(Map.of(
                "web", Set.of(),
                "data", Set.of("web"),
                "auth", Set.of("data", "web"),
                "query.schema", Set.of("web"),
                "hogql", Set.of("query.schema", "web"),
                "dates", Set.of("query.schema", "web")));
        Map<String, Set<String>> above = new TreeMap<>();
        for (Map.Entry<String, Set<String>> floor : allowed.entrySet()) {
            assertTrue(graph.containsKey(floor.getKey()), "package " + floor.getKey() + " exists: " + graph.keySet());
            Set<String> extra = new TreeSet<>(graph.get(floor.getKey()));
            extra.removeAll(floor.getValue());
            if (!extra.isEmpty()) {
                above.put(floor.getKey(), extra);
            }
        }
        assertEquals(Map.of(), above, "floor packages naming packages above them");
    }

    /** The walk itself finds a cycle when there is one, so that the test above cannot pass by seeing nothing. */
    @Test
    void findsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("a"));
        List<Set<String>> components = stronglyConnected(graph);
        assertTrue(components.contains(new TreeSet<>(List.of("a", "b", "c"))), components.toString());
        assertTrue(components.contains(new TreeSet<>(List.of("d"))), components.toString());
    }

    /** Package (relative to dev.quarry, dotted) → the other packages its files name. */
    static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        deps.add(m.group(1));
                    }
                }
            }
        }
        graph.values().forEach(deps -> deps.retainAll(graph.keySet()));
        return graph;
    }

    /** Tarjan's strongly connected components. */
    static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                List<Set<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    private static List<String> describe(Set<String> component, Map<String, Set<String>> graph) {
        List<String> edges = new ArrayList<>();
        for (String a : component) {
            for (String b : graph.get(a)) {
                if (component.contains(b)) {
                    edges.add(a + " -> " + b);
                }
            }
        }
        return edges;
    }
}
