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
