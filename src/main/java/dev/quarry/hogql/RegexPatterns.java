package dev.quarry.hogql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * ClickHouse, which answers PostHog's queries, compiles regular expressions with RE2: a pattern RE2 refuses
 * (backreferences such as {@code \\1}, lookahead and lookbehind, possessive quantifiers, unbalanced brackets) fails
 * the query and PostHog answers 400. PostgreSQL's engine accepts backreferences and runs them by backtracking, so
 * {@code ^(.*)(.*)(.*)\\3\\2\\1$} over a few thousand rows held a statement slot for its whole timeout: a constant
 * pattern is checked here, with RE2's own syntax (the re2j library), before anything runs.
 *
 * <p>The compile budget. RE2 also refuses a pattern whose compiled program is too large: {@code RE2::Init} compiles
 * with two thirds of {@code max_mem} (8 MiB by default, ClickHouse keeps the default) and {@code Compiler::Setup}
 * turns that into an instruction cap (re2/re2.cc, re2/compile.cc); past it the query fails with "pattern too large -
 * compile failed" (CANNOT_COMPILE_REGEXP). RE2's program grows linearly with the pattern, so its cap is about size.
 * PostgreSQL's compile is not linear: its NFA clean-up is roughly cubic in the number of repetitions that may match
 * nothing ({@code *}, {@code ?}, {@code {0,m}} and the optional copies of {@code {n,m}}; figures at
 * {@link #OPTIONAL_REPETITIONS}), and a pattern computed per row is compiled once per row, so
 * {@code concat(uuid, repeat('(a|aa)*', 120))} (≈ 20 ms a compile) held its statement to the 60 s timeout. Quarry's cap is therefore on those repetitions, counted as the compiled
 * program holds them (a bounded repetition of a group multiplies what the group holds): at most
 * {@value #OPTIONAL_REPETITIONS}; past it the pattern is refused with RE2's words. The same rule runs in SQL on a
 * pattern read per row (V94_1, {@code hogql_re2_row_pattern}).
 */
public final class RegexPatterns {
    /**
     * The most repetitions that may match nothing a pattern may hold (expanded through bounded repetitions). PostgreSQL
     * 17 on this machine (load 15–19): 32 of {@code (a|aa)*} compile in ≈ 1 ms, 32 of {@code a?} in ≈ 1 ms, 32 of
     * {@code (a|aa|aaa|b|bb|bbb)*} in ≈ 5.5 ms; 120 of {@code (a|aa)*} in ≈ 20 ms, 200 in ≈ 330 ms. Everyday patterns
     * hold fewer than ten.
     */
    public static final int OPTIONAL_REPETITIONS = 32;

    /**
     * The largest program ({@link #programSize}) a constant pattern may compile to. RE2's own cap is far larger
     * ({@code RE2::Init} gives the forward program two thirds of {@code max_mem}, 8 MiB by default, and
     * {@code Compiler::Setup} divides what is left after the {@code Prog} header by the 8-byte {@code Prog::Inst}:
     * about 699,000 instructions, re2/re2.cc and re2/compile.cc), but PostgreSQL's compile of a long pattern costs far
     * more than RE2's: it grows with the square of the class atoms. PostgreSQL 17 here (load 15–18):
     * {@code repeat('[ab]x', 2000)} (28,000 units) compiles in ≈ 54 ms at load 2, {@code repeat('[ab]x', 20000)} in
     * ≈ 5.4 s, {@code repeat('ab', 20000)} (40,000 units) in ≈ 70 ms. A constant pattern is compiled once per
     * statement (PostgreSQL keeps the last 32 compiled patterns), so this cap keeps that one compile near 100 ms.
     */
    public static final long PROGRAM_SIZE = 50_000;

    /**
     * The largest program a pattern computed per row may compile to: it is compiled once per row, so its cap keeps a
     * compile near 1–5 ms (PostgreSQL 17 here at load 18, per compile: 100 of {@code [ab]x} ≈ 0.9 ms, 1,000 ≈ 15 ms;
     * {@code repeat('ax', 1000)}, 2,000 units, ≈ 4.6 ms). Checked in SQL as the pattern is read (V98_1).
     */
    public static final long ROW_PROGRAM_SIZE = 2_000;

    /** What a class atom (a bracket expression, an escape, {@code .}) adds to {@link #programSize} over its length. */
    static final int CLASS_WEIGHT = 9;

    /** How much of a refused pattern an error message shows. */
    static final int SHOWN = 100;

    private RegexPatterns() {
    }

    /**
     * Checks {@code pattern} against RE2's syntax and Quarry's compile budget ({@link #OPTIONAL_REPETITIONS}).
     *
     * @throws HogQLRegexException naming the pattern (its first {@value #SHOWN} characters and its length when
     *         longer) and RE2's reason when RE2 refuses it, or "pattern too large - compile failed" past the budget
     *         ({@link #OPTIONAL_REPETITIONS}, {@link #PROGRAM_SIZE})
     */
    public static void check(String pattern) {
        String badRepetition = repetitionPastRe2sLimit(pattern);
        if (badRepetition != null) { // before re2j, which has no such check and would build the whole program
            throw new HogQLRegexException("Invalid regular expression '" + shown(pattern)
                    + "': bad repetition operator: " + badRepetition);
        }
        long size = programSize(pattern);
        if (size > PROGRAM_SIZE) { // before re2j too, which would build the whole program
            throw new HogQLRegexException(programTooLarge(pattern, size, PROGRAM_SIZE));
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new HogQLRegexException("Invalid regular expression '" + shown(pattern) + "': "
                    + e.getDescription());
        }
        long n = optionalRepetitions(pattern);
        if (n > OPTIONAL_REPETITIONS) {
            throw new HogQLRegexException(tooLarge(pattern, n));
        }
    }

    /**
     * The message for a pattern whose program passes {@code cap} ({@link #programSize}), as the SQL check (V98_1)
     * words it too.
     */
    static String programTooLarge(String pattern, long size, long cap) {
        return "Invalid regular expression '" + shown(pattern) + "': pattern too large - compile failed (program size "
                + (size > 1_000_000 ? "over 1000000" : String.valueOf(size)) + "; at most " + cap + ")";
    }

    /**
     * The size of {@code pattern}'s compiled program, in units of one literal character, as PostgreSQL's compile pays
     * for it: every character of the pattern counts 1, and each class atom — a bracket expression, an escape (any
     * {@code \x}, {@code \.} included: an over-estimate) or {@code .} — counts {@value #CLASS_WEIGHT} more; a
     * counted repetition ({@code {n}}, {@code {n,m}}, {@code {n,}}) holds its atom or group as many times as its upper
     * bound ({@code n} for {@code {n,}}), as both RE2's simplifier and PostgreSQL's compiler expand it. The size is
     * never below the pattern's length. Saturates at {@link Long#MAX_VALUE} / 2.
     */
    public static long programSize(String pattern) {
        int n = pattern.length();
        long[] frame = new long[n + 2];
        int depth = 0;
        long last = -1; // the size of the last atom (a group's whole size); -1: nothing to repeat
        int i = 0;
        while (i < n) {
            char c = pattern.charAt(i);
            switch (c) {
                case '\\' -> {
                    int end = Math.min(n, i + 2);
                    last = end - i + CLASS_WEIGHT;
                    frame[depth] = add(frame[depth], last);
                    i = end;
                }
                case '[' -> {
                    int end = Math.min(n, afterBracketExpression(pattern, i));
                    last = end - i + CLASS_WEIGHT;
                    frame[depth] = add(frame[depth], last);
                    i = end;
                }
                case '.' -> {
                    last = 1 + CLASS_WEIGHT;
                    frame[depth] = add(frame[depth], last);
                    i++;
                }
                case '(' -> {
                    frame[++depth] = 1; // the parenthesis; an opener's other characters ((?:, (?P<name>) below
                    last = -1;
                    i++;
                }
                case ')' -> {
                    if (depth > 0) {
                        last = add(frame[depth--], 1);
                        frame[depth] = add(frame[depth], last);
                    } else {
                        last = 1;
                        frame[0] = add(frame[0], 1);
                    }
                    i++;
                }
                case '{' -> {
                    CountedRepetition r = last >= 0 ? CountedRepetition.at(pattern, i) : null;
                    if (r != null) {
                        // the frame holds the atom once; the program holds it hi times (at least once)
                        frame[depth] = add(add(frame[depth], mul(last, Math.max(r.hi(), 1) - 1)), r.end() - i);
                        last = -1;
                        i = r.end();
                    } else {
                        last = 1;
                        frame[depth] = add(frame[depth], 1);
                        i++;
                    }
                }
                case '*', '+', '?', '|' -> {
                    last = -1;
                    frame[depth] = add(frame[depth], 1);
                    i++;
                }
                default -> {
                    last = 1;
                    frame[depth] = add(frame[depth], 1);
                    i++;
                }
            }
        }
        long total = 0;
        for (int d = 0; d <= depth; d++) {
            total = add(total, frame[d]);
        }
        return total;
    }

    /**
     * RE2's limit on nested counted repetitions (re2/parse.cc, {@code RepetitionWalker} and {@code kMaxRepeat}): the
     * counts of {@code {n}}, {@code {n,m}} (its {@code m}) and {@code {n,}} (its {@code n}) nested in one another may
     * multiply to at most 1000; past it RE2 answers "bad repetition operator" at parse time, so
     * {@code ((a{255}){255}){255}} is refused at once (re2j has no such check and expands it to ≈ 16 million
     * instructions: seconds of CPU and gigabytes). {@code *}, {@code +} and {@code ?} are not counted, as in RE2.
     *
     * @return the operator text ({@code {255}}) of the first repetition whose nesting passes the limit, or null
     */
    public static String repetitionPastRe2sLimit(String pattern) {
        int n = pattern.length();
        long[] widest = new long[n + 2]; // per open group: the largest product of counts inside it so far
        int depth = 0;
        widest[0] = 1;
        long last = -1; // the product of counts the last atom holds; -1: nothing to repeat
        int i = 0;
        while (i < n) {
            char c = pattern.charAt(i);
            switch (c) {
                case '\\' -> {
                    last = 1;
                    i += 2;
                }
                case '[' -> {
                    last = 1;
                    i = afterBracketExpression(pattern, i);
                }
                case '(' -> {
                    widest[++depth] = 1;
                    last = -1;
                    i++;
                    if (i < n && pattern.charAt(i) == '?') { // (?:  (?P<name>  (?i)  (?i:
                        int close = pattern.indexOf(pattern.startsWith("P<", i + 1) || pattern.startsWith("<", i + 1)
                                ? '>' : ':', i);
                        int flagsEnd = pattern.indexOf(')', i);
                        if (flagsEnd >= 0 && (close < 0 || flagsEnd < close)) { // flags only: (?i)
                            depth--;
                            i = flagsEnd + 1;
                        } else {
                            i = close < 0 ? n : close + 1;
                        }
                    }
                }
                case ')' -> {
                    last = depth > 0 ? widest[depth--] : 1;
                    widest[depth] = Math.max(widest[depth], last);
                    i++;
                }
                case '|' -> {
                    last = -1;
                    i++;
                }
                case '{' -> {
                    int close = pattern.indexOf('}', i);
                    String body = close < 0 ? "" : pattern.substring(i + 1, close);
                    if (last >= 0 && body.matches("\\d{1,9}(,\\d{0,9})?")) {
                        int comma = body.indexOf(',');
                        long min = Long.parseLong(comma < 0 ? body : body.substring(0, comma));
                        long max = comma < 0 ? min : comma == body.length() - 1 ? -1
                                : Long.parseLong(body.substring(comma + 1));
                        long count = max < 0 ? min : max;
                        long product = count > 0 ? last * count : last;
                        if (product > 1000) {
                            return "{" + body + "}";
                        }
                        widest[depth] = Math.max(widest[depth], product);
                        last = -1;
                        i = close + 1;
                    } else {
                        last = 1;
                        i++;
                    }
                }
                default -> {
                    if (c != '*' && c != '+' && c != '?') {
                        last = 1;
                    }
                    i++;
                }
            }
        }
        return null;
    }

    /** The message for a pattern past the budget, as the SQL check (V94_1) words it too. */
    static String tooLarge(String pattern, long n) {
        return "Invalid regular expression '" + shown(pattern) + "': pattern too large - compile failed ("
                + (n > 1_000_000 ? "over 1000000" : String.valueOf(n)) + " repetitions that may match nothing; at most "
                + OPTIONAL_REPETITIONS + ")";
    }

    /**
     * The pattern as an error shows it: whole up to {@value #SHOWN} characters, else its first {@value #SHOWN}, then
     * {@code …} and its length ({@code … (2436 characters)}).
     */
    static String shown(String pattern) {
        return pattern.length() <= SHOWN ? pattern
                : pattern.substring(0, SHOWN) + "… (" + pattern.length() + " characters)";
    }

    /**
     * The number of repetitions in {@code pattern} that may match nothing, as its compiled program holds them:
     * {@code *} and {@code ?} count 1; {@code {n,m}} counts {@code m - n} (its optional copies), {@code {n,}} 1;
     * a repeated group's own count is multiplied by the repetition's upper bound ({@code (a?){200}} is 200,
     * {@code (a*)*} 2). Escapes ({@code \\*}), bracket expressions ({@code [*?]}), group openers ({@code (?:},
     * {@code (?P<name>}, {@code (?i)}) and lazy or possessive marks ({@code *?}) count nothing; a brace that is no
     * repetition ({@code a{x}}) is a literal, as in RE2. Saturates at {@link Long#MAX_VALUE} / 2.
     */
    public static long optionalRepetitions(String pattern) {
        int n = pattern.length();
        long[] frame = new long[n + 2];
        int depth = 0;
        long last = 0; // what the last atom holds (a group's count, 0 for a character); -1: nothing to repeat
        int i = 0;
        while (i < n) {
            char c = pattern.charAt(i);
            switch (c) {
                case '\\' -> {
                    last = 0;
                    i += 2;
                }
                case '[' -> {
                    last = 0;
                    i = afterBracketExpression(pattern, i);
                }
                case '(' -> {
                    i++;
                    if (i < n && pattern.charAt(i) == '?') {
                        i++;
                        if (pattern.startsWith("P<", i) || (i < n && pattern.charAt(i) == '<')) {
                            int close = pattern.indexOf('>', i);
                            i = close < 0 ? n : close + 1;
                        } else {
                            while (i < n && (Character.isLetter(pattern.charAt(i)) || pattern.charAt(i) == '-')) {
                                i++;
                            }
                            if (i < n && pattern.charAt(i) == ')') { // flags only: (?i)
                                i++;
                                last = -1;
                                continue;
                            }
                            if (i < n && pattern.charAt(i) == ':') {
                                i++;
                            }
                        }
                    }
                    frame[++depth] = 0;
                    last = -1;
                }
                case ')' -> {
                    last = depth > 0 ? frame[depth--] : 0;
                    frame[depth] = add(frame[depth], last);
                    i++;
                }
                case '|' -> {
                    last = -1;
                    i++;
                }
                case '*', '?', '+' -> {
                    if (last >= 0) {
                        // the atom's own count is already in the frame; a star or a question mark adds one
                        frame[depth] = add(frame[depth], c == '+' ? 0 : 1);
                    }
                    last = -1;
                    i++;
                    if (i < n && (pattern.charAt(i) == '?' || pattern.charAt(i) == '+')) {
                        i++;
                    }
                }
                case '{' -> {
                    CountedRepetition r = last >= 0 ? CountedRepetition.at(pattern, i) : null;
                    if (r != null) {
                        long hi = r.open() ? Math.max(r.lo(), 1) : r.hi();
                        long own = r.open() ? 1 : Math.max(0, hi - r.lo());
                        // the frame holds the atom once; the program holds it hi times
                        frame[depth] = add(add(frame[depth], mul(last, Math.max(hi, 1) - 1)), own);
                        last = -1;
                        i = r.end();
                        if (i < n && (pattern.charAt(i) == '?' || pattern.charAt(i) == '+')) {
                            i++;
                        }
                    } else {
                        last = 0;
                        i++;
                    }
                }
                default -> {
                    last = 0;
                    i++;
                }
            }
        }
        long total = 0;
        for (int d = 0; d <= depth; d++) {
            total = add(total, frame[d]);
        }
        return total;
    }

    /**
     * The index just past the bracket expression opening at {@code open} ({@code [^]a-z[:alpha:]\\]]}: a leading
     * {@code ^} and {@code ]}, escapes and POSIX classes inside it), or past the end when it is not closed.
     */
    private static int afterBracketExpression(String pattern, int open) {
        int n = pattern.length();
        int j = open + 1;
        if (j < n && pattern.charAt(j) == '^') {
            j++;
        }
        if (j < n && pattern.charAt(j) == ']') {
            j++;
        }
        while (j < n && pattern.charAt(j) != ']') {
            if (pattern.charAt(j) == '\\') {
                j++;
            } else if (pattern.startsWith("[:", j)) {
                int close = pattern.indexOf(":]", j + 2);
                j = close < 0 ? j : close + 1;
            }
            j++;
        }
        return j + 1;
    }

    /**
     * A counted repetition at a {@code '{'}: {@code {lo}}, {@code {lo,}} ({@code open}, hi then lo) or {@code {lo,hi}}
     * of at most 9 digits each, and {@code end}, the index just past its {@code '}'}.
     */
    private record CountedRepetition(long lo, long hi, boolean open, int end) {
        /** The repetition whose {@code '{'} is at {@code at}; null when the text there is not one (a literal brace). */
        static CountedRepetition at(String pattern, int at) {
            int close = pattern.indexOf('}', at);
            String body = close < 0 ? "" : pattern.substring(at + 1, close);
            if (!body.matches("\\d{1,9}(,\\d{0,9})?")) {
                return null;
            }
            int comma = body.indexOf(',');
            long lo = Long.parseLong(comma < 0 ? body : body.substring(0, comma));
            boolean open = comma >= 0 && comma == body.length() - 1;
            long hi = comma < 0 || open ? lo : Long.parseLong(body.substring(comma + 1));
            return new CountedRepetition(lo, hi, open, close + 1);
        }
    }

    private static long add(long a, long b) {
        return Math.min(Long.MAX_VALUE / 2, a + b);
    }

    private static long mul(long a, long b) {
        return a == 0 || b == 0 ? 0 : a > (Long.MAX_VALUE / 2) / b ? Long.MAX_VALUE / 2 : a * b;
    }
}
