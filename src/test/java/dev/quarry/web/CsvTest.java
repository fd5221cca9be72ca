package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CSV exports never hand a spreadsheet a formula: OWASP's neutralisation of = + - @ tab CR. */
class CsvTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A table of more cells than an answer's bytes is refused before any of it is written (rows × distinct keys). */
    @Test
    void aTableOfMoreCellsThanAnAnswerHoldsIsRefusedUnwritten() {
        List<JsonNode> rows = new java.util.ArrayList<>();
        for (int r = 0; r < 1000; r++) {
            com.fasterxml.jackson.databind.node.ObjectNode row = MAPPER.createObjectNode();
            for (int k = 0; k < 7; k++) {
                row.put("k" + r + "_" + k, 1);
            }
            rows.add(row);
        }
        ResponseTooLargeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ResponseTooLargeException.class, () -> Csv.postHog(rows));
        // 1,000 rows × 7,000 columns: refused from the counts alone, before a row was written
        org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("more than 7000000 bytes"),
                refused.getMessage());
    }

    /**
     * Long column names are counted as they are made: one row's object of 30,000 keys under a 49,000-character name
     * would be 1.5 GB of header (breaker pass 9 F4, an OutOfMemoryError) and is refused after an answer's worth.
     */
    @Test
    void columnNamesAreCountedAsTheyAreMade() {
        com.fasterxml.jackson.databind.node.ObjectNode row = MAPPER.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode inner = row.putObject("K".repeat(49_000));
        for (int i = 0; i < 30_000; i++) {
            inner.put("k" + i, 1);
        }
        long before = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertThrows(ResponseTooLargeException.class, () -> Csv.postHog(List.of(row)));
        org.junit.jupiter.api.Assertions.assertThrows(ResponseTooLargeException.class, () -> Csv.render(List.of(row)));
        // refused after about 130 names, not after building them all
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - before < 5_000_000_000L);
    }

    /** A name repeated on every row counts once: 10,000 rows of the same 30 columns (4.8 MB of names a row each). */
    @Test
    void repeatedColumnNamesCountOnce() {
        List<JsonNode> rows = new java.util.ArrayList<>();
        for (int r = 0; r < 10_000; r++) {
            com.fasterxml.jackson.databind.node.ObjectNode row = MAPPER.createObjectNode();
            for (int k = 0; k < 30; k++) {
                row.put("a_rather_long_property_name_" + k, k);
            }
            rows.add(row);
        }
        String csv = Csv.postHog(rows);
        assertEquals(10_001, csv.split("\r\n").length);
    }

    @Test
    void formulaCellsAndHeadersAreNeutralised() throws Exception {
        JsonNode row = MAPPER.readTree("{\"a\":\"=HYPERLINK(\\\"http://x\\\")\",\"b\":\"+1\",\"c\":\"-2+3\",\"d\":\"@SUM(A1)\","
                + "\"e\":\"\\tx\",\"f\":\"\\rx\",\"g\":\"plain\",\"h\":-5,\"=k\":\"ok\"}");
        String csv = Csv.render(List.of(row));
        String[] lines = csv.split("\r\n");
        assertEquals("a,b,c,d,e,f,g,h,'=k", lines[0]);
        assertEquals("\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2+3,'@SUM(A1),'\tx,\"'\rx\",plain,-5,ok", lines[1]);
    }
}
