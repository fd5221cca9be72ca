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
