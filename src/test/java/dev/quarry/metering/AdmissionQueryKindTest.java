package dev.quarry.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The HogQL quota tells a HogQL query by the body's {@code query.kind}, read as a stream on the event loop: the same
 * answer as reading the whole body into a tree (the resource's reading), repeated keys included, for any size.
 */
class AdmissionQueryKindTest {
    private final Admission admission = new Admission(null, new ObjectMapper(), true);

    private String kind(String json) throws IOException {
        return admission.queryKind(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheKindWhereverItIs() throws IOException {
        assertEquals("HogQLQuery", kind("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}"));
        assertEquals("HogQLQuery", kind("{\"refresh\":\"blocking\",\"filters_override\":{\"properties\":[{\"a\":[1,{}]}]},"
                + "\"query\":{\"query\":\"select {x}\",\"values\":{\"x\":[1,2]},\"kind\":\"HogQLQuery\"}}"));
        assertEquals("TrendsQuery", kind("{\"query\":{\"kind\":\"TrendsQuery\",\"series\":[{\"kind\":\"HogQLQuery\"}]}}"));
        assertNull(kind("{\"kind\":\"HogQLQuery\"}"));
        assertNull(kind("{\"query\":\"HogQLQuery\"}"));
        assertNull(kind("{\"query\":{\"kind\":7}}"));
        assertNull(kind("[]"));
        assertNull(kind(""));
    }

    @Test
    void aRepeatedKeyCountsByItsLastOccurrenceAsTheResourceReadsIt() throws IOException {
        // otherwise a body could be metered as another kind while the resource runs it as HogQL
        assertEquals("HogQLQuery", kind("{\"query\":{\"kind\":\"EventsQuery\"},\"query\":{\"kind\":\"HogQLQuery\","
                + "\"query\":\"select 1\"}}"));
        assertEquals("HogQLQuery", kind("{\"query\":{\"kind\":\"EventsQuery\",\"kind\":\"HogQLQuery\"}}"));
        assertNull(kind("{\"query\":{\"kind\":\"HogQLQuery\"},\"query\":null}"));
    }

    @Test
    void aLargeBodyIsScannedNotKeptAndBadJsonIsAnIOException() throws IOException {
        String values = IntStream.range(0, 200_000).mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertEquals("HogQLQuery", kind("{\"query\":{\"values\":{\"x\":[" + values + "]},\"kind\":\"HogQLQuery\","
                + "\"query\":\"select 1\"}}"));
        assertThrows(IOException.class, () -> kind("{\"query\":{\"kind\":"));
    }
}
