package dev.quarry.insights;

import dev.quarry.web.ValidationException;
import java.util.List;

/**
 * A trends formula over series letters ({@code A} is the first series): numbers, letters, {@code + - * /}, unary minus
 * and parentheses, parsed once into a tree and evaluated per bucket. Nothing else is accepted; division by zero gives 0.
 */
public final class Formula {
    private interface Node {
        double eval(double[] values);
    }

    private final String text;
    private final Node root;
    private int pos;

    private Formula(String text, int seriesCount) {
        this.text = text;
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
        if (pos != text.length()) {
            throw error();
        }
        return e;
    }

    private ValidationException error() {
        return new ValidationException("Invalid formula \"" + text + "\" at position " + pos, "formula");
    }

    private void skip() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private Node sum(int n) {
        Node left = product(n);
        while (true) {
            skip();
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                char op = text.charAt(pos++);
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
            if (pos < text.length() && (text.charAt(pos) == '*' || text.charAt(pos) == '/')) {
                char op = text.charAt(pos++);
                Node l = left;
                Node r = unary(n);
                left = op == '*' ? v -> l.eval(v) * r.eval(v) : v -> {
                    double d = r.eval(v);
                    return d == 0 ? 0 : l.eval(v) / d;
                };
            } else {
                return left;
            }
        }
    }

    private Node unary(int n) {
        skip();
        if (pos < text.length() && text.charAt(pos) == '-') {
            pos++;
            Node inner = unary(n);
            return v -> -inner.eval(v);
        }
        return atom(n);
    }

    private Node atom(int n) {
        skip();
        if (pos >= text.length()) {
            throw error();
        }
        char c = text.charAt(pos);
        if (c == '(') {
            pos++;
            Node e = sum(n);
            skip();
            if (pos >= text.length() || text.charAt(pos) != ')') {
                throw error();
            }
            pos++;
            return e;
        }
        if (Character.isDigit(c) || c == '.') {
            int start = pos;
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
                pos++;
            }
            try {
                double d = Double.parseDouble(text.substring(start, pos));
                return v -> d;
            } catch (NumberFormatException e) {
                throw error();
            }
        }
        char u = Character.toUpperCase(c);
        if (u >= 'A' && u <= 'Z') {
            int index = u - 'A';
            if (index >= n) {
                throw new ValidationException("Formula \"" + text + "\" refers to series " + u + ", but there are only "
                        + n + " series", "formula");
            }
            pos++;
            return v -> v[index];
        }
        throw error();
    }

    /** The letters of a formula's series, for labels. */
    public static List<String> letters(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> String.valueOf((char) ('A' + i))).toList();
    }
}
