package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

class LimitOffsetTest {
    private static final URI URL = URI.create("http://h/api/x/?type_filter=WARN&offset=20&limit=10&search=a%20b&type_filter=ERROR");

    @Test
    void parsesDefaultsZeroAndCap() {
        assertEquals(new LimitOffset(100, 0), LimitOffset.parse(null, null, 100, 1000));
        assertEquals(new LimitOffset(100, 0), LimitOffset.parse("0", "", 100, 1000));
        assertEquals(new LimitOffset(1000, 5), LimitOffset.parse("5000", "5", 100, 1000));
        assertEquals("limit", assertThrows(ValidationException.class, () -> LimitOffset.parse("1.5", null, 100, 1000)).attr());
        // DRF's get_offset: anything but a non-negative integer is 0
        assertEquals(new LimitOffset(100, 0), LimitOffset.parse(null, "-1", 100, 1000));
        assertEquals(new LimitOffset(100, 0), LimitOffset.parse(null, "abc", 100, 1000));
        assertEquals(new LimitOffset(100, 7), LimitOffset.parse(null, " 7 ", 100, 1000));
    }

    /**
     * Both are read as Python's {@code int()} (a breaker's finding): an offset past an int is the largest (an empty
     * page, not the first page again), underscores between digits and a sign are taken, and a limit past an int is
     * cut like any large one.
     */
    @Test
    void readsIntegersAsPythonDoes() {
        assertEquals(new LimitOffset(100, Integer.MAX_VALUE), LimitOffset.parse(null, "99999999999", 100, 1000));
        assertEquals(new LimitOffset(100, Integer.MAX_VALUE),
                LimitOffset.parse(null, "9".repeat(400), 100, 1000));
        assertEquals(new LimitOffset(10, 1000), LimitOffset.parse("1_0", "1_000", 100, 1000));
        assertEquals(new LimitOffset(1000, 3), LimitOffset.parse("2147483648", "+3", 100, 1000));
        assertEquals(Integer.valueOf(Integer.MAX_VALUE), LimitOffset.requestedLimit("2147483648"));
        assertEquals(Integer.valueOf(10), LimitOffset.requestedLimit(" 1_0 "));
        assertNull(LimitOffset.requestedLimit("0"));
        assertNull(LimitOffset.requestedLimit(null));
        assertEquals("limit", assertThrows(ValidationException.class, () -> LimitOffset.parse("1__0", null, 100, 1000))
                .attr());
        assertEquals("limit", assertThrows(ValidationException.class, () -> LimitOffset.parse("_10", null, 100, 1000))
                .attr());
        assertEquals(new LimitOffset(100, 0), LimitOffset.parse(null, "1__0", 100, 1000));
        // links from the largest offset stay in range: no next, a previous page
        LimitOffset last = new LimitOffset(100, Integer.MAX_VALUE);
        assertNull(last.next(URL, 5));
        assertEquals("http://h/api/x/?limit=100&offset=2147483547&search=a+b&type_filter=WARN&type_filter=ERROR",
                last.previous(URL));
    }

    @Test
    void linksReplaceLimitAndOffsetAndKeepTheRestSorted() {
        LimitOffset page = new LimitOffset(10, 20);
        assertEquals("http://h/api/x/?limit=10&offset=30&search=a+b&type_filter=WARN&type_filter=ERROR", page.next(URL, 31));
        assertNull(page.next(URL, 30));
        assertEquals("http://h/api/x/?limit=10&offset=10&search=a+b&type_filter=WARN&type_filter=ERROR", page.previous(URL));
        assertEquals("http://h/api/x/?limit=10&search=a+b&type_filter=WARN&type_filter=ERROR",
                new LimitOffset(10, 7).previous(URL));
        assertNull(new LimitOffset(10, 0).previous(URL));
    }
}
