package dev.quarry.hogql;

/** Function arguments that must be constants of a kind (a precision, a unit, a count): read or refused. */
final class ConstantArgs {
    private ConstantArgs() {
    }

    /** @throws HogQLResolutionException naming {@code what} unless a non-negative integer literal */
    static long constLong(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof Long l && l >= 0) {
            return l;
        }
        throw new HogQLResolutionException(what + " must be a non-negative integer", e);
    }

    /** @throws HogQLResolutionException naming {@code what} unless a string literal */
    static String constString(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof String s) {
            return s;
        }
        throw new HogQLResolutionException(what + " must be a string literal", e);
    }

    /** @throws HogQLResolutionException naming {@code what} unless an integer literal */
    static long constSigned(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof Long l) {
            return l;
        }
        throw new HogQLResolutionException(what + " must be an integer", e);
    }
}
