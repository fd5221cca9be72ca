package dev.quarry.capture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoder for lz-string's {@code compressToBase64} format (lz-string 1.x, used by older posthog-js for
 * {@code compression=lz64}). No Java port of lz-string is kept up on Maven Central, so this is a small decoder of
 * the documented format, tested against output of the lz-string npm package.
 *
 * <p>The format: the base64 text carries a bit stream, 6 bits per character, most significant bit first. Values are
 * read from it least significant bit first, with a width that starts at 2 bits (the first token), then 3, and grows
 * by one bit whenever the dictionary outgrows it. A token 0 or 1 adds a literal 8- or 16-bit UTF-16 unit to the
 * dictionary, 2 ends the stream, anything else names a dictionary entry (the entry being defined may be named:
 * it is the previous entry plus its own first character).
 */
public final class LzString {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    private static final int[] VALUES = new int[128];

    static {
        Arrays.fill(VALUES, -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            VALUES[ALPHABET.charAt(i)] = i;
        }
    }

    private LzString() {
    }

    /**
     * The text {@code compressToBase64} was given.
     *
     * @param maxChars the longest output accepted (a guard against decompression bombs)
     * @throws IllegalArgumentException when the input is not lz-string base64, or decodes past {@code maxChars}
     */
    public static String decompressFromBase64(String input, int maxChars) {
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException("empty lz-string input");
        }
        // A '+' that reached us unencoded in a form body was decoded as a space.
        String text = input.indexOf(' ') >= 0 ? input.replace(' ', '+') : input;
        return new Reader(text).decompress(maxChars);
    }

    private static final class Reader {
        private final String text;
        private int index;
        private int value;
        private int position;

        Reader(String text) {
            this.text = text;
            this.value = sixBits(0);
            this.position = 32;
            this.index = 1;
        }

        private int sixBits(int at) {
            char c = text.charAt(at);
            int v = c < 128 ? VALUES[c] : -1;
            if (v < 0) {
                throw new IllegalArgumentException("not lz-string base64: " + (int) c + " at " + at);
            }
            return v;
        }

        /** The next {@code width} bits of the stream as a number, least significant first. */
        private int bits(int width) {
            int result = 0;
            for (int i = 0; i < width; i++) {
                if (index > text.length() + 1) {
                    throw new IllegalArgumentException("lz-string input ends early");
                }
                int bit = (value & position) != 0 ? 1 : 0;
                position >>= 1;
                if (position == 0) {
                    position = 32;
                    value = index < text.length() ? sixBits(index) : 0;
                    index++;
                }
                result |= bit << i;
            }
            return result;
        }

        String decompress(int maxChars) {
            List<String> dictionary = new ArrayList<>();
            dictionary.add(null);
            dictionary.add(null);
            dictionary.add(null);
            int width = 3;
            int enlargeIn = 4;
            String first = switch (bits(2)) {
                case 0 -> String.valueOf((char) bits(8));
                case 1 -> String.valueOf((char) bits(16));
                case 2 -> "";
                default -> throw new IllegalArgumentException("not lz-string data");
            };
            if (first.isEmpty()) {
                return "";
            }
            dictionary.add(first);
            StringBuilder out = new StringBuilder(first);
            String previous = first;
            while (true) {
                if (index > text.length()) {
                    throw new IllegalArgumentException("lz-string input ends without its end marker");
                }
                int code = bits(width);
                if (code == 2) {
                    return out.toString();
                }
                if (code == 0 || code == 1) {
                    dictionary.add(String.valueOf((char) bits(code == 0 ? 8 : 16)));
                    code = dictionary.size() - 1;
                    if (--enlargeIn == 0) {
                        enlargeIn = 1 << width;
                        width++;
                    }
                }
                String entry;
                if (code < dictionary.size()) {
                    entry = dictionary.get(code);
                } else if (code == dictionary.size()) {
                    entry = previous + previous.charAt(0);
                } else {
                    throw new IllegalArgumentException("lz-string names an entry it never defined");
                }
                if (entry == null) {
                    throw new IllegalArgumentException("lz-string names a reserved entry");
                }
                out.append(entry);
                if (out.length() > maxChars) {
                    throw new IllegalArgumentException("lz-string output is longer than " + maxChars + " characters");
                }
                dictionary.add(previous + entry.charAt(0));
                previous = entry;
                if (--enlargeIn == 0) {
                    enlargeIn = 1 << width;
                    width++;
                }
            }
        }
    }
}
