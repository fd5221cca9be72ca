package dev.quarry.hogql;

import java.util.Map;

/**
 * A constant regular expression in RE2's syntax (ClickHouse's engine, so PostHog's) rewritten for PostgreSQL's
 * advanced regular expressions (ARE), where an exact rewriting exists; otherwise a 400 naming the construct. Read
 * from RE2's syntax page and PostgreSQL's "Regular Expression Details":
 * <ul>
 * <li>named groups {@code (?P<x>…)} / {@code (?<x>…)} → {@code (…)} (the same group numbers);</li>
 * <li>flags: {@code (?i)}, {@code (?s)}, {@code (?m)} at the start → ARE's leading options ({@code i}; RE2's {@code .}
 * stops at a newline unless {@code s}, ARE's does not: {@code .} is written {@code [^\n]}; {@code m} → ARE's
 * {@code w}, line anchors); flags later in the pattern, {@code (?i:…)} groups and {@code U} → 400;</li>
 * <li>{@code \z} → {@code \Z}; {@code \Q…\E} → each character escaped; {@code \b}/{@code \B} → {@code \y}/{@code \Y}
 * (ARE's {@code \b} is a backspace); {@code \x{263A}} → {@code \U0000263A};</li>
 * <li>RE2's classes are ASCII: {@code \d \w \s} and {@code [[:alpha:]]}, {@code [[:word:]]}… → the same ASCII ranges
 * (PostgreSQL's follow the database's locale);</li>
 * <li>Unicode classes ({@code \pL}, {@code \p{Greek}}) and {@code \C} have no ARE form → 400.</li>
 * </ul>
 * Non-greedy quantifiers are kept: ARE accepts them (whether a match exists is the same; ARE decides the greediness
 * of the whole match from its first quantifier, so an extract mixing both kinds can differ).
 */
public final class Re2ToPostgres {
    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alnum", "0-9A-Za-z"), Map.entry("alpha", "A-Za-z"), Map.entry("ascii", "\\x00-\\x7F"),
            Map.entry("blank", "\\t "), Map.entry("cntrl", "\\x00-\\x1F\\x7F"), Map.entry("digit", "0-9"),
            Map.entry("graph", "!-~"), Map.entry("lower", "a-z"), Map.entry("print", " -~"),
            Map.entry("punct", "!-/:-@[-`{-~"), Map.entry("space", "\\t\\n\\v\\f\\r "), Map.entry("upper", "A-Z"),
            Map.entry("word", "0-9A-Za-z_"), Map.entry("xdigit", "0-9A-Fa-f"));
    private static final Map<Character, String> PERL = Map.of('d', "0-9", 'w', "0-9A-Za-z_", 's', "\\t\\n\\f\\r ");

    private static final java.util.regex.Pattern BOUND = java.util.regex.Pattern.compile("\\{[0-9]+(,[0-9]*)?}");

    private Re2ToPostgres() {
    }

    /**
     * @param re2 a pattern RE2 accepts (checked before, {@link RegexPatterns#check})
     * @return the same pattern for PostgreSQL
     * @throws HogQLResolutionException naming the construct when PostgreSQL has no exact equivalent
     */
    public static String translate(String re2) {
        StringBuilder out = new StringBuilder();
        boolean dotAll = false;
        int i = 0;
        int n = re2.length();
        // leading flags: (?i), (?s), (?m), (?is)…, possibly several groups
        StringBuilder options = new StringBuilder();
        while (re2.startsWith("(?", i) && i + 2 < n && "imsU-".indexOf(re2.charAt(i + 2)) >= 0) {
            int close = re2.indexOf(')', i);
            int colon = re2.indexOf(':', i);
            if (close < 0 || (colon >= 0 && colon < close)) {
                break; // a (?i:…) group: handled below
            }
            String flags = re2.substring(i + 2, close);
            if (flags.contains("-") || flags.contains("U")) {
                throw refuse(re2, "the flag group (?" + flags + ")");
            }
            for (char f : flags.toCharArray()) {
                if (f == 'i' && options.indexOf("i") < 0) {
                    options.append('i');
                } else if (f == 's') {
                    dotAll = true;
                } else if (f == 'm' && options.indexOf("w") < 0) {
                    options.append('w');
                }
            }
            i = close + 1;
        }
        if (!options.isEmpty()) {
            out.append("(?").append(options).append(')');
        }
        while (i < n) {
            char c = re2.charAt(i);
            if (c == '\\') {
                i = escape(re2, i, out, false);
            } else if (c == '[') {
                i = bracket(re2, i, out);
            } else if (c == '{' && !BOUND.matcher(re2).region(i, n).lookingAt()) {
                out.append("\\{"); // RE2 reads a brace that starts no {n,m} as itself; ARE refuses it
                i++;
            } else if (c == '.') {
                out.append(dotAll ? "." : "[^\\n]");
                i++;
            } else if (c == '(' && re2.startsWith("(?", i)) {
                if (re2.startsWith("(?P<", i) || re2.startsWith("(?<", i)) {
                    int close = re2.indexOf('>', i);
                    out.append('(');
                    i = close + 1;
                } else if (re2.startsWith("(?:", i)) {
                    out.append("(?:");
                    i += 3;
                } else {
                    int end = re2.indexOf(')', i);
                    int colon = re2.indexOf(':', i);
                    int stop = colon >= 0 && colon < end ? colon + 1 : end + 1;
                    throw refuse(re2, "the flags " + re2.substring(i, stop) + (colon >= 0 && colon < end ? "…)" : "")
                            + " inside the pattern (PostgreSQL takes flags only at its start)");
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** An escape at {@code re2[i]} (a backslash), inside a bracket or not; returns the index after it. */
    private static int escape(String re2, int i, StringBuilder out, boolean inBracket) {
        if (i + 1 >= re2.length()) {
            out.append('\\');
            return i + 1;
        }
        char e = re2.charAt(i + 1);
        switch (e) {
            case 'z' -> out.append("\\Z");
            case 'b' -> out.append(inBracket ? "\\b" : "\\y");
            case 'B' -> out.append("\\Y");
            case 'd', 'w', 's' -> out.append(inBracket ? PERL.get(e) : "[" + PERL.get(e) + "]");
            case 'D', 'W', 'S' -> {
                if (inBracket) {
                    throw refuse(re2, "\\" + e + " inside a bracket expression");
                }
                out.append("[^").append(PERL.get(Character.toLowerCase(e))).append(']');
            }
            case 'p', 'P' -> {
                String name = re2.startsWith("{", i + 2) ? re2.substring(i + 2, re2.indexOf('}', i) + 1)
                        : String.valueOf(re2.charAt(i + 2));
                throw refuse(re2, "the Unicode class \\" + e + name);
            }
            case 'C' -> throw refuse(re2, "\\C (any byte)");
            case 'Q' -> {
                int end = re2.indexOf("\\E", i + 2);
                String literal = re2.substring(i + 2, end < 0 ? re2.length() : end);
                for (char ch : literal.toCharArray()) {
                    out.append(Character.isLetterOrDigit(ch) || ch == ' ' ? String.valueOf(ch) : "\\" + ch);
                }
                return end < 0 ? re2.length() : end + 2;
            }
            case 'E' -> {
                return i + 2; // a lone \E ends nothing: RE2 ignores it
            }
            case 'x' -> {
                if (re2.startsWith("{", i + 2)) {
                    int close = re2.indexOf('}', i);
                    String hex = re2.substring(i + 3, close);
                    out.append("\\U").append("0".repeat(Math.max(0, 8 - hex.length()))).append(hex);
                    return close + 1;
                }
                // RE2 reads two hex digits after \x, ARE every one that follows: the four-digit form is exact
                out.append("\\u00").append(re2, i + 2, Math.min(re2.length(), i + 4));
                return Math.min(re2.length(), i + 4);
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    // RE2's octal \123 (ARE would read \1… as a backreference)
                    int end = i + 1;
                    while (end < re2.length() && end < i + 4 && re2.charAt(end) >= '0' && re2.charAt(end) <= '7') {
                        end++;
                    }
                    out.append(String.format("\\u%04X", Integer.parseInt(re2.substring(i + 1, end), 8)));
                    return end;
                }
                out.append('\\').append(e);
            }
        }
        return i + 2;
    }

    /** A bracket expression at {@code re2[i]}; returns the index after its closing bracket. */
    private static int bracket(String re2, int i, StringBuilder out) {
        int k = i + 1;
        StringBuilder b = new StringBuilder("[");
        if (k < re2.length() && re2.charAt(k) == '^') {
            b.append('^');
            k++;
        }
        boolean first = true;
        while (k < re2.length()) {
            char c = re2.charAt(k);
            if (c == ']' && !first) {
                break;
            }
            first = false;
            if (c == '[' && re2.startsWith("[:", k)) {
                int close = re2.indexOf(":]", k + 2);
                String name = re2.substring(k + 2, close);
                if (name.startsWith("^")) {
                    throw refuse(re2, "the negated class [:" + name + ":]");
                }
                b.append(POSIX.get(name));
                k = close + 2;
            } else if (c == '\\') {
                StringBuilder e = new StringBuilder();
                k = escape(re2, k, e, true);
                b.append(e);
            } else {
                if (c == '[') {
                    b.append("\\[");
                } else {
                    b.append(c);
                }
                k++;
            }
        }
        out.append(b).append(']');
        return k + 1;
    }

    /**
     * Refuses a pattern that mixes greedy and lazy quantifiers ({@code a+?a*}) where the extent of a match matters
     * (extract, replaceRegexp…): RE2 gives each quantifier its own greediness (leftmost-first), PostgreSQL takes the
     * whole match's from the first quantifier, so the two find different text ({@code extract('aaa', 'a+?a*')} is
     * 'aaa' in ClickHouse, 'a' in PostgreSQL). A pattern whose quantifiers are all greedy or all lazy is the same in
     * both.
     *
     * @throws HogQLResolutionException naming the pattern
     */
    public static void sameGreediness(String re2) {
        boolean greedy = false;
        boolean lazy = false;
        int n = re2.length();
        for (int i = 0; i < n; i++) {
            char c = re2.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '[') {
                int k = i + 1;
                if (k < n && re2.charAt(k) == '^') {
                    k++;
                }
                if (k < n && re2.charAt(k) == ']') {
                    k++;
                }
                while (k < n && re2.charAt(k) != ']') {
                    k += re2.charAt(k) == '\\' ? 2 : 1;
                }
                i = k;
                continue;
            }
            if (c == '(' && i + 1 < n && re2.charAt(i + 1) == '?') {
                i++;
                continue;
            }
            int end = -1;
            if (c == '*' || c == '+' || c == '?') {
                end = i + 1;
            } else if (c == '{') {
                java.util.regex.Matcher m = BOUND.matcher(re2).region(i, n);
                if (m.lookingAt()) {
                    end = m.end();
                }
            }
            if (end < 0) {
                continue;
            }
            if (end < n && re2.charAt(end) == '?') {
                lazy = true;
                end++;
            } else {
                greedy = true;
            }
            i = end - 1;
        }
        if (greedy && lazy) {
            throw refuse(re2, "greedy and lazy quantifiers together (RE2 keeps each one's own, PostgreSQL the first's "
                    + "for the whole match)");
        }
    }

    private static HogQLResolutionException refuse(String re2, String construct) {
        return new HogQLResolutionException("Regular expression '" + re2 + "' uses " + construct
                + ", which PostgreSQL cannot run the way RE2 (ClickHouse) does");
    }
}
