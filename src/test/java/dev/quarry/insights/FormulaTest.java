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
}
