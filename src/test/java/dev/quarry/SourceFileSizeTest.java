package dev.quarry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No main source file passes 1,000 lines (issue 17: a newcomer reads a file whole; a file that grows past that is
 * split by stage or concern, as the HogQL printer was). Lines are counted as {@code wc -l} counts them.
 */
class SourceFileSizeTest {
    static final int MAX_LINES = 1_000;
    private static final Path MAIN = Path.of("src", "main", "java");

    @Test
    void noMainSourceFileIsOverAThousandLines() throws IOException {
        Map<String, Long> sizes = lineCounts(MAIN);
        assertTrue(sizes.size() > 100, "the walk found the sources: " + sizes.size());
        Map<String, Long> over = new TreeMap<>();
        sizes.forEach((file, lines) -> {
            if (lines > MAX_LINES) {
                over.put(file, lines);
            }
        });
        assertEquals(Map.of(), over, "main source files over " + MAX_LINES + " lines");
    }

    /** The count itself sees a long file, so that the test above cannot pass by counting nothing. */
    @Test
    void countsLinesAsWcDoes() throws IOException {
        Path dir = Files.createTempDirectory("source-size");
        try {
            Files.writeString(dir.resolve("Long.java"), "x\n".repeat(MAX_LINES + 1));
            Files.writeString(dir.resolve("Short.java"), "a\nb");
            Files.writeString(dir.resolve("notes.txt"), "x\n".repeat(MAX_LINES + 5));
            Map<String, Long> sizes = lineCounts(dir);
            assertEquals(Map.of("Long.java", (long) MAX_LINES + 1, "Short.java", 1L), sizes);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Every {@code .java} file under {@code root} (path relative to it) → its newline count. */
    static Map<String, Long> lineCounts(Path root) throws IOException {
        Map<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
            for (Path file : sources) {
                String text = Files.readString(file);
                sizes.put(root.relativize(file).toString(), text.chars().filter(c -> c == '\n').count());
            }
        }
        return sizes;
    }
}
