package dev.quarry.web;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * A request body decoded as PostHog decodes it: Django takes the {@code charset} of the Content-Type when Python's
 * {@code codecs.lookup} knows the name (else the default, UTF-8: an unknown or empty charset is ignored), and Django
 * REST framework's {@code JSONParser} reads the body through that codec's stream reader
 * ({@code codecs.getreader(encoding)(stream)}, then {@code json.load}). A {@code ValueError} on the way (a
 * {@code UnicodeDecodeError}, the UTF-16/32 reader's missing byte order mark, a {@code JSONDecodeError}) is DRF's 400
 * {@code parse_error} "JSON parse error - " + the exception's text; this class gives that text for the decoding step,
 * in CPython's words ({@code Objects/unicodeobject.c}, {@code encodings/utf_16.py}, {@code utf_32.py}).
 *
 * <p>The stream reader decodes with {@code final=False}: bytes left at the end that do not make a whole character (an
 * odd byte in UTF-16, a partial UTF-8 sequence, a high surrogate with nothing after it) are dropped without an error.
 * The Unicode codecs and ASCII are decoded here byte for byte; latin-1 and other charsets Java knows by the same name go
 * through Java's decoder.
 */
public final class PythonCodecs {
    /** The codecs whose errors are given in CPython's words; {@link #JAVA} is any other charset Java reads. */
    public enum Codec { UTF_8, UTF_8_SIG, UTF_16, UTF_16LE, UTF_16BE, UTF_32, UTF_32LE, UTF_32BE, ASCII, LATIN_1, JAVA }

    /** A charset as Django keeps it: the codec and, for {@link Codec#JAVA}, Java's charset. */
    public record Declared(Codec codec, Charset java) {
        public boolean utf8() {
            return codec == Codec.UTF_8;
        }
    }

    private static final Declared UTF8 = new Declared(Codec.UTF_8, StandardCharsets.UTF_8);

    /** {@code encodings/aliases.py} and the module names, after Python's {@code normalize_encoding}. */
    private static final Map<String, Codec> NAMES = Map.ofEntries(
            Map.entry("utf_8", Codec.UTF_8), Map.entry("utf8", Codec.UTF_8), Map.entry("u8", Codec.UTF_8),
            Map.entry("utf", Codec.UTF_8), Map.entry("utf8_ucs2", Codec.UTF_8), Map.entry("utf8_ucs4", Codec.UTF_8),
            Map.entry("cp65001", Codec.UTF_8), Map.entry("utf_8_sig", Codec.UTF_8_SIG), Map.entry("utf8_sig", Codec.UTF_8_SIG),
            Map.entry("utf_16", Codec.UTF_16), Map.entry("utf16", Codec.UTF_16), Map.entry("u16", Codec.UTF_16),
            Map.entry("utf_16_le", Codec.UTF_16LE), Map.entry("utf_16le", Codec.UTF_16LE),
            Map.entry("unicodelittleunmarked", Codec.UTF_16LE),
            Map.entry("utf_16_be", Codec.UTF_16BE), Map.entry("utf_16be", Codec.UTF_16BE),
            Map.entry("unicodebigunmarked", Codec.UTF_16BE),
            Map.entry("utf_32", Codec.UTF_32), Map.entry("utf32", Codec.UTF_32), Map.entry("u32", Codec.UTF_32),
            Map.entry("utf_32_le", Codec.UTF_32LE), Map.entry("utf_32le", Codec.UTF_32LE),
            Map.entry("utf_32_be", Codec.UTF_32BE), Map.entry("utf_32be", Codec.UTF_32BE),
            Map.entry("ascii", Codec.ASCII), Map.entry("us_ascii", Codec.ASCII), Map.entry("646", Codec.ASCII),
            Map.entry("us", Codec.ASCII), Map.entry("cp367", Codec.ASCII), Map.entry("ibm367", Codec.ASCII),
            Map.entry("csascii", Codec.ASCII), Map.entry("iso646_us", Codec.ASCII), Map.entry("iso_ir_6", Codec.ASCII),
            Map.entry("ansi_x3.4_1968", Codec.ASCII), Map.entry("ansi_x3_4_1968", Codec.ASCII),
            Map.entry("ansi_x3.4_1986", Codec.ASCII), Map.entry("iso_646.irv_1991", Codec.ASCII),
            Map.entry("latin_1", Codec.LATIN_1), Map.entry("latin1", Codec.LATIN_1), Map.entry("latin", Codec.LATIN_1),
            Map.entry("l1", Codec.LATIN_1), Map.entry("iso8859_1", Codec.LATIN_1), Map.entry("iso_8859_1", Codec.LATIN_1),
            Map.entry("iso8859", Codec.LATIN_1), Map.entry("8859", Codec.LATIN_1), Map.entry("cp819", Codec.LATIN_1),
            Map.entry("ibm819", Codec.LATIN_1), Map.entry("csisolatin1", Codec.LATIN_1),
            Map.entry("iso_ir_100", Codec.LATIN_1), Map.entry("iso_8859_1_1987", Codec.LATIN_1));

    private PythonCodecs() {
    }

    /**
     * The codec Django keeps for a Content-Type's {@code charset} parameter ({@code null}, blank or unknown: UTF-8, as
     * Django ignores a name {@code codecs.lookup} refuses). Names are read as Python reads them: case, spaces and
     * hyphens do not matter ({@code utf-16-le}, {@code UTF_16LE} and {@code utf16le}... as Python's aliases list them).
     */
    public static Declared declared(String charset) {
        if (charset == null || charset.isBlank()) {
            return UTF8;
        }
        String raw = charset.trim().replace("\"", "");
        Codec known = NAMES.get(normalize(raw));
        if (known != null) {
            return known == Codec.UTF_8 ? UTF8 : new Declared(known, null);
        }
        String module = pythonModule(normalize(raw));
        if (module == null) {
            return UTF8; // a name Python has no codec for (Java's own aliases such as x-MacRoman or cesu-8 included)
        }
        try {
            Charset java = Charset.forName(JAVA_NAMES.getOrDefault(module, module));
            return java.equals(StandardCharsets.UTF_8) ? UTF8 : new Declared(Codec.JAVA, java);
        } catch (IllegalArgumentException e) {
            return UTF8; // a Python codec Java lacks (utf_7, hz, koi8_t, …): read as UTF-8, a known difference
        }
    }

    /**
     * Python's codec modules other than the Unicode ones, latin-1 and ASCII ({@code encodings/*.py}), by which a name
     * Python knows is read with Java's charset of the same repertoire; names outside it are not Python's.
     */
    private static final java.util.Set<String> PYTHON_MODULES = java.util.Set.of("cp037", "cp1006", "cp1026", "cp1125",
            "cp1140", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp273",
            "cp424", "cp437", "cp500", "cp720", "cp737", "cp775", "cp850", "cp852", "cp855", "cp856", "cp857", "cp858",
            "cp860", "cp861", "cp862", "cp863", "cp864", "cp865", "cp866", "cp869", "cp874", "cp875", "cp932", "cp949",
            "cp950", "big5", "big5hkscs", "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr", "gb2312", "gbk", "gb18030",
            "hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext",
            "iso2022_kr", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
            "iso8859_9", "iso8859_10", "iso8859_11", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "johab",
            "koi8_r", "koi8_t", "koi8_u", "kz1048", "mac_arabic", "mac_croatian", "mac_cyrillic", "mac_farsi",
            "mac_greek", "mac_iceland", "mac_latin2", "mac_roman", "mac_romanian", "mac_turkish", "ptcp154",
            "shift_jis", "shift_jis_2004", "shift_jisx0213", "tis_620", "utf_7");

    /** Java's names where they are not Python's module names. */
    private static final Map<String, String> JAVA_NAMES = Map.ofEntries(Map.entry("mac_roman", "x-MacRoman"),
            Map.entry("mac_cyrillic", "x-MacCyrillic"), Map.entry("mac_greek", "x-MacGreek"),
            Map.entry("mac_iceland", "x-MacIceland"), Map.entry("mac_latin2", "x-MacCentralEurope"),
            Map.entry("mac_turkish", "x-MacTurkish"), Map.entry("mac_croatian", "x-MacCroatian"),
            Map.entry("mac_romanian", "x-MacRomania"), Map.entry("mac_arabic", "x-MacArabic"),
            Map.entry("cp1140", "IBM01140"), Map.entry("cp037", "IBM037"), Map.entry("cp273", "IBM273"),
            Map.entry("cp500", "IBM500"), Map.entry("cp875", "x-IBM875"), Map.entry("tis_620", "TIS-620"),
            Map.entry("iso8859_11", "x-iso-8859-11"), Map.entry("iso2022_jp", "ISO-2022-JP"),
            Map.entry("iso2022_kr", "ISO-2022-KR"), Map.entry("big5hkscs", "Big5-HKSCS"), Map.entry("cp949", "x-windows-949"),
            Map.entry("cp950", "x-windows-950"), Map.entry("cp932", "windows-31j"), Map.entry("shift_jis", "Shift_JIS"),
            Map.entry("euc_jp", "EUC-JP"), Map.entry("euc_kr", "EUC-KR"), Map.entry("koi8_r", "KOI8-R"),
            Map.entry("koi8_u", "KOI8-U"));

    /** The module of a normalised name by {@code encodings/aliases.py}'s families, or null when Python has none. */
    static String pythonModule(String name) {
        String n = name.replace('.', '_');
        java.util.regex.Matcher m;
        if ((m = java.util.regex.Pattern.compile("(?:cp|ibm|windows_|ms)?(\\d{3,4})").matcher(n)).matches()) {
            return PYTHON_MODULES.contains("cp" + m.group(1)) ? "cp" + m.group(1) : null;
        }
        if ((m = java.util.regex.Pattern.compile("iso_?8859_(\\d{1,2})(?:_\\d{4})?").matcher(n)).matches()) {
            return PYTHON_MODULES.contains("iso8859_" + m.group(1)) ? "iso8859_" + m.group(1) : null;
        }
        if ((m = java.util.regex.Pattern.compile("(?:latin_?|l)(\\d{1,2})").matcher(n)).matches()) {
            String[] latin = {null, null, "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13",
                    "iso8859_14", "iso8859_15", "iso8859_16"};
            int k = Integer.parseInt(m.group(1));
            return k < latin.length ? latin[k] : null;
        }
        return switch (n) {
            case "sjis", "s_jis", "shiftjis", "csshiftjis" -> "shift_jis";
            case "eucjp", "ujis", "u_jis" -> "euc_jp";
            case "euckr", "korean", "ksc5601", "ks_c_5601", "ks_c_5601_1987", "ksx1001", "ks_x_1001" -> "euc_kr";
            case "chinese", "csiso58gb231280", "euc_cn", "euccn", "eucgb2312_cn", "gb2312_1980", "gb2312_80",
                    "iso_ir_58" -> "gb2312";
            case "936", "cp936", "ms936" -> "gbk";
            case "gb18030_2000" -> "gb18030";
            case "big5_tw", "csbig5" -> "big5";
            case "big5_hkscs", "hkscs" -> "big5hkscs";
            case "macroman", "macintosh" -> "mac_roman";
            case "maccyrillic" -> "mac_cyrillic";
            case "utf7", "u7", "unicode_1_1_utf_7" -> "utf_7";
            case "thai", "tis620", "tis_620_0", "tis_620_2529_0", "tis_620_2529_1", "iso_ir_166" -> "tis_620";
            case "cskoi8r" -> "koi8_r";
            case "csiso2022jp" -> "iso2022_jp";
            case "csiso2022kr" -> "iso2022_kr";
            default -> PYTHON_MODULES.contains(n) ? n : null;
        };
    }

    /** Python's {@code encodings.normalize_encoding} after {@code codecs.lookup}'s lower-casing. */
    static String normalize(String name) {
        StringBuilder out = new StringBuilder();
        boolean punct = false;
        for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '.') {
                if (punct && out.length() > 0) {
                    out.append('_');
                }
                if (c < 0x80) {
                    out.append(c);
                }
                punct = false;
            } else {
                punct = true;
            }
        }
        return out.toString();
    }

    /**
     * The body's text as the codec's stream reader gives it to {@code json.load}, or DRF's 400 {@code parse_error}
     * with CPython's text ("JSON parse error - 'utf-16-le' codec can't decode bytes in position 2-3: illegal
     * encoding", "… UTF-16 stream does not start with BOM", "'ascii' codec can't decode byte 0xc3 in position 9:
     * ordinal not in range(128)").
     */
    public static String decode(byte[] body, Declared declared) {
        return switch (declared.codec()) {
            case UTF_8 -> utf8(body);
            case UTF_8_SIG -> utf8(body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb
                    && (body[2] & 0xff) == 0xbf ? java.util.Arrays.copyOfRange(body, 3, body.length) : body);
            case UTF_16 -> withMark(body, 2);
            case UTF_16LE -> utf16(body, 0, true);
            case UTF_16BE -> utf16(body, 0, false);
            case UTF_32 -> withMark(body, 4);
            case UTF_32LE -> utf32(body, 0, true);
            case UTF_32BE -> utf32(body, 0, false);
            case ASCII -> ascii(body);
            case LATIN_1 -> new String(body, StandardCharsets.ISO_8859_1);
            case JAVA -> java(body, declared.java());
        };
    }

    /**
     * {@code utf_16} / {@code utf_32} streams: a byte order mark chooses the order and is dropped; without one the
     * reader has already decoded in the native order (little-endian), so a decoding error there comes first, and then
     * "UTF-16 stream does not start with BOM" once a whole unit was read.
     */
    private static String withMark(byte[] body, int unit) {
        boolean sixteen = unit == 2;
        if (body.length >= unit) {
            int b0 = body[0] & 0xff;
            int b1 = body[1] & 0xff;
            if (sixteen && b0 == 0xff && b1 == 0xfe || !sixteen && b0 == 0xff && b1 == 0xfe && body[2] == 0 && body[3] == 0) {
                return sixteen ? utf16(body, 2, true) : utf32(body, 4, true);
            }
            if (sixteen && b0 == 0xfe && b1 == 0xff
                    || !sixteen && b0 == 0 && b1 == 0 && (body[2] & 0xff) == 0xfe && (body[3] & 0xff) == 0xff) {
                return sixteen ? utf16(body, 2, false) : utf32(body, 4, false);
            }
        }
        String text = sixteen ? utf16(body, 0, true) : utf32(body, 0, true);
        if (body.length >= unit) {
            throw new ParseErrorException("JSON parse error - " + (sixteen ? "UTF-16" : "UTF-32")
                    + " stream does not start with BOM");
        }
        return text;
    }

    private static String utf16(byte[] b, int from, boolean le) {
        String name = le ? "utf-16-le" : "utf-16-be";
        StringBuilder out = new StringBuilder(b.length / 2);
        int i = from;
        while (b.length - i >= 2) {
            char ch = unit16(b, i, le);
            if (!Character.isSurrogate(ch)) {
                out.append(ch);
                i += 2;
                continue;
            }
            if (Character.isLowSurrogate(ch)) {
                throw failed(name, b, i, i + 2, "illegal encoding");
            }
            if (b.length - i < 4) {
                break; // a high surrogate at the end: not final, left for more input that never comes
            }
            char low = unit16(b, i + 2, le);
            if (!Character.isLowSurrogate(low)) {
                throw failed(name, b, i, i + 2, "illegal UTF-16 surrogate");
            }
            out.append(ch).append(low);
            i += 4;
        }
        return out.toString();
    }

    private static char unit16(byte[] b, int i, boolean le) {
        int x = b[i] & 0xff;
        int y = b[i + 1] & 0xff;
        return (char) (le ? y << 8 | x : x << 8 | y);
    }

    private static String utf32(byte[] b, int from, boolean le) {
        String name = le ? "utf-32-le" : "utf-32-be";
        StringBuilder out = new StringBuilder(b.length / 4);
        for (int i = from; b.length - i >= 4; i += 4) {
            long cp = le
                    ? (long) (b[i + 3] & 0xff) << 24 | (b[i + 2] & 0xff) << 16 | (b[i + 1] & 0xff) << 8 | (b[i] & 0xff)
                    : (long) (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
            if (cp >= 0xd800 && cp <= 0xdfff) {
                throw failed(name, b, i, i + 4, "code point in surrogate code point range(0xd800, 0xe000)");
            }
            if (cp >= 0x110000) {
                throw failed(name, b, i, i + 4, "code point not in range(0x110000)");
            }
            out.appendCodePoint((int) cp);
        }
        return out.toString();
    }

    private static String ascii(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] < 0) {
                throw failed("ascii", b, i, i + 1, "ordinal not in range(128)");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static String utf8(byte[] b) {
        return new String(b, 0, utf8Length(b), StandardCharsets.UTF_8);
    }

    /**
     * How many of the bytes the UTF-8 stream reader decodes (all but a valid start of a sequence cut at the very end,
     * which it drops: it is not final), or DRF's parse error in CPython's words: a byte that cannot start a sequence
     * is an "invalid start byte"; a sequence cut by a byte that cannot continue it is an "invalid continuation byte"
     * over the bytes read so far (E0 and F0 take A0–BF and 90–BF next, ED and F4 take 80–9F and 80–8F, so surrogates
     * and code points past U+10FFFF are refused).
     */
    public static int utf8Length(byte[] b) {
        int i = 0;
        int end = b.length;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
            } else {
                throw failed("utf-8", b, i, i + 1, "invalid start byte");
            }
            for (int k = 1; k <= need; k++) {
                if (i + k >= end) {
                    return i; // cut at the end: left undecoded
                }
                int next = b[i + k] & 0xff;
                int min = k == 1 ? lo : 0x80;
                int max = k == 1 ? hi : 0xbf;
                if (next < min || next > max) {
                    if (c == 0xed && k == 1 && next >= 0xa0 && next <= 0xbf && end - i == 2) {
                        return i; // a surrogate's first two bytes at the end: CPython leaves them for more input
                    }
                    throw failed("utf-8", b, i, i + k, "invalid continuation byte");
                }
            }
            i += need + 1;
        }
        return end;
    }

    /**
     * Any other charset, through Java's decoder. A one-byte charset (cp1252, iso-8859-2, koi8-r, …) is one of Python's
     * charmap codecs, whose error names the first byte without a character and always calls itself {@code 'charmap'}:
     * "'charmap' codec can't decode byte 0x81 in position 3: character maps to &lt;undefined&gt;". A multi-byte
     * charset (Shift_JIS, GBK, EUC-JP, …) gives the CJK codecs' "illegal multibyte sequence" at the first byte Java
     * cannot read, under Java's name for it in Python's spelling ({@code shift_jis}, {@code gbk}, {@code euc_jp}).
     */
    private static String java(byte[] body, Charset charset) {
        CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate((int) (body.length * (double) decoder.maxCharsPerByte()) + 1);
        // not final, as Python's stream reader: an incomplete sequence at the end is left undecoded, not an error
        CoderResult result = decoder.decode(in, out, false);
        if (result.isError()) {
            if (charset.newEncoder().maxBytesPerChar() <= 1.0f) {
                throw failed("charmap", body, in.position(), in.position() + 1, "character maps to <undefined>");
            }
            String name = charset.name().toLowerCase(Locale.ROOT).replace('-', '_');
            throw new ParseErrorException("JSON parse error - '" + name + "' codec can't decode byte 0x" + String.format(Locale.ROOT, "%02x", body[in.position()] & 0xff)
                    + " in position " + in.position() + ": illegal multibyte sequence");
        }
        return out.flip().toString();
    }

    /** {@code UnicodeDecodeError}'s text: one byte named by its value, more by their positions (end inclusive). */
    private static ParseErrorException failed(String codec, byte[] b, int start, int end, String reason) {
        String where = end - start == 1
                ? String.format(Locale.ROOT, "byte 0x%02x in position %d", b[start] & 0xff, start)
                : "bytes in position " + start + "-" + (end - 1);
        return new ParseErrorException("JSON parse error - '" + codec + "' codec can't decode " + where + ": " + reason);
    }

    /**
     * Python's {@code json.loads} on the decoded text, for the two refusals that depend on the decoding and not on the
     * JSON: a text that starts with U+FEFF ("Unexpected UTF-8 BOM (decode using utf-8-sig)", which a UTF-16LE/BE or
     * UTF-32LE/BE reader keeps), and a text with no JSON value at its start (a body read in the wrong charset decodes to
     * characters no JSON value starts with: "Expecting value: line 1 column 1 (char 0)"). Whitespace is JSON's four.
     */
    public static void refuseNonJsonStart(String text) {
        if (text.startsWith("\uFEFF")) {
            throw new ParseErrorException(
                    "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)");
        }
        int line = 1;
        int lineStart = 0;
        int i = 0;
        while (i < text.length() && " \t\n\r".indexOf(text.charAt(i)) >= 0) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
            i++;
        }
        if (i < text.length() && "\"{[ntfNI-0123456789".indexOf(text.charAt(i)) >= 0) {
            return;
        }
        throw new ParseErrorException("JSON parse error - Expecting value: line " + line + " column "
                + (i - lineStart + 1) + " (char " + i + ")");
    }
}
