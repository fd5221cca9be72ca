package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.web.ValidationException;
import org.junit.jupiter.api.Test;

class FormulaTest {
    @Test
    void arithmeticWithPrecedenceAndParentheses() {
        double[] v = {6, 3, 2};
        assertEquals(9, Formula.parse("A+B", 3).eval(v));
        assertEquals(2, Formula.parse("A/B", 3).eval(v));
        assertEquals(12, Formula.parse("A + B * C", 3).eval(v));
        assertEquals(18, Formula.parse("(a + b) * c", 3).eval(v));
        assertEquals(-3, Formula.parse("-B", 3).eval(v));
        assertEquals(0.5, Formula.parse("C / 4", 3).eval(v));
        assertEquals(0, Formula.parse("A / (B - B)", 3).eval(v));
    }

    @Test
    void anythingElseIsRejected() {
        assertThrows(ValidationException.class, () -> Formula.parse("A+D", 3));
        assertThrows(ValidationException.class, () -> Formula.parse("A+", 3));
        assertThrows(ValidationException.class, () -> Formula.parse("exec(A)", 3));
        assertThrows(ValidationException.class, () -> Formula.parse("A;B", 3));
        assertThrows(ValidationException.class, () -> Formula.parse("", 3));
    }

    /** PostHog's FormulaAST evaluates a Python expression: {@code %} and {@code **} with Python's rules. */
    @Test
    void remainderAndPowerAsPythonComputesThem() {
        double[] v = {7, -3, 2};
        assertEquals(1, Formula.parse("A % 3", 3).eval(v));
        assertEquals(-2, Formula.parse("A % B", 3).eval(v)); // Python: 7 % -3 == -2
        assertEquals(2, Formula.parse("B % 5", 3).eval(v)); // -3 % 5 == 2
        assertEquals(0, Formula.parse("A % (C - C)", 3).eval(v));
        assertEquals(49, Formula.parse("A ** C", 3).eval(v));
        assertEquals(-49, Formula.parse("-A ** C", 3).eval(v)); // ** binds tighter than the unary minus
        assertEquals(512, Formula.parse("C ** 3 ** 2", 3).eval(v)); // and groups from the right
        assertEquals(0.5, Formula.parse("C ** -1", 3).eval(v));
        assertEquals(0, Formula.parse("(C - C) ** -1", 3).eval(v)); // ZeroDivisionError → 0
        assertEquals(14, Formula.parse("A * C", 3).eval(v));
        assertEquals(7, Formula.parse("+A", 3).eval(v));
        assertEquals(1007, Formula.parse("A + 1e3", 3).eval(v));
        assertEquals(1007, Formula.parse("A + 1_000", 3).eval(v));
    }

    /** What PostHog refuses, in its words. */
    @Test
    void functionsComparisonsAndUnknownSeriesAreRefusedInPostHogsWords() {
        ValidationException call = assertThrows(ValidationException.class, () -> Formula.parse("sqrt(A)", 2));
        assertEquals("Formulas only support arithmetic between series (like (A + B) / 2), not SQRT(). To aggregate a "
                + "series, set its measurement (for example median or p95) on the series itself.", call.getMessage());
        assertEquals("formula", call.attr());
        ValidationException compare = assertThrows(ValidationException.class, () -> Formula.parse("A > B", 2));
        assertEquals("Formulas only support arithmetic between series, not Compare", compare.getMessage());
        ValidationException unknown = assertThrows(ValidationException.class, () -> Formula.parse("A + D", 3));
        assertEquals("Formula references series D, but only 3 series are defined (A, B, C)", unknown.getMessage());
        ValidationException one = assertThrows(ValidationException.class, () -> Formula.parse("b", 1));
        assertEquals("Formula references series B, but only 1 series is defined (A)", one.getMessage());
        ValidationException word = assertThrows(ValidationException.class, () -> Formula.parse("ab + 1", 3));
        assertEquals("Formula references series AB, but only 3 series are defined (A, B, C)", word.getMessage());
        assertThrows(ValidationException.class, () -> Formula.parse("A ** ", 3));
        assertThrows(ValidationException.class, () -> Formula.parse("1.2.3", 3));
    }
}
