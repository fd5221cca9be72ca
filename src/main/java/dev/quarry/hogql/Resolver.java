package dev.quarry.hogql;

import dev.quarry.hogql.Schema.FieldDef;
import dev.quarry.hogql.Schema.Kind;
import dev.quarry.hogql.Schema.TableDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Resolves names: tables, CTEs, subquery columns, aliases, fields, {@code *}; checks functions. The result is kept
 * beside the tree ({@link Resolution}) and read by the {@link PostgresPrinter}.
 */
public final class Resolver {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    /** A FROM item of one SELECT. */
    public static final class Source {
        final String name; // the name HogQL uses (alias or table name), may be null for an unaliased subquery
        final String sqlAlias; // safe, unique in the statement
        final TableDef table; // non-null for tables
        final SelectLike subquery; // non-null for subqueries and CTE references
        final JoinExpr join;
        /** For ARRAY JOIN: the arrays unnested side by side (columns are the element names); else null. */
        List<Expr> arrayJoinItems;
        final List<String> columns = new ArrayList<>(); // subquery output names (HogQL)
        boolean needsOverride;
        boolean needsPerson;
        boolean needsSession;
        /** The group types (0…4) whose lazy join ({@code events.group_N}) the source's fields reach. */
        final boolean[] needsGroup = new boolean[5];

        boolean needsAnyGroup() {
            for (boolean g : needsGroup) {
                if (g) {
                    return true;
                }
            }
            return false;
        }

        Source(String name, String sqlAlias, TableDef table, SelectLike subquery, JoinExpr join) {
            this.name = name;
            this.sqlAlias = sqlAlias;
            this.table = table;
            this.subquery = subquery;
            this.join = join;
        }
    }

    /** One output column: its name and its expression (alias removed, {@code *} expanded). */
    public record Column(String name, Expr expr) {}

    /** Scope of one SELECT. */
    public static final class QueryScope {
        final QueryScope parent;
        final boolean correlated; // may read parent's sources (expression subqueries)
        final List<Source> sources = new ArrayList<>();
        final Map<String, CTE> ctes = new HashMap<>();
        final Map<String, Expr> exprCtes = new HashMap<>();
        final Map<String, QueryScope> exprCteScopes = new HashMap<>();
        final Map<String, Expr> aliases = new HashMap<>();
        final Set<String> aliasesInProgress = new HashSet<>();
        final Set<String> aliasesDone = new HashSet<>();
        final List<Column> columns = new ArrayList<>();

        QueryScope(QueryScope parent, boolean correlated) {
            this.parent = parent;
            this.correlated = correlated;
        }
    }

    /** What a field refers to. */
    public sealed interface Ref {}

    /** A column of a table (path: JSON property path, empty for the column itself). */
    public record ColumnRef(Source source, FieldDef field, List<String> path) implements Ref {}

    /** The (override-aware) person id of a table. */
    public record PersonIdRef(Source source) implements Ref {}

    /** A column of the lazily joined person. */
    public record PersonFieldRef(Source source, FieldDef field, List<String> path) implements Ref {}

    /** A column of the lazily joined group of type {@code index} (events.group_0.properties.x …). */
    public record GroupFieldRef(Source source, int index, FieldDef field, List<String> path) implements Ref {}

    /** A column of the lazily joined session (events.session.$session_duration …). */
    public record SessionFieldRef(Source source, FieldDef field) implements Ref {}

    /** Column {@code index} of a subquery source. */
    public record SubColumnRef(Source source, int index, List<String> path) implements Ref {}

    /** An alias or expression CTE: stands for the expression. */
    public record ExprRef(Expr expr) implements Ref {}

    /** Parameter {@code index} of a lambda (path: JSON property path after it). */
    public record LambdaParamRef(Expr.Lambda lambda, int index, List<String> path) implements Ref {}

    /** The resolver's output. */
    public static final class Resolution {
        final Map<SelectQuery, QueryScope> scopes = new IdentityHashMap<>();
        final Map<Expr.Field, Ref> refs = new IdentityHashMap<>();
        final Set<Expr.Call> arrayJoins = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        /** {@code #cohort(…)} calls (IN COHORT) and the id of the cohort each names, when the cohorts were known. */
        final Map<Expr.Call, Long> cohortIds = new IdentityHashMap<>();
        final List<Object> cohortReferences = new ArrayList<>();
        final Set<String> tableNames = new LinkedHashSet<>();
        final Set<String> usedAliases = new HashSet<>();
        /** Each expression node's HogQL type, assigned by the typing pass ({@link Typer}) after resolving. */
        final Map<Expr, String> types = new IdentityHashMap<>();
        /** The column types of each SELECT or UNION the typing pass has typed (a UNION: its first SELECT's). */
        final Map<SelectLike, List<String>> columnTypes = new IdentityHashMap<>();
        /** The column types of each subquery, CTE or ARRAY JOIN source, in the order of its columns. */
        final Map<Source, List<String>> sourceTypes = new IdentityHashMap<>();
        /** The types of each lambda's parameters, as the higher-order function that calls it gives them. */
        final Map<Expr.Lambda, List<String>> lambdaParamTypes = new IdentityHashMap<>();
        /** The typing pass that filled {@link #types}; it types nodes the printer builds while printing. */
        Typer typer;

        public Set<String> tableNames() {
            return tableNames;
        }

        /** The cohort ids (Long) and names (String) the query names with IN COHORT, in order. */
        public List<Object> cohortReferences() {
            return List.copyOf(cohortReferences);
        }

        QueryScope scope(SelectQuery q) {
            return scopes.get(q);
        }

        /**
         * The HogQL type of a node, as the typing pass assigned it; a node built while printing (a function written
         * as another, {@code equals(a, b)} as {@code a = b}) is typed when first asked for.
         */
        String type(Expr e) {
            String t = types.get(e);
            return t != null || types.containsKey(e) ? t : typer.type(e);
        }

        /** The types of a SELECT's columns as printed: at the top, JSON values are returned as text. */
        List<String> columnTypes(SelectLike q, boolean top) {
            List<String> t = columnTypes.get(q);
            if (t == null) {
                t = typer.columns(q);
            }
            return top ? t.stream().map(HogQLTypes::resultColumn).toList() : t;
        }

        /** The property definitions' types properties are read by ({@link PropertyTypes}); set before typing. */
        PropertyTypes propertyTypes = PropertyTypes.NONE;
        /** Properties passed straight to a call that parses text (toFloatOrZero …): read as text (PostHog). */
        final Set<Ref> textProperties = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        /** The definition type ({@code Numeric}, {@code Boolean}, {@code DateTime}) a field is read by, else null. */
        String propertyType(Ref r) {
            if (propertyTypes == PropertyTypes.NONE || textProperties.contains(r)) {
                return null;
            }
            if (r instanceof ColumnRef c) {
                return propertyTypes.of(c.field(), c.path());
            }
            if (r instanceof GroupFieldRef g) {
                return propertyTypes.ofGroup(g.index(), g.field(), g.path());
            }
            return r instanceof PersonFieldRef p ? propertyTypes.of(p.field(), p.path()) : null;
        }

        /** The definition type a bracket access {@code properties['x']} is read by (as {@code properties.x}), else null. */
        String propertyType(Expr.ArrayAccess a) {
            if (propertyTypes == PropertyTypes.NONE || !(a.array() instanceof Expr.Field f)
                    || !(a.index() instanceof Expr.Constant k) || !(k.value() instanceof String key)) {
                return null;
            }
            Ref r = refs.get(f);
            if (r instanceof ColumnRef c && c.path().isEmpty()) {
                return propertyTypes.of(c.field(), List.of(key));
            }
            if (r instanceof GroupFieldRef g && g.path().isEmpty()) {
                return propertyTypes.ofGroup(g.index(), g.field(), List.of(key));
            }
            return r instanceof PersonFieldRef p && p.path().isEmpty() ? propertyTypes.of(p.field(), List.of(key)) : null;
        }

        Ref ref(Expr.Field f) {
            Ref r = refs.get(f);
            if (r == null) {
                throw new IllegalStateException("Unresolved field " + f);
            }
            return r;
        }
    }

    private final Resolution res = new Resolution();
    private final Set<Expr> resolvedExprCtes = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** The lambdas whose bodies are being resolved, innermost last. */
    private final List<Expr.Lambda> lambdas = new ArrayList<>();

    /** The team's cohorts (id → name) to check IN COHORT against; null when not known. */
    private final Map<Long, String> cohorts;

    private Resolver(Map<Long, String> cohorts) {
        this.cohorts = cohorts;
    }

    /** Resolves names without knowing the team's cohorts (IN COHORT is then not checked). */
    public static Resolution resolve(SelectLike q) {
        return resolve(q, null);
    }

    /**
     * Resolves every name of the query: tables, fields, aliases, CTEs, functions, and — when {@code cohorts} (the
     * team's cohorts that are not deleted, id → name) is given — the cohorts of IN COHORT, as PostHog does: an unknown
     * id or name, or a name several cohorts share, is a {@link HogQLResolutionException}.
     */
    public static Resolution resolve(SelectLike q, Map<Long, String> cohorts) {
        Resolver r = new Resolver(cohorts);
        r.select(q, null, false);
        return r.res;
    }

    private void cohort(Expr.Call c) {
        Object v = c.args().get(0) instanceof Expr.Constant k ? k.value() : null;
        if (!(v instanceof Long) && !(v instanceof String)) {
            throw new HogQLResolutionException("cohort() takes exactly one string or integer argument", c);
        }
        res.cohortReferences.add(v);
        if (cohorts == null) {
            return;
        }
        if (v instanceof Long id) {
            if (!cohorts.containsKey(id)) {
                throw new HogQLResolutionException("Could not find cohort with ID " + id, c);
            }
            res.cohortIds.put(c, id);
            return;
        }
        List<Long> ids = cohorts.entrySet().stream().filter(e -> e.getValue().equals(v)).map(Map.Entry::getKey).toList();
        if (ids.size() > 1) {
            throw new HogQLResolutionException("Found multiple cohorts with name '" + v + "'", c);
        }
        if (ids.isEmpty()) {
            throw new HogQLResolutionException("Could not find a cohort with the name '" + v + "'", c);
        }
        res.cohortIds.put(c, ids.get(0));
    }

    // ------------------------------------------------------------------ selects

    private void select(SelectLike q, QueryScope parent, boolean correlated) {
        if (q instanceof SelectUnion u) {
            int width = -1;
            for (SelectLike s : u.selects()) {
                select(s, parent, correlated);
                int w = columnsOf(s).size();
                if (width >= 0 && w != width) {
                    throw new HogQLResolutionException("UNION ALL branches have different numbers of columns", u);
                }
                width = w;
            }
            return;
        }
        SelectQuery s = (SelectQuery) q;
        QueryScope scope = new QueryScope(parent, correlated);
        res.scopes.put(s, scope);
        for (CTE c : s.ctes()) {
            if (c.subquery()) {
                select((SelectLike) c.expr(), scope, false);
                scope.ctes.put(c.name(), c);
            } else {
                scope.exprCtes.put(c.name(), c.expr());
                scope.exprCteScopes.put(c.name(), scope);
            }
        }
        for (JoinExpr j : s.from()) {
            from(j, scope);
        }
        // select list: aliases first so any clause can refer to them
        for (Expr e : s.select()) {
            if (e instanceof Expr.Alias a) {
                if (scope.aliases.containsKey(a.alias())) {
                    throw new HogQLResolutionException("Duplicate alias \"" + a.alias() + "\"", a);
                }
                scope.aliases.put(a.alias(), a.expr());
            }
        }
        for (Expr e : s.select()) {
            if (e instanceof Expr.Star st) {
                expandStar(st, scope);
                if (scope.columns.size() > MAX_COLUMNS) {
                    throw tooManyColumns(s);
                }
                continue;
            }
            Expr inner = e instanceof Expr.Alias a ? a.expr() : e;
            if (inner instanceof Expr.Call c && c.name().equalsIgnoreCase("arrayJoin")) {
                res.arrayJoins.add(c);
            }
            if (e instanceof Expr.Alias a) {
                resolveAlias(a.alias(), scope);
            } else {
                expr(inner, scope, true);
            }
            String name = e instanceof Expr.Alias a ? a.alias()
                    : inner instanceof Expr.Field f ? f.chain().get(f.chain().size() - 1)
                    : HogQLPrinter.print(inner);
            scope.columns.add(new Column(name, inner));
            if (scope.columns.size() > MAX_COLUMNS) {
                throw tooManyColumns(s);
            }
        }
        if (s.where() != null) {
            expr(s.where(), scope, false);
        }
        for (Expr g : s.groupBy()) {
            expr(g, scope, false);
        }
        if (s.having() != null) {
            expr(s.having(), scope, true);
        }
        for (SelectQuery.OrderExpr o : s.orderBy()) {
            expr(o.expr(), scope, true);
        }
        if (scope.columns.size() + s.groupBy().size() + s.orderBy().size() > MAX_COLUMNS) {
            // PostgreSQL adds each sort and grouping key that is not a column to the target list
            throw new HogQLResolutionException("A SELECT can list at most " + MAX_COLUMNS + " columns in Quarry,"
                    + " counting its ORDER BY and GROUP BY keys (a limit of its PostgreSQL storage; ClickHouse has"
                    + " none): this one has more", s);
        }
        if (s.limitBy() != null) {
            for (Expr b : s.limitBy().exprs()) {
                expr(b, scope, false);
            }
        }
    }

    /**
     * The most columns one SELECT may list in Quarry (after {@code *} is expanded): PostgreSQL's target lists hold at
     * most 1664 entries, and Quarry adds a few of its own to some SELECTs (LIMIT BY's row numbers, sort keys), so past
     * this a query would fail in PostgreSQL with its "target lists can have at most 1664 entries". ClickHouse has no
     * such limit; this is Quarry's. A longer SELECT is a 400 naming the limit before anything is compiled or sent.
     */
    static final int MAX_COLUMNS = 1600;

    private static HogQLResolutionException tooManyColumns(SelectQuery s) {
        return new HogQLResolutionException("A SELECT can list at most " + MAX_COLUMNS + " columns in Quarry (a limit"
                + " of its PostgreSQL storage; ClickHouse has none): this one lists more", s);
    }

    static List<Column> columnsOf(Resolution res, SelectLike q) {
        while (q instanceof SelectUnion u) {
            q = u.selects().get(0);
        }
        return res.scopes.get((SelectQuery) q).columns;
    }

    private List<Column> columnsOf(SelectLike q) {
        return columnsOf(res, q);
    }

    /**
     * A table alias for the SQL, unique in the statement. A user's name never keeps "__": the printer's own
     * aliases ({@code <alias>__override}, {@code <alias>__person}, {@code __limit_by}, {@code cte__n}) all contain
     * it, so no user alias can take or shadow one of them.
     */
    private String sqlAlias(String wanted) {
        String base = wanted != null && SAFE_NAME.matcher(wanted).matches()
                ? wanted.toLowerCase(Locale.ROOT).replaceAll("_{2,}", "_") : "t";
        String a = base;
        int n = 2;
        while (!res.usedAliases.add(a)) {
            a = base + "_" + n++;
        }
        return a;
    }

    private CTE findCte(String name, QueryScope scope) {
        for (QueryScope s = scope; s != null; s = s.parent) {
            CTE c = s.ctes.get(name);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    private void from(JoinExpr j, QueryScope scope) {
        Source src;
        if (j.isArrayJoin()) {
            if (scope.sources.isEmpty()) {
                throw new HogQLResolutionException("ARRAY JOIN needs a table before it", j);
            }
            src = new Source(null, sqlAlias("array_join"), null, null, j);
            src.arrayJoinItems = new ArrayList<>();
            for (Expr item : ((Expr.TupleLit) j.table()).items()) {
                Expr inner = item instanceof Expr.Alias a ? a.expr() : item;
                String name = item instanceof Expr.Alias a ? a.alias()
                        : ((Expr.Field) inner).chain().get(((Expr.Field) inner).chain().size() - 1);
                expr(inner, scope, false);
                if (src.columns.contains(name)) {
                    throw new HogQLResolutionException("Duplicate ARRAY JOIN name \"" + name + "\"", item);
                }
                src.columns.add(name);
                src.arrayJoinItems.add(inner);
            }
            scope.sources.add(src);
            return;
        }
        if (j.table() instanceof SelectLike sub) {
            select(sub, scope, false);
            src = new Source(j.alias(), sqlAlias(j.alias() == null ? "sub" : j.alias()), null, sub, j);
            for (Column c : columnsOf(sub)) {
                src.columns.add(c.name());
            }
        } else {
            Expr.Field f = (Expr.Field) j.table();
            String name = String.join(".", f.chain());
            CTE cte = f.chain().size() == 1 ? findCte(name, scope) : null;
            String alias = j.alias() != null ? j.alias() : name;
            if (cte != null) {
                SelectLike sub = (SelectLike) cte.expr();
                src = new Source(alias, sqlAlias(alias), null, sub, j);
                for (Column c : columnsOf(sub)) {
                    src.columns.add(c.name());
                }
            } else {
                TableDef t = f.chain().size() == 1 ? Schema.table(name) : null;
                if (t == null) {
                    throw new HogQLResolutionException("Unknown table \"" + name + "\"", f);
                }
                res.tableNames.add(name);
                src = new Source(alias, sqlAlias(alias), t, null, j);
            }
        }
        if (src.name != null) {
            for (Source o : scope.sources) {
                if (src.name.equals(o.name)) {
                    throw new HogQLResolutionException("Duplicate table alias \"" + src.name + "\"", j);
                }
            }
        }
        scope.sources.add(src);
        if (j.on() != null) {
            expr(j.on(), scope, false);
        }
        for (String u : j.using()) {
            if (!hasField(src, u) || scope.sources.size() < 2
                    || scope.sources.subList(0, scope.sources.size() - 1).stream().noneMatch(s -> hasField(s, u))) {
                throw new HogQLResolutionException("Unknown field \"" + u + "\" in USING", j);
            }
        }
    }

    static boolean hasField(Source s, String name) {
        if (s.table != null) {
            FieldDef f = s.table.field(name);
            return f != null && f.kind() != Kind.PERSON_JOIN && f.kind() != Kind.SESSION_JOIN
                    && f.kind() != Kind.GROUP_JOIN;
        }
        return s.columns.contains(name);
    }

    private void expandStar(Expr.Star st, QueryScope scope) {
        List<Source> targets = new ArrayList<>();
        for (Source s : scope.sources) {
            if (s.arrayJoinItems == null && (st.table() == null || st.table().equals(s.name))) {
                targets.add(s);
            }
        }
        if (targets.isEmpty()) {
            throw new HogQLResolutionException(st.table() == null ? "SELECT * needs a FROM clause"
                    : "Unknown table \"" + st.table() + "\"", st);
        }
        for (Source s : targets) {
            List<String> names = s.table != null ? s.table.asterisk() : s.columns;
            for (String n : names) {
                Expr.Field f = new Expr.Field(List.of(n));
                res.refs.put(f, fieldInSource(s, List.of(n), f));
                scope.columns.add(new Column(n, f));
            }
        }
    }

    // ------------------------------------------------------------------ expressions

    private void resolveAlias(String name, QueryScope scope) {
        if (scope.aliasesDone.contains(name)) {
            return;
        }
        scope.aliasesInProgress.add(name);
        expr(scope.aliases.get(name), scope, true);
        scope.aliasesInProgress.remove(name);
        scope.aliasesDone.add(name);
    }

    private void expr(Expr e, QueryScope scope, boolean aggregatesAllowed) {
        if (e == null) {
            return;
        }
        if (e instanceof Expr.Field f) {
            res.refs.put(f, field(f, scope));
        } else if (e instanceof Expr.Constant) {
            // nothing
        } else if (e instanceof Expr.Star) {
            throw new HogQLResolutionException("* is only allowed in the SELECT list and count(*)", e);
        } else if (e instanceof Expr.Call c) {
            Functions.Spec spec = Functions.check(c);
            if (spec.name().equals(Functions.COHORT)) {
                cohort(c);
            }
            if (spec.aggregate() && !aggregatesAllowed) {
                throw new HogQLResolutionException("Aggregate function \"" + c.name() + "\" is not allowed here", c);
            }
            if (Functions.isWindowFunction(spec.name())) {
                throw new HogQLResolutionException("\"" + c.name() + "\" needs OVER (...)", c);
            }
            if (c.name().equalsIgnoreCase("arrayJoin") && !res.arrayJoins.contains(c)) {
                throw new HogQLResolutionException(SelectArrayJoin.MISPLACED, c);
            }
            for (int k = 0; k < c.args().size(); k++) {
                Expr a = c.args().get(k);
                if (a instanceof Expr.Lambda l) {
                    if (k != 0 || !ArrayFunctions.takesLambda(spec.name())) {
                        throw new HogQLResolutionException("A lambda (x -> …) is only allowed as the first argument of "
                                + "a higher-order array function such as arrayMap, arrayFilter or arrayExists", l);
                    }
                    if (new HashSet<>(l.params()).size() != l.params().size()) {
                        throw new HogQLResolutionException("Lambda parameters must have different names", l);
                    }
                    if (l.params().size() != c.args().size() - 1) {
                        throw new HogQLResolutionException("The lambda of " + spec.name() + " takes " + l.params().size()
                                + " parameter" + (l.params().size() == 1 ? "" : "s") + " but " + (c.args().size() - 1)
                                + " array" + (c.args().size() == 2 ? " is" : "s are") + " given", l);
                    }
                    lambdas.add(l);
                    try {
                        expr(l.body(), scope, false);
                    } finally {
                        lambdas.remove(lambdas.size() - 1);
                    }
                    continue;
                }
                expr(a, scope, aggregatesAllowed && !spec.aggregate());
            }
            if (c.params() != null) {
                for (Expr p : c.params()) {
                    expr(p, scope, false);
                }
            }
        } else if (e instanceof Expr.Window w) {
            if (!aggregatesAllowed) {
                throw new HogQLResolutionException("Window function \"" + w.call().name() + "\" is not allowed here", w);
            }
            Functions.Spec spec = Functions.check(w.call());
            if (!spec.aggregate() && !Functions.isWindowFunction(spec.name())) {
                throw new HogQLResolutionException("\"" + w.call().name() + "\" cannot be used with OVER", w);
            }
            for (Expr a : w.call().args()) {
                expr(a, scope, false);
            }
            w.partitionBy().forEach(x -> expr(x, scope, false));
            w.orderBy().forEach(o -> expr(o.expr(), scope, false));
        } else if (e instanceof Expr.Arithmetic a) {
            expr(a.left(), scope, aggregatesAllowed);
            expr(a.right(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Negate n) {
            expr(n.expr(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Compare c) {
            expr(c.left(), scope, aggregatesAllowed);
            if (c.right() instanceof SelectLike sub) {
                select(sub, scope, true);
            } else {
                expr(c.right(), scope, aggregatesAllowed);
            }
        } else if (e instanceof Expr.And a) {
            a.exprs().forEach(x -> expr(x, scope, aggregatesAllowed));
        } else if (e instanceof Expr.Or o) {
            o.exprs().forEach(x -> expr(x, scope, aggregatesAllowed));
        } else if (e instanceof Expr.Not n) {
            expr(n.expr(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Between b) {
            expr(b.expr(), scope, aggregatesAllowed);
            expr(b.low(), scope, aggregatesAllowed);
            expr(b.high(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.IsNull n) {
            expr(n.expr(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Case c) {
            expr(c.subject(), scope, aggregatesAllowed);
            c.conditions().forEach(x -> expr(x, scope, aggregatesAllowed));
            c.results().forEach(x -> expr(x, scope, aggregatesAllowed));
            expr(c.otherwise(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Interval i) {
            expr(i.amount(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.ArrayLit a) {
            a.items().forEach(x -> expr(x, scope, aggregatesAllowed));
        } else if (e instanceof Expr.TupleLit t) {
            t.items().forEach(x -> expr(x, scope, aggregatesAllowed));
        } else if (e instanceof Expr.ArrayAccess a) {
            // PostHog's printer refuses x[0] written so (arrayElement(x, 0) is ClickHouse's default value)
            if (a.index() instanceof Expr.Constant k && Long.valueOf(0).equals(k.value())) {
                throw new HogQLResolutionException("SQL indexes start from one, not from zero. E.g: array[1]", a);
            }
            expr(a.array(), scope, aggregatesAllowed);
            expr(a.index(), scope, aggregatesAllowed);
        } else if (e instanceof Expr.Placeholder p) {
            throw new HogQLResolutionException("Unknown placeholder {" + p.name() + "}", p);
        } else if (e instanceof Expr.Alias a) {
            throw new HogQLResolutionException("Alias \"" + a.alias() + "\" is only allowed in the SELECT list", a);
        } else if (e instanceof Expr.Lambda l) {
            throw new HogQLResolutionException("A lambda (x -> …) is only allowed as the first argument of a "
                    + "higher-order array function such as arrayMap, arrayFilter or arrayExists", l);
        } else if (e instanceof SelectLike sub) {
            select(sub, scope, true);
            if (columnsOf(sub).size() != 1) {
                throw new HogQLResolutionException("A subquery used as a value must return one column", sub);
            }
        } else {
            throw new IllegalArgumentException("Unknown node " + e);
        }
    }

    private Ref field(Expr.Field f, QueryScope scope) {
        List<String> chain = f.chain();
        String first = chain.get(0);
        for (int k = lambdas.size() - 1; k >= 0; k--) {
            int idx = lambdas.get(k).params().indexOf(first);
            if (idx >= 0) {
                return new LambdaParamRef(lambdas.get(k), idx, List.copyOf(chain.subList(1, chain.size())));
            }
        }
        for (QueryScope s = scope; s != null; s = s.correlated ? s.parent : null) {
            if (chain.size() == 1 && s.aliases.containsKey(first) && !s.aliasesInProgress.contains(first)) {
                resolveAlias(first, s);
                return new ExprRef(s.aliases.get(first));
            }
            if (chain.size() >= 2) {
                for (Source src : s.sources) {
                    if (first.equals(src.name)) {
                        return fieldInSource(src, chain.subList(1, chain.size()), f);
                    }
                }
            }
            // an ARRAY JOIN name shadows a column of the same name (ARRAY JOIN arr: arr is then the element)
            for (Source src : s.sources) {
                if (src.arrayJoinItems != null && src.columns.contains(first)) {
                    return fieldInSource(src, chain, f);
                }
            }
            for (Source src : s.sources) {
                if (src.table != null ? src.table.field(first) != null : src.columns.contains(first)) {
                    return fieldInSource(src, chain, f);
                }
            }
            if (chain.size() == 1) {
                for (QueryScope c = s; c != null; c = c.parent) {
                    if (c.exprCtes.containsKey(first)) {
                        Expr ce = c.exprCtes.get(first);
                        if (!(ce instanceof Expr.Field) && resolvedExprCtes.add(ce)) {
                            // once: a chain whose links each use the previous one twice stays linear here
                            expr(ce, c.exprCteScopes.get(first), true);
                        } else if (ce instanceof Expr.Field cf && !res.refs.containsKey(cf)) {
                            res.refs.put(cf, field(cf, c.exprCteScopes.get(first)));
                        }
                        return new ExprRef(ce);
                    }
                }
            }
        }
        // PostHog's resolver's wording, which its MCP client and agents match on
        throw new HogQLResolutionException("Unable to resolve field: " + chain.get(0), f);
    }

    private Ref fieldInSource(Source src, List<String> chain, Expr.Field node) {
        String name = chain.get(0);
        List<String> rest = chain.subList(1, chain.size());
        if (src.table == null) {
            int idx = src.columns.indexOf(name);
            if (idx < 0) {
                throw new HogQLResolutionException("Field not found: " + name, node);
            }
            return new SubColumnRef(src, idx, List.copyOf(rest));
        }
        FieldDef fd = src.table.field(name);
        if (fd == null) {
            throw new HogQLResolutionException("Field not found: " + name, node);
        }
        switch (fd.kind()) {
            case JSON:
                return new ColumnRef(src, fd, List.copyOf(rest));
            case PERSON_ID:
                noRest(rest, chain, node);
                src.needsOverride = true;
                return new PersonIdRef(src);
            case PERSON_JOIN: {
                if (rest.isEmpty()) {
                    throw new HogQLResolutionException("\"" + name + "\" is a table: use " + name + ".id, " + name
                            + ".properties.…", node);
                }
                FieldDef pf = Schema.persons().field(rest.get(0));
                if (pf == null || pf.kind() == Kind.PERSON_JOIN) {
                    throw new HogQLResolutionException("Field not found: " + rest.get(0), node);
                }
                List<String> path = rest.subList(1, rest.size());
                if (src.table.field(src.table.personIdColumn()).kind() == Kind.PERSON_ID) {
                    src.needsOverride = true;
                }
                if (rest.get(0).equals("id")) {
                    noRest(path, chain, node);
                    return new PersonIdRef(src);
                }
                if (pf.kind() != Kind.JSON) {
                    noRest(path, chain, node);
                }
                src.needsPerson = true;
                return new PersonFieldRef(src, pf, List.copyOf(path));
            }
            case SESSION_JOIN: {
                FieldDef sf = rest.isEmpty() ? null : SessionsTable.DEF.field(rest.get(0));
                if (sf == null) {
                    throw new HogQLResolutionException(rest.isEmpty() ? "\"" + name + "\" is a table: use " + name
                            + ".$session_duration, " + name + ".$entry_current_url, …"
                            : "Field not found: " + rest.get(0), node);
                }
                noRest(rest.subList(1, rest.size()), chain, node);
                src.needsSession = true;
                return new SessionFieldRef(src, sf);
            }
            case GROUP_JOIN: {
                FieldDef gf = rest.isEmpty() ? null : Schema.table("groups").field(rest.get(0));
                if (gf == null) {
                    throw new HogQLResolutionException(rest.isEmpty() ? "\"" + name + "\" is a table: use " + name
                            + ".key, " + name + ".properties.…, " + name + ".created_at"
                            : "Field not found: " + rest.get(0), node);
                }
                List<String> path = rest.subList(1, rest.size());
                if (gf.kind() != Kind.JSON) {
                    noRest(path, chain, node);
                }
                int index = Integer.parseInt(fd.column());
                src.needsGroup[index] = true;
                return new GroupFieldRef(src, index, gf, List.copyOf(path));
            }
            default:
                noRest(rest, chain, node);
                return new ColumnRef(src, fd, List.of());
        }
    }

    private static void noRest(List<String> rest, List<String> chain, Expr.Field node) {
        if (!rest.isEmpty()) {
            // PostHog's FieldType.get_child wording for a property of a field that has none
            String field = chain.get(chain.size() - rest.size() - 1);
            throw new HogQLResolutionException("Can not access property \"" + rest.get(0) + "\" on field \"" + field
                    + "\".", node);
        }
    }
}
