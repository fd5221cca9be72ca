package dev.quarry.hogql;

/**
 * What one compilation may cost, in the spirit of ClickHouse's {@code max_query_size}, {@code max_ast_elements},
 * {@code max_ast_depth} and {@code max_expanded_ast_elements}. The cheap limits come first, so that a refusal costs
 * little: the HogQL text is measured before it is lexed ({@link #MAX_QUERY_CHARS}), the parser counts the nodes it
 * builds ({@link #MAX_AST_ELEMENTS}), and a tree too deep for the compiler's recursion is refused as such. Then every
 * alias, expression CTE and subquery CTE is counted each time it is substituted, so a chain that doubles per link is
 * refused after a few links instead of growing the SQL exponentially. The printer counts as it goes and stops at the
 * first limit crossed, so a refused query costs at most the budget.
 *
 * <p>Errors: {@link HogQLException} (a 400 {@code query_error} at the API) naming the limit crossed.
 */
public final class CompileBudget {
    /** Characters of HogQL text one parse accepts (ClickHouse's default {@code max_query_size}, 256 KiB). */
    public static final int MAX_QUERY_CHARS = 262_144;
    /** Nodes one parse may build (ClickHouse's default {@code max_ast_elements}). */
    public static final int MAX_AST_ELEMENTS = 50_000;
    /** Expression and SELECT nodes printed after alias and CTE expansion. */
    public static final int MAX_EXPANDED_NODES = 100_000;
    /** Characters of printed PostgreSQL text. */
    public static final int MAX_SQL_CHARS = 2_000_000;
    /** Wall-clock time a compilation may take, in milliseconds. */
    public static final long MAX_COMPILE_MILLIS = 5_000;
    /** Bind parameters PostgreSQL's wire protocol can carry in one statement. */
    public static final int MAX_PARAMETERS = 65_535;

    /**
     * Built values (calls through {@code quarry_bounded}) one user statement may print. PostgreSQL keeps a row's
     * intermediate values until the row is done, and only values of 256 KiB or more measure the backend's memory
     * (V118_1), so this bounds what the smaller ones can hold at once: 1,000 × 256 KiB.
     */
    public static final int MAX_BUILT_VALUES = 1_000;

    private final long started = System.nanoTime();
    private int nodes;
    private int builtValues;

    CompileBudget() {
        EventLoopGuard.check(); // one budget per printer: every compile passes here
    }

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

    /** Counts one printed built-value check; throws once past {@link #MAX_BUILT_VALUES}. */
    void builtValue() {
        if (++builtValues > MAX_BUILT_VALUES) {
            throw new HogQLException("Query is too complex: it builds more than " + MAX_BUILT_VALUES + " strings, "
                    + "arrays or JSON values (calls such as concat, replaceAll, arrayMap or splitByChar, counted once "
                    + "aliases and WITH expressions are substituted). Simplify the query.");
        }
    }

    /** Number of nodes counted so far. */
    int nodes() {
        return nodes;
    }

    /** Refuses HogQL text longer than {@link #MAX_QUERY_CHARS}, before any lexing. */
    static void checkQuerySize(String hogql) {
        if (hogql.length() > MAX_QUERY_CHARS) {
            throw new HogQLException("Query is too large: " + hogql.length() + " characters (limit max_query_size = "
                    + MAX_QUERY_CHARS + "). Use fewer or shorter values, e.g. a cohort or a property filter instead of "
                    + "a long IN list.");
        }
    }

    /** Refuses a parse past {@link #MAX_AST_ELEMENTS} nodes; {@code nodes} is the count so far. */
    static void checkAstElements(int nodes) {
        if (nodes > MAX_AST_ELEMENTS) {
            throw new HogQLException("Query is too complex: more than " + MAX_AST_ELEMENTS + " expressions (limit "
                    + "max_ast_elements = " + MAX_AST_ELEMENTS + "). Simplify the query.");
        }
    }

    /**
     * Runs one compiler stage whose recursion follows the tree's depth, turning a stack overflow (a tree deeper than
     * the thread's stack allows, e.g. tens of thousands of chained operators) into a 400 instead of a server error.
     * The overflow unwinds only the compiler's own frames, which hold no locks or shared state.
     */
    static <T> T withinDepth(java.util.function.Supplier<T> stage) {
        try {
            return stage.get();
        } catch (StackOverflowError e) {
            throw new HogQLException("Query is nested too deeply (limit max_ast_depth). Use fewer chained operators "
                    + "or nested expressions.");
        }
    }

    /**
     * Refuses printed SQL longer than {@link #MAX_SQL_CHARS}, and returns it. The printer checks every expression's
     * fragment as it is printed, not only the whole statement: a function that writes an argument's SQL more than once
     * multiplies it per nesting level, so a short query of nested calls is refused at the first fragment past the
     * limit (milliseconds) instead of after building gigabytes of text.
     */
    static String checkSql(String sql) {
        if (sql.length() > MAX_SQL_CHARS) {
            throw new HogQLException("Query is too large: its SQL would be " + sql.length() + " characters (limit "
                    + "max_query_size = " + MAX_SQL_CHARS + "). Simplify the query.");
        }
        return sql;
    }

    /** Refuses more bound values than PostgreSQL can take in one statement. */
    static void checkParameters(int count) {
        if (count > MAX_PARAMETERS) {
            throw new HogQLException("Query has too many distinct values: " + count + " (limit " + MAX_PARAMETERS
                    + " bound values per query). Use fewer items in IN lists or placeholders.");
        }
    }
}
