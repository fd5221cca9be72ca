package dev.quarry.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The execute_sql text table: header, rows, (null), 500-character JSON cut, notes. */
class SqlResultTextTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void headerAndRowsJoinedByPipes() throws Exception {
        String text = SqlResultText.format(mapper.readTree("[\"event\",\"n\",\"props\"]"),
                mapper.readTree("[[\"signup\",3,{\"a\":1}],[null,0.5,[1,2]]]"), true, false, 100);
        assertEquals("event|n|props\nsignup|3|{\"a\":1}\n(null)|0.5|[1,2]", text);
    }

    @Test
    void longJsonCellsAreCutOnlyWhenAsked() throws Exception {
        String big = "{\"k\":\"" + "x".repeat(600) + "\"}";
        var rows = mapper.createArrayNode();
        rows.addArray().add(big).add("y".repeat(600));
        String cut = SqlResultText.format(mapper.readTree("[\"j\",\"s\"]"), rows, true, false, null);
        String line = cut.split("\n")[1];
        assertEquals(big.substring(0, 500) + "...truncated|" + "y".repeat(600), line);
        assertTrue(cut.contains("cut at 500 characters"), cut);
        String whole = SqlResultText.format(mapper.readTree("[\"j\",\"s\"]"), rows, false, false, null);
        assertEquals("j|s\n" + big + "|" + "y".repeat(600), whole);
    }

    @Test
    void saysWhenRowsWereLeftOut() throws Exception {
        String text = SqlResultText.format(mapper.readTree("[\"n\"]"), mapper.readTree("[[1],[2]]"), true, true, 2);
        assertTrue(text.startsWith("n\n1\n2\n\nOnly the first 2 rows are shown (row limit 2)"), text);
    }
}
