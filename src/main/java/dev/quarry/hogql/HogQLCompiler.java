package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The entry point: HogQL text or AST in, PostgreSQL with bind parameters out. */
public final class HogQLCompiler {

    /** One problem found by {@link #validate}; start/end are character offsets (-1 when unknown). */
    public record ValidationError(String message, int start, int end) {}

    /** Result of {@link #validate}: PostHog's HogQLMetadata shape. */
    public record Validation(boolean isValid, List<ValidationError> errors, List<String> tableNames) {}

    private HogQLCompiler() {}

    /** Parses and compiles a HogQL SELECT. Throws {@link HogQLException} (syntax or resolution) for bad input. */
    public static CompiledQuery compileSelect(String hogql, CompileSettings settings) {
        return compile(Parser.parseSelect(hogql), settings);
    }

    /** Compiles an already-built AST (placeholders in it are replaced too). */
    public static CompiledQuery compile(SelectLike query, CompileSettings settings) {
        return CompileBudget.withinDepth(() -> compileTree(query, settings));
    }

    private static CompiledQuery compileTree(SelectLike query, CompileSettings settings) {
        SelectLike q = Placeholders.replace(query, settings.values(), settings.filters());
        Long limit;
        long offset = 0;
        boolean ownLimit = false;
        if (q instanceof SelectQuery s) {
            if (s.offset() != null) {
                offset = ConstantArgs.constLong(s.offset(), "OFFSET");
            }
            long l = s.limit() == null ? settings.defaultLimit()
                    : Math.min(ConstantArgs.constLong(s.limit(), "LIMIT"), settings.maxLimit());
            ownLimit = s.limit() != null && ConstantArgs.constLong(s.limit(), "LIMIT") <= settings.maxLimit();
            limit = l;
            q = s.withLimit(new Expr.Constant(l), s.offset());
        } else {
            limit = (long) settings.defaultLimit();
        }
        Resolver.Resolution res = Resolver.resolve(q, settings.cohorts());
        PropertyTypes.apply(q, res, settings.propertyTypes());
        Typer.typeQuery(q, res);
        PostgresPrinter printer = new PostgresPrinter(res, settings);
        boolean ties = q instanceof SelectQuery s && s.limitWithTies();
        long sqlLimit = settings.extraRow() && !ties ? limit + 1 : limit;
        PostgresPrinter.Printed p = printer.top(q, sqlLimit, offset);
        String printed = p.sql();
        long reportedLimit = limit;
        if (ties) {
            // LIMIT n WITH TIES may return more than n rows: all of them up to the largest limit, and one more to
            // tell hasMore
            reportedLimit = settings.maxLimit();
            printed = "SELECT * FROM (" + printed + ") AS \"__ties\" LIMIT "
                    + (settings.extraRow() ? reportedLimit + 1 : reportedLimit);
        }
        List<Object> cohortRefs = res.cohortReferences();
        if (settings.cohorts() == null && !cohortRefs.isEmpty()) {
            // IN COHORT / cohort filters compiled without looking the cohorts up first: the statement checks them
            // before it reads anything (a one-time filter PostgreSQL evaluates before the scan, so an empty range
            // still fails) — quarry_cohort_ref raises SQLSTATE QC404, PostHog's 400, for a cohort the team lacks
            List<String> checks = new ArrayList<>();
            for (Object ref : new java.util.LinkedHashSet<>(cohortRefs)) {
                checks.add("quarry_cohort_ref($1, " + printer.bind(ref, ref instanceof Long ? "bigint" : "text")
                        + ") IS NOT NULL");
            }
            printed = "SELECT * FROM (" + printed + ") AS \"__cohorts_checked\" WHERE " + String.join(" AND ", checks);
        }
        String hogql = HogQLPrinter.print(q);
        if (q instanceof SelectUnion) {
            hogql += " LIMIT " + limit;
        }
        List<Object> params = new ArrayList<>();
        CompileBudget.checkSql(printed);
        String sql = renumber(printed, printer.params(), params);
        CompileBudget.checkParameters(params.size());
        return new CompiledQuery(sql, List.copyOf(params), p.names(), p.types(), hogql, (int) reportedLimit,
                (int) offset, ownLimit && !ties);
    }

    private static final java.util.regex.Pattern PARAM = java.util.regex.Pattern.compile("\\$(\\d+)");

    /**
     * Numbers parameters in order of first use and drops those never used (PostgreSQL cannot type an unused
     * parameter). The team id, when used, stays $1. The generated SQL holds no user text, so every "$n" in it is a parameter.
     */
    static String renumber(String sql, List<Object> in, List<Object> out) {
        Map<Integer, Integer> map = new java.util.HashMap<>();
        if (java.util.regex.Pattern.compile("\\$1(?!\\d)").matcher(sql).find()) {
            map.put(1, 1); // the team id stays $1
            out.add(in.get(0));
        }
        java.util.regex.Matcher m = PARAM.matcher(sql);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int old = Integer.parseInt(m.group(1));
            Integer now = map.get(old);
            if (now == null) {
                out.add(in.get(old - 1));
                now = out.size();
                map.put(old, now);
            }
            m.appendReplacement(sb, "\\$" + now);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Compiles a boolean HogQL expression over one table (for runners and tests): {@code SELECT 1 FROM t WHERE e}. */
    public static PostgresPrinter.Frag compileExpr(Expr e, String table, CompileSettings settings) {
        return CompileBudget.withinDepth(() -> compileExprTree(e, table, settings));
    }

    private static PostgresPrinter.Frag compileExprTree(Expr e, String table, CompileSettings settings) {
        SelectQuery q = SelectQuery.of(List.of(e), table, null);
        SelectQuery replaced = (SelectQuery) Placeholders.replace(q, settings.values(), settings.filters());
        Resolver.Resolution res = Resolver.resolve(replaced, settings.cohorts());
        PropertyTypes.apply(replaced, res, settings.propertyTypes());
        Typer.typeQuery(replaced, res);
        return new PostgresPrinter(res, settings).expr(replaced.select().get(0));
    }

    /**
     * The cohorts a HogQL SELECT names with {@code IN COHORT}: ids (Long) and names (String), for the caller to look
     * up the team's matching cohorts and pass them as {@link CompileSettings#withCohorts}. Empty when the query names
     * none or does not compile (compiling it then reports why).
     */
    public static List<Object> cohortReferences(String hogql, CompileSettings settings) {
        try {
            SelectLike q = Placeholders.replace(Parser.parseSelect(hogql), settings.values(), settings.filters());
            return Resolver.resolve(q).cohortReferences();
        } catch (HogQLException e) {
            return List.of();
        }
    }

    /** Checks a query without running it: syntax, tables, fields, functions. */
    public static Validation validate(String query) {
        return validate(query, Map.of());
    }

    /** Like {@link #validate(String)}; placeholders missing from {@code values} are reported. */
    public static Validation validate(String query, Map<String, Object> values) {
        return validate(query, values, null);
    }

    /**
     * Like {@link #validate(String, Map)}, checking IN COHORT against the team's cohorts (id → name, from
     * {@link #cohortReferences}); null leaves cohorts unchecked.
     */
    public static Validation validate(String query, Map<String, Object> values, Map<Long, String> cohorts) {
        List<ValidationError> errors = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        Parser parser;
        SelectLike q;
        try {
            Parser[] used = new Parser[1];
            q = Parser.parseSelect(query, used);
            parser = used[0];
        } catch (HogQLException e) {
            errors.add(new ValidationError(e.getMessage(), e.start(), e.end()));
            return new Validation(false, errors, tables);
        }
        try {
            // resolve the original tree first so errors point at the user's text
            SelectLike parsed = q;
            Resolver.Resolution res = CompileBudget.withinDepth(
                    () -> Resolver.resolve(Placeholders.replace(parsed, values, null)));
            tables.addAll(res.tableNames());
            compile(q, CompileSettings.of(0).withValues(values).withCohorts(cohorts));
        } catch (HogQLException e) {
            if (tables.isEmpty()) {
                tables.addAll(parsedTableNames(q, new java.util.HashSet<>()));
            }
            int[] pos = e.node() == null ? null : parser.positions().get(e.node());
            errors.add(new ValidationError(e.getMessage(), pos == null ? e.start() : pos[0], pos == null ? e.end() : pos[1]));
        }
        return new Validation(errors.isEmpty(), errors, tables);
    }

    /**
     * The tables a parsed query names in its FROM clauses (not its CTEs), outermost first, as PostHog's
     * {@code get_table_names} reads them before resolving, so that metadata can list them for an invalid query too.
     */
    static java.util.Set<String> parsedTableNames(SelectLike q, java.util.Set<String> cteNames) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        if (q instanceof SelectUnion union) {
            union.selects().forEach(s -> names.addAll(parsedTableNames(s, cteNames)));
        } else if (q instanceof SelectQuery select) {
            java.util.Set<String> ctes = new java.util.HashSet<>(cteNames);
            if (select.ctes() != null) {
                select.ctes().forEach(cte -> ctes.add(cte.name()));
                select.ctes().forEach(cte -> {
                    if (cte.expr() instanceof SelectLike sub) {
                        names.addAll(parsedTableNames(sub, ctes));
                    }
                });
            }
            if (select.from() != null) {
                for (JoinExpr join : select.from()) {
                    if (join.table() instanceof Expr.Field f) {
                        String name = String.join(".", f.chain());
                        if (!ctes.contains(name)) {
                            names.add(name);
                        }
                    } else if (join.table() instanceof SelectLike sub) {
                        names.addAll(parsedTableNames(sub, ctes));
                    }
                }
            }
        }
        return names;
    }
}
