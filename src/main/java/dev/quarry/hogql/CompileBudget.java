package dev.quarry.hogql;

/**
 * What one compilation may cost, in the spirit of ClickHouse's {@code max_expanded_ast_elements} and
 * {@code max_query_size}: every alias, expression CTE and subquery CTE is counted each time it is substituted, so a
 * chain that doubles per link is refused after a few links instead of growing the SQL exponentially. The printer
 * counts as it goes and stops at the first limit crossed, so a refused query costs at most the budget.
 *
 * <p>Errors: {@link HogQLException} (a 400 {@code query_error} at the API) naming the limit crossed.
 */
public final class CompileBudget {
    /** Expression and SELECT nodes printed after alias and CTE expansion. */
    public static final int MAX_EXPANDED_NODES = 200_000;
    /** Characters of printed PostgreSQL text. */
    public static final int MAX_SQL_CHARS = 2_000_000;
    /** Wall-clock time a compilation may take, in milliseconds. */
    public static final long MAX_COMPILE_MILLIS = 5_000;
    /** Bind parameters PostgreSQL's wire protocol can carry in one statement. */
    public static final int MAX_PARAMETERS = 65_535;

    private final long started = System.nanoTime();
    private int nodes;

    /** Counts one printed node; throws once past {@link #MAX_EXPANDED_NODES} or {@link #MAX_COMPILE_MILLIS}. */
    void node() {
        if (++nodes > MAX_EXPANDED_NODES) {
            throw new HogQLException("Query is too complex: it expands to more than " + MAX_EXPANDED_NODES
                    + " expressions once aliases and WITH expressions are substituted (limit max_expanded_ast_elements = "
                    + MAX_EXPANDED_NODES + "). Reuse fewer aliases inside other aliases, or simplify the query.");
        }
        if ((nodes & 1023) == 0 && (System.nanoTime() - started) / 1_000_000 > MAX_COMPILE_MILLIS) {
            throw new HogQLException("Query took too long to compile (limit max_compile_time = "
                    + MAX_COMPILE_MILLIS / 1000 + " s). Simplify the query.");
        }
    }

    /** Number of nodes counted so far. */
    int nodes() {
        return nodes;
    }

    /** Refuses printed SQL longer than {@link #MAX_SQL_CHARS}. */
    static void checkSql(String sql) {
        if (sql.length() > MAX_SQL_CHARS) {
            throw new HogQLException("Query is too large: its SQL would be " + sql.length() + " characters (limit "
                    + "max_query_size = " + MAX_SQL_CHARS + "). Simplify the query.");
        }
    }

    /** Refuses more bound values than PostgreSQL can take in one statement. */
    static void checkParameters(int count) {
        if (count > MAX_PARAMETERS) {
            throw new HogQLException("Query has too many distinct values: " + count + " (limit " + MAX_PARAMETERS
                    + " bound values per query). Use fewer items in IN lists or placeholders.");
        }
    }
}
