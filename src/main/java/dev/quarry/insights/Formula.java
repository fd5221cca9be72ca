package dev.quarry.insights;

import dev.quarry.web.ValidationException;
import java.util.List;

/**
 * A trends formula over series letters ({@code A} is the first series), read as PostHog's {@code FormulaAST} reads it
 * (a Python expression, lower-cased): numbers, letters, {@code + - * / %} and {@code **}, unary {@code +} and
 * {@code -}, parentheses, with Python's precedence ({@code **} binds tighter than a unary minus on its left and groups
 * from the right) and Python's {@code %} (the sign of the divisor). Parsed once into a tree and evaluated per bucket;
 * a division or remainder by zero gives 0, as PostHog catches ZeroDivisionError. Anything else is a 400 in PostHog's
 * words: a function call ("Formulas only support arithmetic between series (like (A + B) / 2), not SQRT(). …"), a
 * comparison, a letter past the series ("Formula references series D, but only 3 series are defined (A, B, C)").
 */
public final class Formula {
    private interface Node {
        double eval(double[] values);
    }

    private final String text;
    private final String source;
    private final Node root;
    private int pos;

    private Formula(String text, int seriesCount) {
        this.text = text;
        this.source = text.toLowerCase(java.util.Locale.ROOT);
        this.root = parse(seriesCount);
    }

    public static Formula parse(String text, int seriesCount) {
        if (text == null || text.isBlank() || text.length() > 500) {
            throw new ValidationException("Invalid formula", "formula");
        }
        return new Formula(text, seriesCount);
    }

    public double eval(double[] seriesValues) {
        double v = root.eval(seriesValues);
        return Double.isNaN(v) || Double.isInfinite(v) ? 0 : v;
    }

    public String text() {
        return text;
    }

    private Node parse(int n) {
        pos = 0;
        Node e = sum(n);
        skip();
        if (pos != source.length()) {
            char c = source.charAt(pos);
            if (c == '<' || c == '>' || c == '=' || c == '!') {
                throw notArithmetic("Compare");
            }
            throw error();
        }
        return e;
    }

    private ValidationException error() {
        return new ValidationException("Invalid formula \"" + text + "\" at position " + pos, "formula");
    }

    private static ValidationException notArithmetic(String what) {
        return new ValidationException("Formulas only support arithmetic between series, not " + what, "formula");
    }

    private void skip() {
        while (pos < source.length() && Character.isWhitespace(source.charAt(pos))) {
            pos++;
        }
    }

    private boolean at(char c) {
        return pos < source.length() && source.charAt(pos) == c;
    }

    private boolean atPower() {
        return at('*') && pos + 1 < source.length() && source.charAt(pos + 1) == '*';
    }

    private Node sum(int n) {
        Node left = product(n);
        while (true) {
            skip();
            if (at('+') || at('-')) {
                char op = source.charAt(pos++);
                Node l = left;
                Node r = product(n);
                left = op == '+' ? v -> l.eval(v) + r.eval(v) : v -> l.eval(v) - r.eval(v);
            } else {
                return left;
            }
        }
    }

    private Node product(int n) {
        Node left = unary(n);
        while (true) {
            skip();
            if ((at('*') && !atPower()) || at('/') || at('%')) {
                char op = source.charAt(pos++);
                Node l = left;
                Node r = unary(n);
                left = switch (op) {
                    case '*' -> v -> l.eval(v) * r.eval(v);
                    case '/' -> v -> {
                        double d = r.eval(v);
                        return d == 0 ? 0 : l.eval(v) / d;
                    };
                    default -> v -> pythonRemainder(l.eval(v), r.eval(v));
                };
            } else {
                return left;
            }
        }
    }

    /** Python's {@code a % b}: the sign of the divisor; 0 for a zero divisor (PostHog catches ZeroDivisionError). */
    static double pythonRemainder(double a, double b) {
        if (b == 0) {
            return 0;
        }
        double r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    /** Python's {@code a ** b}: 0 where Python raises ZeroDivisionError (zero to a negative power). */
    static double pythonPower(double a, double b) {
        return a == 0 && b < 0 ? 0 : Math.pow(a, b);
    }

    private Node unary(int n) {
        skip();
        if (at('-') || at('+')) {
            char op = source.charAt(pos++);
            Node inner = unary(n);
            return op == '-' ? v -> -inner.eval(v) : inner;
        }
        return power(n);
    }

    /** An atom, raised by {@code **} and a unary (Python's {@code power: primary ['**' factor]}). */
    private Node power(int n) {
        Node base = atom(n);
        skip();
        if (atPower()) {
            pos += 2;
            Node exponent = unary(n);
            return v -> pythonPower(base.eval(v), exponent.eval(v));
        }
        return base;
    }

    private Node atom(int n) {
        skip();
        if (pos >= source.length()) {
            throw error();
        }
        char c = source.charAt(pos);
        if (c == '(') {
            pos++;
            Node e = sum(n);
            skip();
            if (!at(')')) {
                throw error();
            }
            pos++;
            return e;
        }
        if (Character.isDigit(c) || c == '.') {
            return number();
        }
        if (Character.isLetter(c) || c == '_') {
            int start = pos;
            while (pos < source.length() && (Character.isLetterOrDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
                pos++;
            }
            String name = source.substring(start, pos);
            skip();
            if (at('(')) {
                throw new ValidationException("Formulas only support arithmetic between series (like (A + B) / 2), not "
                        + name.toUpperCase(java.util.Locale.ROOT) + "(). To aggregate a series, set its measurement "
                        + "(for example median or p95) on the series itself.", "formula");
            }
            int index = name.length() == 1 && name.charAt(0) >= 'a' && name.charAt(0) <= 'z' ? name.charAt(0) - 'a' : -1;
            if (index < 0 || index >= n) {
                List<String> defined = letters(Math.min(n, 26));
                throw new ValidationException("Formula references series " + name.toUpperCase(java.util.Locale.ROOT)
                        + ", but only " + defined.size() + (defined.size() == 1 ? " series is" : " series are")
                        + " defined (" + (defined.isEmpty() ? "none" : String.join(", ", defined)) + ")", "formula");
            }
            return v -> v[index];
        }
        throw error();
    }

    /** A Python number: digits with an optional fraction and exponent ({@code 2}, {@code .5}, {@code 1e3}, {@code 1_000}). */
    private Node number() {
        int start = pos;
        while (pos < source.length() && (Character.isDigit(source.charAt(pos)) || source.charAt(pos) == '.'
                || source.charAt(pos) == '_')) {
            pos++;
        }
        if (at('e') && pos + 1 < source.length() && (Character.isDigit(source.charAt(pos + 1))
                || ((source.charAt(pos + 1) == '-' || source.charAt(pos + 1) == '+') && pos + 2 < source.length()
                        && Character.isDigit(source.charAt(pos + 2))))) {
            pos += 2;
            while (pos < source.length() && Character.isDigit(source.charAt(pos))) {
                pos++;
            }
        }
        String literal = source.substring(start, pos);
        if (literal.startsWith("_") || literal.endsWith("_") || literal.contains("__") || literal.contains("._")
                || literal.contains("_.")) {
            throw error();
        }
        try {
            double d = Double.parseDouble(literal.replace("_", ""));
            return v -> d;
        } catch (NumberFormatException e) {
            throw error();
        }
    }

    /** The letters of a formula's series, for labels. */
    public static List<String> letters(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> String.valueOf((char) ('A' + i))).toList();
    }
}
