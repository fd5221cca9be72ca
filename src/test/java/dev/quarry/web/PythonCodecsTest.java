package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Bodies decoded as DRF's JSONParser decodes them through Python's stream readers. Each expected text is what CPython
 * answers for the same bytes ({@code codecs.getreader(name)(io.BytesIO(body)).read()}, then {@code json.loads}):
 * worked out from {@code Objects/unicodeobject.c} and {@code encodings/utf_16.py} / {@code utf_32.py}.
 */
class PythonCodecsTest {
    private static String decode(byte[] body, String charset) {
        return PythonCodecs.decode(body, PythonCodecs.declared(charset));
    }

    private static String refused(byte[] body, String charset) {
        return assertThrows(ParseErrorException.class, () -> decode(body, charset)).getMessage();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void namesAreReadAsPythonReadsThem() {
        assertEquals(PythonCodecs.Codec.UTF_16LE, PythonCodecs.declared("utf-16-le").codec());
        assertEquals(PythonCodecs.Codec.UTF_16LE, PythonCodecs.declared("UTF_16LE").codec());
        assertEquals(PythonCodecs.Codec.UTF_16BE, PythonCodecs.declared("UnicodeBigUnmarked").codec());
        assertEquals(PythonCodecs.Codec.UTF_32, PythonCodecs.declared("u32").codec());
        assertEquals(PythonCodecs.Codec.ASCII, PythonCodecs.declared("US-ASCII").codec());
        assertEquals(PythonCodecs.Codec.LATIN_1, PythonCodecs.declared("ISO 8859-1").codec());
        // Django ignores what codecs.lookup refuses: the default, UTF-8
        assertEquals(PythonCodecs.Codec.UTF_8, PythonCodecs.declared("").codec());
        assertEquals(PythonCodecs.Codec.UTF_8, PythonCodecs.declared("no-such-codec").codec());
        assertEquals(PythonCodecs.Codec.UTF_8, PythonCodecs.declared("\"UTF8\"").codec());
    }

    /**
     * Only names Python's {@code codecs.lookup} knows pick a codec (Django falls back to UTF-8 for the others), read
     * with Java's charset of the same repertoire; Java's own aliases that Python lacks are UTF-8 (the breaker's
     * x-MacRoman, latin0, cp923, UnicodeBig, cesu-8); utf-8-sig drops a leading byte order mark.
     */
    @Test
    void onlyPythonsCodecNamesPickACharset() {
        assertEquals("x-MacRoman", PythonCodecs.declared("mac_roman").java().name());
        assertEquals("macé", decode(new byte[]{(byte) 0x6d, 0x61, 0x63, (byte) 0x8e}, "mac-roman"));
        assertEquals("windows-1252", PythonCodecs.declared("windows-1252").java().name());
        assertEquals("ISO-8859-2", PythonCodecs.declared("ISO-8859-2").java().name());
        assertEquals("ISO-8859-15", PythonCodecs.declared("latin9").java().name());
        assertEquals("Shift_JIS", PythonCodecs.declared("sjis").java().name());
        assertEquals("IBM437", PythonCodecs.declared("cp437").java().name());
        for (String javaOnly : new String[]{"x-MacRoman", "latin0", "cp923", "UnicodeBig", "unicode", "cesu-8"}) {
            assertEquals(PythonCodecs.Codec.UTF_8, PythonCodecs.declared(javaOnly).codec(), javaOnly);
        }
        assertEquals(PythonCodecs.Codec.UTF_8_SIG, PythonCodecs.declared("utf-8-sig").codec());
        assertEquals("{}", decode(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d), "utf-8-sig"));
        assertEquals("{}", decode(bytes(0x7b, 0x7d), "utf-8-sig"));
    }

    @Test
    void theReaderIsNotFinalSoAnIncompleteEndIsDropped() {
        // "{}" then the first byte of a two-byte sequence: CPython's reader keeps it for input that never comes
        assertEquals(2, PythonCodecs.utf8Length(bytes('{', '}', 0xc3)));
        // a surrogate's first two bytes at the end are left the same way (CPython's special case for ED A0..BF)
        assertEquals(2, PythonCodecs.utf8Length(bytes('{', '}', 0xed, 0xa0)));
        // an odd byte in UTF-16 and a high surrogate with nothing after it
        assertEquals("{}", decode(bytes('{', 0, '}', 0, 'x'), "utf-16le"));
        assertEquals("{}", decode(bytes('{', 0, '}', 0, 0x3d, 0xd8), "utf-16le"));
        // three bytes past the last whole UTF-32 unit
        assertEquals("{", decode(bytes('{', 0, 0, 0, 1, 2, 3), "utf-32le"));
    }

    @Test
    void decodingErrorsAreCPythonsText() {
        assertEquals("JSON parse error - 'utf-8' codec can't decode byte 0xff in position 1: invalid start byte",
                refused(bytes('{', 0xff, '}'), null));
        // E0 takes A0..BF next: 80 cuts it after one byte; E2 82 then 'x' cuts it after two
        assertEquals("JSON parse error - 'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte",
                refused(bytes(0xe0, 0x80, 0x80), "utf-8"));
        assertEquals("JSON parse error - 'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte",
                refused(bytes('"', 0xe2, 0x82, 'x'), "utf8"));
        // a high surrogate followed by something else, in big-endian
        assertEquals("JSON parse error - 'utf-16-be' codec can't decode bytes in position 2-3: illegal UTF-16 surrogate",
                refused(bytes(0, '"', 0xd8, 0x3d, 0, 'x'), "utf-16be"));
        assertEquals("JSON parse error - 'utf-32-be' codec can't decode bytes in position 4-7: code point in surrogate "
                + "code point range(0xd800, 0xe000)", refused(bytes(0, 0, 0, '"', 0, 0, 0xd8, 0), "utf-32be"));
        // utf-16 without a mark: read little-endian first (fine for ASCII), then the reader's own refusal
        assertEquals("JSON parse error - UTF-16 stream does not start with BOM",
                refused("{}".getBytes(StandardCharsets.UTF_8), "utf-16"));
        // with a mark either way it is read and the mark dropped
        assertEquals("{}", decode(bytes(0xfe, 0xff, 0, '{', 0, '}'), "utf-16"));
        assertEquals("{}", decode(bytes(0xff, 0xfe, 0, 0, '{', 0, 0, 0, '}', 0, 0, 0), "utf-32"));
    }

    @Test
    void otherCharsetsAreReadByJavaWithPythonsCharmapAndMultibyteWords() {
        // cp1252 has no character at 0x81: Python's charmap codecs call themselves 'charmap'
        assertEquals("JSON parse error - 'charmap' codec can't decode byte 0x81 in position 6: character maps to "
                + "<undefined>", refused(bytes('{', '"', 'a', '"', ':', '"', 0x81, '"', '}'), "windows-1252"));
        assertEquals("{\"a\":\"\u20ac\"}", decode(bytes('{', '"', 'a', '"', ':', '"', 0x80, '"', '}'), "cp1252"));
        // Shift_JIS: 0x81 starts a two-byte character, '"' cannot end it
        assertEquals("JSON parse error - 'shift_jis' codec can't decode byte 0x81 in position 1: illegal multibyte "
                + "sequence", refused(bytes('"', 0x81, '"'), "shift_jis"));
        // and a lead byte at the very end is left for more input, as the reader is not final
        assertEquals("\"", decode(bytes('"', 0x81), "shift_jis"));
    }

    @Test
    void textWithNoJsonValueAtItsStartIsJsonsExpectingValue() {
        assertEquals("JSON parse error - Expecting value: line 1 column 1 (char 0)",
                assertThrows(ParseErrorException.class, () -> PythonCodecs.refuseNonJsonStart("\u227b")).getMessage());
        assertEquals("JSON parse error - Expecting value: line 2 column 3 (char 4)",
                assertThrows(ParseErrorException.class, () -> PythonCodecs.refuseNonJsonStart(" \n  ")).getMessage());
        PythonCodecs.refuseNonJsonStart(" {\"a\": 1}");
        PythonCodecs.refuseNonJsonStart("-1");
    }
}
