package dev.quarry.hogql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * ClickHouse, which answers PostHog's queries, compiles regular expressions with RE2: a pattern RE2 refuses
 * (backreferences such as {@code \\1}, lookahead and lookbehind, possessive quantifiers, unbalanced brackets) fails
 * the query and PostHog answers 400. PostgreSQL's engine accepts backreferences and runs them by backtracking, so
 * {@code ^(.*)(.*)(.*)\\3\\2\\1$} over a few thousand rows held a statement slot for its whole timeout: a constant
 * pattern is checked here, with RE2's own syntax (the re2j library), before anything runs.
 */
public final class RegexPatterns {
    private RegexPatterns() {
    }

    /**
     * Checks {@code pattern} against RE2's syntax.
     *
     * @throws HogQLResolutionException naming the pattern and RE2's reason when RE2 refuses it
     */
    public static void check(String pattern) {
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new HogQLResolutionException("Invalid regular expression '" + pattern + "': " + e.getDescription());
        }
    }
}
