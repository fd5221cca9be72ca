package dev.quarry.hogql;

import static dev.quarry.hogql.HogQLTypes.base;
import static dev.quarry.hogql.HogQLTypes.cat;
import static dev.quarry.hogql.HogQLTypes.isNum;

import dev.quarry.hogql.Resolver.Column;
import dev.quarry.hogql.Resolver.ColumnRef;
import dev.quarry.hogql.Resolver.ExprRef;
import dev.quarry.hogql.Resolver.PersonFieldRef;
import dev.quarry.hogql.Resolver.PersonIdRef;
import dev.quarry.hogql.Resolver.QueryScope;
import dev.quarry.hogql.Resolver.Ref;
import dev.quarry.hogql.Resolver.Resolution;
import dev.quarry.hogql.Resolver.Source;
import dev.quarry.hogql.Resolver.SubColumnRef;
import dev.quarry.hogql.Schema.FieldDef;
import dev.quarry.hogql.Schema.Kind;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Prints a resolved HogQL tree as PostgreSQL text with $n bind parameters, adding {@code <alias>.team_id = $1} for
 * every table it emits. Identifiers come from {@link Schema} or are generated; every user value is a bind parameter
 * or a number printed by Java. Function calls print through their entry in the function table ({@link Functions}),
 * literals through {@link Literals}, date values through {@link Dates}; type names and rules are {@link HogQLTypes}'.
 * Names, scopes and fields come resolved ({@link Resolver}) and every node typed ({@link Typer}): the printer reads
 * each node's type from the resolution and computes none; it keeps its own state (parameters, CTE names, the SQL
 * columns of printed subqueries) and writes nothing back into the resolution.
 */
public final class PostgresPrinter {
    /** A printed expression and its ClickHouse-style type. */
    public record Frag(String sql, String type) {}

    /** A printed SELECT: SQL, HogQL column names, SQL column names, types. */
    public record Printed(String sql, List<String> names, List<String> sqlNames, List<String> types) {}

    private static final Pattern SAFE_COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    private final Resolution res;
    private final CompileSettings settings;
    private final List<Object> params = new ArrayList<>();
    private final Map<List<Object>, Integer> paramIndex = new HashMap<>();
    private final ZoneId zone;
    private final CompileBudget budget = new CompileBudget();
    private final SessionRanges sessionRanges;
    /**
     * Subquery CTEs of the SELECTs being printed, innermost last. One read more than once is printed once, as a
     * PostgreSQL WITH (PostgreSQL then computes it once, as ClickHouse would for a deterministic CTE); one read once
     * stays an inline subquery.
     */
    private final List<Map<SelectLike, CteSql>> cteFrames = new ArrayList<>();
    private int cteCount;
    /** How many FROM items read each subquery (a CTE's body is read by each reference to it). */
    private final Map<SelectLike, Integer> subqueryUses = new java.util.IdentityHashMap<>();

    /** A subquery CTE printed once under a generated name; {@code sql} is null until first referenced. */
    private static final class CteSql {
        String name;
        Printed printed;
    }
    /** The SQL names of the columns of each subquery, CTE or ARRAY JOIN source printed so far. */
    private final Map<Source, List<String>> sourceColumns = new java.util.IdentityHashMap<>();

    /** While a lambda's body is printed: what its parameters stand for. */
    private final Map<Expr.Lambda, List<Frag>> lambdaArgs = new java.util.IdentityHashMap<>();
    private int generatedAliases;
    /**
     * A printer for a query the typing pass ({@link Typer}) has typed: every node's type is read from {@code res}.
     */
    public PostgresPrinter(Resolution res, CompileSettings settings) {
        this.res = res;
        this.settings = settings;
        this.sessionRanges = new SessionRanges(this, res);
        try {
            this.zone = ZoneId.of(settings.timezone());
        } catch (DateTimeException e) {
            throw new HogQLException("Unknown time zone \"" + settings.timezone() + "\"");
        }
        params.add(settings.teamId());
        for (QueryScope scope : res.scopes.values()) {
            for (Source src : scope.sources) {
                if (src.subquery != null) {
                    subqueryUses.merge(src.subquery, 1, Integer::sum);
                }
            }
        }
    }

    public List<Object> params() {
        return List.copyOf(params);
    }

    /** The type the typing pass gave a node. */
    String type(Expr e) {
        return res.type(e);
    }

    /** The cohort id the resolver found for a {@code #cohort(…)} call, or null when it had no cohorts to look in. */
    Long cohortId(Expr.Call c) {
        return res.cohortIds.get(c);
    }

    /** A fresh SQL alias for generated subqueries ({@code "__u1"}, …). */
    String generatedAlias(String prefix) {
        return q("__" + prefix + (++generatedAliases));
    }

    /** Prints a lambda's body with its parameters standing for {@code args} (e.g. the columns of an unnest). */
    Frag lambdaBody(Expr.Lambda l, List<Frag> args) {
        lambdaArgs.put(l, args);
        try {
            return expr(l.body());
        } finally {
            lambdaArgs.remove(l);
        }
    }

    // ------------------------------------------------------------------ parameters

    String bind(Object v, String pgType) {
        List<Object> key = List.of(pgType, v.getClass().getName(), v);
        Integer idx = paramIndex.get(key);
        if (idx == null) {
            params.add(v);
            idx = params.size();
            CompileBudget.checkParameters(idx); // refused while printing, before the rest of a huge IN list is
            paramIndex.put(key, idx);
        }
        return "$" + idx + "::" + pgType;
    }

    private String team() {
        return "$1";
    }

    /** The team's time zone. */
    ZoneId zone() {
        return zone;
    }

    String tz() {
        return bind(settings.timezone(), "text");
    }

    /** The compile's clock instant ({@link CompileSettings#now}), null when the caller gave none. */
    java.time.Instant clockNow() {
        return settings.now();
    }

    static String q(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    // ------------------------------------------------------------------ selects

    /** Prints a top-level query; sqlLimit/offset, when not null, replace the query's own LIMIT/OFFSET. */
    public Printed top(SelectLike query, Long sqlLimit, Long offset) {
        if (query instanceof SelectQuery s) {
            return select(s, true, sqlLimit, offset);
        }
        Printed p = selectLike(query, true);
        StringBuilder sb = new StringBuilder(p.sql());
        if (sqlLimit != null) {
            sb.append(" LIMIT ").append(sqlLimit);
        }
        if (offset != null && offset > 0) {
            sb.append(" OFFSET ").append(offset);
        }
        return new Printed(sb.toString(), p.names(), p.sqlNames(), p.types());
    }

    private Printed selectLike(SelectLike q, boolean top) {
        if (q instanceof SelectQuery s) {
            return select(s, top, null, null);
        }
        SelectUnion u = (SelectUnion) q;
        List<String> parts = new ArrayList<>();
        Printed first = null;
        for (SelectLike s : u.selects()) {
            Printed p = selectLike(s, top);
            if (first == null) {
                first = p;
            }
            parts.add("(" + p.sql() + ")");
        }
        StringBuilder sb = new StringBuilder(parts.get(0));
        for (int k = 1; k < parts.size(); k++) {
            sb.append(' ').append(u.ops().get(k - 1)).append(' ').append(parts.get(k));
        }
        return new Printed(sb.toString(), first.names(), first.sqlNames(), res.columnTypes(u, top));
    }

    private Printed select(SelectQuery s, boolean top, Long sqlLimit, Long sqlOffset) {
        budget.node();
        Map<SelectLike, CteSql> frame = new java.util.IdentityHashMap<>();
        for (CTE c : s.ctes()) {
            if (c.subquery()) {
                frame.put((SelectLike) c.expr(), new CteSql());
            }
        }
        cteFrames.add(frame);
        try {
            Printed p = selectBody(s, top, sqlLimit, sqlOffset);
            // CTEs in the order they were first printed: a CTE's own references were printed (and listed) before it
            List<String> with = new ArrayList<>();
            for (CteSql c : frame.values().stream().filter(c -> c.printed != null)
                    .sorted(java.util.Comparator.comparing(c -> Integer.parseInt(c.name.substring(5)))).toList()) {
                with.add(q(c.name) + " AS (" + c.printed.sql() + ")");
            }
            return with.isEmpty() ? p
                    : new Printed("WITH " + String.join(", ", with) + " " + p.sql(), p.names(), p.sqlNames(), p.types());
        } finally {
            cteFrames.remove(cteFrames.size() - 1);
        }
    }

    private Printed selectBody(SelectQuery s, boolean top, Long sqlLimit, Long sqlOffset) {
        QueryScope scope = res.scope(s);
        boolean wrapAll = scope.sources.stream().anyMatch(src -> src.join != null && src.join.joinType() != null
                && (src.join.joinType().startsWith("RIGHT") || src.join.joinType().startsWith("FULL")));
        StringBuilder from = new StringBuilder();
        List<String> where = new ArrayList<>();
        sessionRanges.enter(s, scope.sources); // the outer time range for the sessions a source reads
        for (int k = 0; k < scope.sources.size(); k++) {
            Source src = scope.sources.get(k);
            if (src.arrayJoinItems != null) {
                // ARRAY JOIN: one row per element (LEFT: rows with an empty array stay, with NULL elements)
                String unnest = arrayJoinSql(src);
                from.append(src.join.joinType().equals(JoinExpr.LEFT_ARRAY_JOIN)
                        ? " LEFT JOIN LATERAL " + unnest + " ON TRUE" : " CROSS JOIN LATERAL " + unnest);
                continue;
            }
            String tableSql = sourceSql(src, wrapAll);
            List<String> conds = new ArrayList<>();
            if (src.table != null && !wrapAll) {
                conds.add(q(src.sqlAlias) + ".\"team_id\" = " + team());
            }
            if (k == 0) {
                from.append(" FROM ").append(tableSql);
                where.addAll(conds);
                continue;
            }
            List<String> on = new ArrayList<>();
            if (src.join.on() != null) {
                on.add(bool(expr(src.join.on())));
                on.addAll(sessionRanges.joinKeys(src.join.on())); // events to sessions by the stored key
            }
            for (String u : src.join.using()) {
                Source left = null;
                for (int m = k - 1; m >= 0 && left == null; m--) {
                    if (Resolver.hasField(scope.sources.get(m), u)) {
                        left = scope.sources.get(m);
                    }
                }
                on.add(sourceField(left, u) + " = " + sourceField(src, u));
            }
            on.addAll(conds);
            String jt = src.join.joinType();
            if (on.isEmpty()) {
                from.append(" CROSS JOIN ").append(tableSql);
            } else {
                from.append(' ').append(jt.equals("CROSS JOIN") ? "INNER JOIN" : jt).append(' ').append(tableSql)
                        .append(" ON ").append(String.join(" AND ", on));
            }
        }
        if (s.where() != null) {
            where.add(bool(expr(s.where())));
        }
        // select list
        List<String> names = new ArrayList<>();
        List<String> sqlNames = new ArrayList<>();
        List<String> types = res.columnTypes(s, top);
        List<String> cols = new ArrayList<>();
        List<Frag> colFrags = new ArrayList<>();
        Set<String> used = new HashSet<>();
        Set<String> userNames = new HashSet<>();
        for (Column c : scope.columns) {
            if (safeColumn(c.name())) {
                userNames.add(c.name().toLowerCase(Locale.ROOT));
            }
        }
        for (int k = 0; k < scope.columns.size(); k++) {
            Column c = scope.columns.get(k);
            Frag f = c.expr() instanceof Expr.Call call && res.arrayJoins.contains(call) ? arrayJoin(call) : expr(c.expr());
            if (top && base(f.type()).equals("JSON")) {
                f = new Frag("(" + f.sql() + ")::text", types.get(k)); // HogQLTypes.resultColumn
            }
            String sqlName = safeColumn(c.name()) && used.add(c.name().toLowerCase(Locale.ROOT)) ? c.name() : null;
            if (sqlName == null) {
                // a generated name never equals another column's name, the user's or a generated one
                sqlName = "c" + k;
                for (int n = 2; userNames.contains(sqlName) || !used.add(sqlName); n++) {
                    sqlName = "c" + k + "_" + n;
                }
            }
            names.add(c.name());
            sqlNames.add(sqlName);
            colFrags.add(f);
            cols.add(f.sql() + " AS " + q(sqlName));
        }
        StringBuilder sb = new StringBuilder("SELECT ");
        if (s.distinct()) {
            sb.append("DISTINCT ");
        }
        sb.append(String.join(", ", cols));
        int columnCount = cols.size();
        String orderSql = s.orderBy().stream().map(o -> FloatOrder.orderItem(this, o, colFrags, s.distinct())).collect(Collectors.joining(", "));
        if (s.limitBy() != null) {
            String by = s.limitBy().exprs().stream().map(e -> expr(e).sql()).collect(Collectors.joining(", "));
            String over = orderSql.isEmpty() ? "" : " ORDER BY " + orderSql;
            sb.append(", row_number() OVER (PARTITION BY ").append(by).append(over).append(") AS \"__rn\"");
            sb.append(", row_number() OVER (").append(over.trim()).append(") AS \"__ord\"");
        }
        sb.append(from);
        if (!where.isEmpty()) {
            sb.append(" WHERE ").append(String.join(" AND ", where));
        }
        if (!s.groupBy().isEmpty()) {
            sb.append(" GROUP BY ").append(s.groupBy().stream().map(g -> groupOrOrderItem(g, columnCount))
                    .collect(Collectors.joining(", ")));
        }
        if (s.having() != null) {
            sb.append(" HAVING ").append(bool(expr(s.having())));
        }
        Long limit = sqlLimit != null ? sqlLimit : s.limit() == null ? null : ConstantArgs.constLong(s.limit(), "LIMIT");
        Long offset = sqlOffset != null ? sqlOffset : s.offset() == null ? null : ConstantArgs.constLong(s.offset(), "OFFSET");
        if (s.limitBy() != null) {
            long n = ConstantArgs.constLong(s.limitBy().n(), "LIMIT BY");
            long off = s.limitBy().offset() == null ? 0 : ConstantArgs.constLong(s.limitBy().offset(), "LIMIT BY OFFSET");
            String outer = "SELECT " + sqlNames.stream().map(PostgresPrinter::q).collect(Collectors.joining(", "))
                    + " FROM (" + sb + ") AS \"__limit_by\" WHERE \"__rn\" > " + off + " AND \"__rn\" <= " + (off + n)
                    + " ORDER BY \"__ord\"";
            sb = new StringBuilder(outer);
        } else if (!orderSql.isEmpty()) {
            sb.append(" ORDER BY ").append(orderSql);
        }
        if (s.limitWithTies() && limit != null) {
            // LIMIT n WITH TIES: PostgreSQL's FETCH FIRST n ROWS WITH TIES, which needs ORDER BY (as ClickHouse does)
            if (s.orderBy().isEmpty() || s.limitBy() != null) {
                throw new HogQLResolutionException("LIMIT … WITH TIES needs ORDER BY (and no LIMIT BY)", s);
            }
            sb.append(" OFFSET ").append(offset == null ? 0 : offset).append(" ROWS FETCH FIRST ").append(limit)
                    .append(" ROWS WITH TIES");
            return new Printed(sb.toString(), names, sqlNames, types);
        }
        if (limit != null) {
            sb.append(" LIMIT ").append(limit);
        }
        if (offset != null && offset > 0) {
            sb.append(" OFFSET ").append(offset);
        }
        return new Printed(sb.toString(), names, sqlNames, types);
    }

    /**
     * A HogQL column name printed as is. Names with "__" are left to generated names, which all contain "__"
     * ({@code __rn}, {@code __ord}), so the two can never collide.
     */
    private static boolean safeColumn(String name) {
        return SAFE_COLUMN.matcher(name).matches() && !name.contains("__");
    }

    private String arrayJoinSql(Source src) {
        List<String> arrays = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < src.arrayJoinItems.size(); k++) {
            arrays.add(expr(src.arrayJoinItems.get(k)).sql()); // an array: checked by the typing pass
            names.add("c" + k);
        }
        sourceColumns.put(src, names);
        return "unnest(" + String.join(", ", arrays) + ") AS " + q(src.sqlAlias) + "("
                + names.stream().map(PostgresPrinter::q).collect(Collectors.joining(", ")) + ")";
    }

    private String sourceSql(Source src, boolean wrap) {
        CteSql cte = src.subquery == null || subqueryUses.getOrDefault(src.subquery, 0) < 2 ? null : cteOf(src.subquery);
        if (cte != null) {
            if (cte.printed == null) {
                Printed p = selectLike(src.subquery, false);
                cte.name = "cte__" + ++cteCount;
                cte.printed = p;
            }
            sourceColumns.put(src, cte.printed.sqlNames());
            return q(cte.name) + " AS " + q(src.sqlAlias);
        }
        if (src.subquery != null) {
            Printed p = selectLike(src.subquery, false);
            sourceColumns.put(src, p.sqlNames());
            return "(" + p.sql() + ") AS " + q(src.sqlAlias);
        }
        String a = q(src.sqlAlias);
        String t = src.table == SessionsTable.DEF ? sessionRanges.sessionsTable(src) : q(src.table.pgTable());
        String base = wrap ? "(SELECT * FROM " + t + " AS " + q(src.table.pgTable()) + " WHERE "
                + q(src.table.pgTable()) + ".\"team_id\" = " + team() + ") AS " + a : t + " AS " + a;
        if (!src.needsOverride && !src.needsPerson && !src.needsSession && !src.needsAnyGroup()) {
            return base;
        }
        return "(" + base + LazyJoins.sql(src, team(), src.needsPerson ? personId(src) : null,
                src.needsSession ? sessionRanges.sessionsTable(src) : null) + ")";
    }

    /** The CTE this subquery is the body of, innermost defining SELECT first; null for a plain subquery. */
    private CteSql cteOf(SelectLike sub) {
        for (int i = cteFrames.size() - 1; i >= 0; i--) {
            CteSql c = cteFrames.get(i).get(sub);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    private String personId(Source src) {
        String a = q(src.sqlAlias);
        if (src.table.field(src.table.personIdColumn()).kind() == Kind.PERSON_ID) {
            return "coalesce(" + q(src.sqlAlias + "__override") + ".\"override_person_id\", " + a + "."
                    + q(src.table.personIdColumn()) + ")";
        }
        return a + "." + q(src.table.personIdColumn());
    }

    /** The SQL of a field of a FROM item named by {@code USING}. */
    private String sourceField(Source src, String name) {
        if (src.table != null) {
            FieldDef f = src.table.field(name);
            if (f.kind() == Kind.PERSON_ID) {
                return personId(src);
            }
            return column(f, List.of(), q(src.sqlAlias));
        }
        return q(src.sqlAlias) + "." + q(sourceColumns.get(src).get(src.columns.indexOf(name)));
    }

    // ------------------------------------------------------------------ expressions

    /**
     * Prints an expression: its SQL and the type the typing pass ({@link Typer}) gave it. A node built while
     * printing (a function written as another) is typed when first printed.
     */
    public Frag expr(Expr e) {
        budget.node();
        String type = res.type(e);
        return new Frag(CompileBudget.checkSql(sql(e, type)), type); // each fragment, as it grows
    }

    private String sql(Expr e, String type) {
        if (e instanceof Expr.Constant c) {
            return Literals.sql(this, c.value());
        }
        if (e instanceof Expr.Field f) {
            return PropertyTypes.sql(this, res.propertyType(res.ref(f)), field(res.ref(f)));
        }
        if (e instanceof Expr.Call c) {
            return callSql(c, type);
        }
        if (e instanceof Expr.Window w) {
            return window(w);
        }
        if (e instanceof Expr.Arithmetic a) {
            return arithmeticSql(a.op(), a.left(), a.right());
        }
        if (e instanceof Expr.Negate n) {
            Frag x = expr(n.expr()); // printed once: printing it twice doubled the work per nested minus
            Frag wrapped = IntegerArithmetic.negate(x, IntegerArithmetic.literal(n.expr()));
            return wrapped != null ? wrapped.sql() : "(- " + num(x) + ")";
        }
        if (e instanceof Expr.Compare c) {
            return compare(c);
        }
        if (e instanceof Expr.And a) {
            if (a.exprs().isEmpty()) {
                return "TRUE";
            }
            return "(" + a.exprs().stream().map(x -> bool(expr(x))).collect(Collectors.joining(" AND ")) + ")";
        }
        if (e instanceof Expr.Or o) {
            return Disjunctions.print(this, o); // equalities of one String expression read it once
        }
        if (e instanceof Expr.Not n) {
            return "(NOT " + bool(expr(n.expr())) + ")";
        }
        if (e instanceof Expr.Between b) {
            String sql = FloatOrder.between(this, b);
            return b.negated() ? "(NOT " + sql + ")" : sql;
        }
        if (e instanceof Expr.IsNull n) {
            return "(" + expr(n.expr()).sql() + (n.negated() ? " IS NOT NULL)" : " IS NULL)");
        }
        if (e instanceof Expr.Case c) {
            return caseExpr(c, type);
        }
        if (e instanceof Expr.Interval i) {
            return intervalSql(expr(i.amount()), i.unit());
        }
        if (e instanceof Expr.ArrayLit a) {
            return Literals.arraySql(this, a.items().stream().map(this::expr).toList(), type);
        }
        if (e instanceof Expr.TupleLit t) {
            return Literals.tupleSql(t.items().stream().map(this::expr).toList());
        }
        if (e instanceof Expr.ArrayAccess a) {
            Frag arr = expr(a.array());
            if (cat(arr.type()).equals("json")) {
                if (a.index() instanceof Expr.Constant k && k.value() instanceof String key) {
                    return PropertyTypes.sql(this, res.propertyType(a), jsonPath(arr.sql(), List.of(key), true));
                }
                if (a.index() instanceof Expr.Constant k && k.value() instanceof Long n && n >= 1) {
                    return jsonPath(arr.sql(), List.of(Long.toString(n - 1)), true);
                }
                throw new HogQLResolutionException("A JSON value is indexed by a string key or a position from 1", a);
            }
            String element = a.index() instanceof Expr.Constant k && k.value() instanceof Long n && n >= 1
                    ? "(" + arr.sql() + ")[" + int4(expr(a.index())) + "]"
                    // ClickHouse counts a negative position from the end (V43_1)
                    : "hogql_array_element(" + arr.sql() + ", " + int4(expr(a.index())) + ")";
            // past either end (and at 0) ClickHouse's arrayElement gives the element type's default value: 0, '',
            // … — NULL only for an array of Nullable elements
            String el = HogQLTypes.elementType(arr.type());
            if (el.startsWith("Nullable(")) {
                return element;
            }
            String withDefault = "COALESCE(" + element + ", " + HogQLTypes.defaultValue(el) + ")";
            // a NULL position gives NULL, as ClickHouse passes NULL through, not the default
            return a.index() instanceof Expr.Constant k && k.value() instanceof Long ? withDefault
                    : "CASE WHEN " + int4(expr(a.index())) + " IS NULL THEN NULL ELSE " + withDefault + " END";
        }
        if (e instanceof SelectLike sub) {
            return "(" + selectLike(sub, false).sql() + ")";
        }
        // a lambda outside a higher-order function, or an unsupported node: refused by the typing pass
        throw new HogQLResolutionException("Unsupported expression " + HogQLPrinter.print(e), e);
    }

    private String field(Ref r) {
        if (r instanceof ColumnRef c) {
            return column(c.field(), c.path(), q(c.source().sqlAlias));
        }
        if (r instanceof PersonIdRef p) {
            return personId(p.source());
        }
        if (r instanceof PersonFieldRef p) {
            return column(p.field(), p.path(), q(p.source().sqlAlias + "__person"));
        }
        if (r instanceof Resolver.SessionFieldRef sf) {
            return column(sf.field(), List.of(), q(sf.source().sqlAlias + "__session"));
        }
        if (r instanceof Resolver.GroupFieldRef g) {
            return column(g.field(), g.path(), q(g.source().sqlAlias + "__group_" + g.index()));
        }
        if (r instanceof SubColumnRef s) {
            String sql = q(s.source().sqlAlias) + "." + q(sourceColumns.get(s.source()).get(s.index()));
            return s.path().isEmpty() ? sql : jsonPath(sql, s.path(), true); // a JSON column: checked by the typing pass
        }
        if (r instanceof Resolver.LambdaParamRef l) {
            String sql = lambdaArgs.get(l.lambda()).get(l.index()).sql();
            return l.path().isEmpty() ? sql : jsonPath(sql, l.path(), true);
        }
        return expr(((ExprRef) r).expr()).sql();
    }

    /** A table's field, with its property path (its type is {@link Schema#fieldType}'s). */
    private String column(FieldDef f, List<String> path, String alias) {
        if (f.kind() == Kind.SQL) {
            return "(" + f.column().replace("{t}", alias) + ")";
        }
        String col = alias + "." + q(f.column());
        if (f.kind() == Kind.DATE_OF) {
            return "(" + col + " AT TIME ZONE 'UTC')::date";
        }
        String hot = Schema.hotColumn(f, path);
        if (hot != null) {
            return alias + "." + q(hot);
        }
        if (f.kind() == Kind.JSON && !path.isEmpty()) {
            return jsonPath(col, path, true);
        }
        return col;
    }

    /** A property path of a JSON value: as text ({@link HogQLTypes#JSON_PATH}) or as JSON. */
    String jsonPath(String json, List<String> path, boolean asText) {
        if (path.size() == 1) {
            return "(" + json + (asText ? " ->> " : " -> ") + bind(path.get(0), "text") + ")";
        }
        return "(" + json + (asText ? " #>> " : " #> ") + textArray(path) + ")";
    }

    String textArray(List<String> items) {
        return "ARRAY[" + items.stream().map(p -> bind(p, "text")).collect(Collectors.joining(", ")) + "]";
    }

    // ------------------------------------------------------------------ conversions

    /** A boolean SQL expression for a value used as a condition (ClickHouse accepts numbers). */
    String bool(Frag f) {
        return switch (cat(f.type())) {
            case "bool" -> f.sql();
            case "null" -> "NULL::boolean";
            case "int", "float" -> "((" + f.sql() + ") <> 0)";
            case "string" -> "(lower(" + f.sql() + ") IN ('true', '1'))";
            default -> throw new HogQLResolutionException("A condition must be boolean, got " + f.type());
        };
    }

    /** A numeric SQL expression: strings are converted safely (non-numeric → NULL). */
    String num(Frag f) {
        return switch (cat(f.type())) {
            case "int", "float" -> f.sql();
            case "null" -> "NULL::float8";
            case "string" -> "hogql_to_float(" + f.sql() + ")";
            case "bool" -> "(" + f.sql() + ")::int";
            default -> throw new HogQLResolutionException("Expected a number, got " + f.type());
        };
    }

    String numType(Frag f) {
        return HogQLTypes.numType(f.type());
    }

    /** Text: values of other types are printed as text the way ClickHouse's toString does. */
    String str(Frag f) {
        return switch (cat(f.type())) {
            case "string" -> f.sql();
            case "null" -> "NULL::text";
            case "datetime" -> "to_char(" + Dates.localTs(this, f) + ", 'YYYY-MM-DD HH24:MI:SS')";
            case "date" -> "to_char(" + f.sql() + ", 'YYYY-MM-DD')";
            case "float" -> "hogql_ftext((" + f.sql() + ")::float8)"; // inf, -inf, nan as ClickHouse (V73_1)
            default -> "(" + f.sql() + ")::text";
        };
    }

    /** A value's SQL with a type PostgreSQL can resolve: a bare NULL (type unknown there) as text. */
    String typed(Frag f) {
        return cat(f.type()).equals("null") ? "NULL::text" : f.sql();
    }

    /** Whether aggregates that keep every value count them into the statement's collection budget (AggregateFunctions). */
    boolean boundedCollections() {
        return settings.boundedCollections();
    }

    String int4(Frag f) {
        // NULL stays NULL (V123_1), as ClickHouse passes it through
        return cat(f.type()).equals("int") ? "quarry_int4((" + f.sql() + ")::numeric)"
                : "quarry_int4((" + num(f) + ")::float8)";
    }

    /** Coerces two operands for comparison; returns their SQL. */
    String[] coerce(Frag l, Expr le, Frag r, Expr re) {
        String lc = cat(l.type());
        String rc = cat(r.type());
        if (lc.equals(rc) || lc.equals("null") || rc.equals("null") || (isNum(l.type()) && isNum(r.type()))
                || (lc.equals("date") && rc.equals("datetime")) || (lc.equals("datetime") && rc.equals("date"))) {
            return new String[] {l.sql(), r.sql()};
        }
        if (rc.equals("string") && !lc.equals("string")) {
            String[] swapped = coerce(r, re, l, le);
            return new String[] {swapped[1], swapped[0]};
        }
        if (lc.equals("string")) {
            switch (rc) {
                case "int", "float" -> {
                    return new String[] {num(l), r.sql()};
                }
                case "datetime" -> {
                    if (le instanceof Expr.Constant c && c.value() instanceof String s) {
                        return new String[] {bind(Dates.parseDateTime(this, s, le), "timestamptz"), r.sql()};
                    }
                    return new String[] {"hogql_to_timestamp(" + l.sql() + ", " + tz() + ")", r.sql()};
                }
                case "date" -> {
                    if (le instanceof Expr.Constant c && c.value() instanceof String s) {
                        return new String[] {bind(Dates.parseDateTime(this, s, le).atZoneSameInstant(zone).toLocalDate(), "date"),
                                r.sql()};
                    }
                    return new String[] {"hogql_to_date(" + l.sql() + ")", r.sql()};
                }
                case "uuid" -> {
                    if (le instanceof Expr.Constant c && c.value() instanceof String s) {
                        try {
                            return new String[] {bind(UUID.fromString(s.trim()), "uuid"), r.sql()};
                        } catch (IllegalArgumentException ex) {
                            return new String[] {"NULL::uuid", r.sql()};
                        }
                    }
                    return new String[] {l.sql(), "(" + r.sql() + ")::text"};
                }
                default -> {
                    return new String[] {l.sql(), str(r)};
                }
            }
        }
        if (lc.equals("bool") && isNum(r.type())) {
            return new String[] {l.sql(), bool(r)};
        }
        if (rc.equals("bool") && isNum(l.type())) {
            return new String[] {bool(l), r.sql()};
        }
        return new String[] {str(l), str(r)};
    }

    private String compare(Expr.Compare c) {
        String op = c.op();
        String special = op.equals("in") || op.equals("not in") ? in(c) : FloatOrder.tupleCompare(this, c);
        if (special != null) {
            return special; // IN, or tuples holding NaN compared element by element
        }
        Frag l = expr(c.left());
        Frag r = expr(c.right());
        if (op.contains("like")) {
            String sqlOp = switch (op) {
                case "like" -> "LIKE";
                case "ilike" -> "ILIKE";
                case "not like" -> "NOT LIKE";
                default -> "NOT ILIKE";
            };
            return "(" + str(l) + " " + sqlOp + " " + str(r) + ")";
        }
        String[] s = coerce(l, c.left(), r, c.right());
        return FloatOrder.compared(op, s, FloatOrder.canBeNaN(l, c.left()), FloatOrder.canBeNaN(r, c.right()));
    }

    private String in(Expr.Compare c) {
        boolean not = c.op().equals("not in");
        Expr right = c.right();
        if (right instanceof SelectLike sub) {
            Frag l = expr(c.left());
            Printed p = sessionRanges.within(c.left(), sub, () -> selectLike(sub, false)); // a session filter
            String rt = p.types().get(0);
            String left = l.sql();
            if (!cat(l.type()).equals(cat(rt)) && !(isNum(l.type()) && isNum(rt))) {
                if (cat(rt).equals("uuid") && cat(l.type()).equals("string")) {
                    left = "hogql_to_uuid(" + l.sql() + ")";
                } else if (isNum(rt) && cat(l.type()).equals("string")) {
                    left = num(l);
                } else {
                    left = str(l);
                    p = new Printed("SELECT (" + "\"__in\"." + q(p.sqlNames().get(0)) + ")::text FROM (" + p.sql()
                            + ") AS \"__in\"", p.names(), p.sqlNames(), p.types());
                }
            }
            return "(" + left + (not ? " NOT IN (" : " IN (") + p.sql() + "))";
        }
        List<Expr> items;
        if (right instanceof Expr.TupleLit t) {
            items = t.items();
        } else if (right instanceof Expr.ArrayLit a) {
            items = a.items();
        } else {
            items = List.of(right);
        }
        if (items.isEmpty()) {
            return not ? "TRUE" : "FALSE";
        }
        Frag l = expr(c.left());
        String left = null;
        List<String> rs = new ArrayList<>();
        for (Expr it : items) {
            String[] s = coerce(l, c.left(), expr(it), it);
            left = s[0];
            rs.add(s[1]);
        }
        return FloatOrder.inList(this, items, left, rs, not, l.type()); // a Float's zeros by sign, as ClickHouse's sets
    }

    /**
     * The SQL of {@code l op r} of two expressions: as {@link #arithmeticSql(String, Frag, Frag)}, knowing which
     * operands are integer literals (ClickHouse types a non-negative literal as the smallest UInt that holds it), so
     * that {@code + - *} of integers wrap as ClickHouse's do ({@link IntegerArithmetic}).
     */
    String arithmeticSql(String op, Expr le, Expr re) {
        Frag l = expr(le);
        Frag r = expr(re);
        Frag ints = IntegerArithmetic.of(op, l, IntegerArithmetic.literal(le), r, IntegerArithmetic.literal(re));
        boolean constants = op.equals("%") && IntegerArithmetic.constant(le) && IntegerArithmetic.constant(re)
                && numType(l).equals("Int64") && numType(r).equals("Int64"); // constant % constant: ClickHouse's checks
        return ints != null ? ints.sql() : constants ? IntegerArithmetic.modulo(num(l), num(r), true) : arithmeticSql(op, l, r);
    }

    /**
     * The SQL of {@code l op r} ({@code + - * / %}), by the operands' types; {@code + - *} of two integers wrap as
     * ClickHouse's do ({@link IntegerArithmetic}).
     */
    String arithmeticSql(String op, Frag l, Frag r) {
        Frag wrapping = IntegerArithmetic.of(op, l, null, r, null);
        if (wrapping != null) {
            return wrapping.sql();
        }
        String lc = cat(l.type());
        String rc = cat(r.type());
        if (rc.equals("interval") || lc.equals("interval")) {
            if (lc.equals("interval") && op.equals("+") && !rc.equals("interval")) {
                return arithmeticSql(op, r, l);
            }
            if (lc.equals("date")) {
                return "(" + l.sql() + " " + op + " " + r.sql() + ")::date";
            }
            String left = lc.equals("interval") ? l.sql() : Dates.toDateTime(this, l).sql();
            return "(" + left + " " + op + " " + r.sql() + ")";
        }
        // Date ± n days, DateTime ± n seconds (ClickHouse: today() - 1 is yesterday)
        if ((op.equals("+") || op.equals("-")) && (lc.equals("date") || lc.equals("datetime")) && rc.equals("int")) {
            return arithmeticSql(op, l, new Frag(intervalSql(r, lc.equals("date") ? "day" : "second"), "Interval"));
        }
        if (op.equals("+") && lc.equals("int") && (rc.equals("date") || rc.equals("datetime"))) {
            return arithmeticSql(op, r, l);
        }
        if (op.equals("-") && lc.equals("date") && rc.equals("date")) {
            return "(" + l.sql() + " - " + r.sql() + ")::bigint";
        }
        if (op.equals("-") && (lc.equals("datetime") || rc.equals("datetime"))) {
            return "extract(epoch from (" + Dates.toDateTime(this, l).sql() + " - " + Dates.toDateTime(this, r).sql()
                    + "))::float8";
        }
        String ls = num(l);
        String rs = num(r);
        boolean ints = numType(l).equals("Int64") && numType(r).equals("Int64");
        // floats: IEEE's inf and 0 past the bounds (V58_1) and at a zero divisor (V73_1), as ClickHouse's
        return switch (op) {
            case "/" -> "hogql_fdivide((" + ls + ")::float8, (" + rs + ")::float8)";
            case "%" -> ints ? IntegerArithmetic.modulo(ls, rs) : "hogql_fmodulo((" + ls + ")::float8, (" + rs + ")::float8)";
            case "+" -> ints ? "(" + ls + " + " + rs + ")" : "hogql_fplus((" + ls + ")::float8, (" + rs + ")::float8)";
            case "-" -> ints ? "(" + ls + " - " + rs + ")" : "hogql_fminus((" + ls + ")::float8, (" + rs + ")::float8)";
            case "*" -> ints ? "(" + ls + " * " + rs + ")"
                    : "hogql_fmultiply((" + ls + ")::float8, (" + rs + ")::float8)";
            default -> "(" + ls + " " + op + " " + rs + ")";
        };
    }

    /** {@code amount} units as an Interval, for the entries of the function table that add them. */
    Frag interval(Frag amount, String unit) {
        return new Frag(intervalSql(amount, unit), "Interval");
    }

    /** {@code amount} units as a PostgreSQL interval. */
    String intervalSql(Frag amount, String unit) {
        String u = unit.equals("quarter") ? "3 months" : "1 " + unit;
        return "(" + num(amount) + " * INTERVAL '" + u + "')";
    }

    private String caseExpr(Expr.Case c, String type) {
        List<Frag> results = new ArrayList<>();
        c.results().forEach(r -> results.add(expr(r)));
        if (c.otherwise() != null) {
            results.add(expr(c.otherwise()));
        }
        Unified u = unify(results, type);
        StringBuilder sb = new StringBuilder("CASE");
        Frag subject = c.subject() == null ? null : expr(c.subject());
        for (int k = 0; k < c.conditions().size(); k++) {
            String cond;
            if (subject != null) {
                Frag v = expr(c.conditions().get(k));
                String[] s = coerce(subject, c.subject(), v, c.conditions().get(k));
                cond = "(" + s[0] + " = " + s[1] + ")";
            } else {
                cond = bool(expr(c.conditions().get(k)));
            }
            sb.append(" WHEN ").append(cond).append(" THEN ").append(u.sql.get(k));
        }
        if (c.otherwise() != null) {
            sb.append(" ELSE ").append(u.sql.get(u.sql.size() - 1));
        }
        return sb.append(" END").toString();
    }

    /** Values brought to one type: their SQL and that type. */
    public record Unified(List<String> sql, String type) {}

    /** Brings values to {@code type}, their {@link HogQLTypes#unify unified} type (possibly made nullable). */
    Unified unify(List<Frag> fs, String type) {
        Set<String> cats = new HashSet<>();
        fs.forEach(f -> cats.add(cat(f.type())));
        cats.remove("null");
        if (cats.size() <= 1 || isNum(type)) {
            return new Unified(fs.stream().map(Frag::sql).toList(), type);
        }
        if (cat(type).equals("datetime")) {
            return new Unified(fs.stream().map(f -> cat(f.type()).equals("date") ? Dates.toDateTime(this, f).sql() : f.sql())
                    .toList(), type);
        }
        return new Unified(fs.stream().map(this::str).toList(), type);
    }

    // ------------------------------------------------------------------ functions

    /**
     * A window function, or an aggregate over a window: the call, then OVER (PARTITION BY … ORDER BY …); which
     * functions may run over a window is checked by the typing pass.
     */
    private String window(Expr.Window w) {
        Expr.Call c = w.call();
        Functions.Spec spec = Functions.check(c);
        String name = spec.name().toLowerCase(Locale.ROOT);
        // sum and avg print wrapped (coalesce, casts): OVER must follow the aggregate call itself, inside the wrapper
        if ((name.equals("sum") || name.equals("avg")) && c.args().size() == 1 && !c.distinct()) {
            Frag x = expr(c.args().get(0));
            String call = name + "(" + num(x) + ") OVER (" + overClause(w) + ")";
            if (name.equals("avg")) {
                return "(" + call + ")::float8";
            }
            String sum = "coalesce(" + call + ", 0)";
            if (numType(x).equals("Int64")) {
                return IntegerArithmetic.wrappedSum(sum, x.type());
            }
            return sum;
        }
        windowOver = " OVER (" + overClause(w) + ")";
        return over(callSql(spec, c, name)); // unless the entry put it after its aggregate itself (see over)
    }

    private String windowOver;

    /** An aggregate's own call, then the OVER clause of the window being printed (once): for wrapping entries. */
    String over(String aggregateCall) {
        String o = windowOver;
        windowOver = null;
        return o == null ? aggregateCall : aggregateCall + o;
    }

    private String overClause(Expr.Window w) {
        if (w.name() != null) {
            throw new HogQLResolutionException("Window \"" + w.name() + "\" is not defined (WINDOW " + w.name()
                    + " AS (…))", w);
        }
        List<String> parts = new ArrayList<>();
        if (!w.partitionBy().isEmpty()) {
            parts.add("PARTITION BY " + w.partitionBy().stream().map(p -> expr(p).sql()).collect(Collectors.joining(", ")));
        }
        if (!w.orderBy().isEmpty()) {
            parts.add("ORDER BY " + w.orderBy().stream().map(o -> expr(o.expr()).sql() + o.direction())
                    .collect(Collectors.joining(", ")));
        }
        if (w.frame() != null) {
            if (w.frame().method().equals("RANGE") && w.orderBy().size() != 1
                    && (w.frame().start().offset() != null || (w.frame().end() != null && w.frame().end().offset() != null))) {
                throw new HogQLResolutionException("A RANGE frame with an offset needs exactly one ORDER BY column", w);
            }
            parts.add(HogQLPrinter.frame(w.frame())); // offsets are whole-number literals from the parser
        }
        return String.join(" ", parts);
    }

    /** {@code arrayJoin(arr)} as a SELECT column (its argument is an array: checked by the typing pass). */
    private Frag arrayJoin(Expr.Call c) {
        return new Frag("unnest(" + expr(c.args().get(0)).sql() + ")", res.type(c));
    }

    String filter(Expr cond) {
        return " FILTER (WHERE " + bool(expr(cond)) + ")";
    }

    /** A function call (for entries that print one function as another): its SQL and its type. */
    Frag call(Expr.Call c) {
        return expr(c);
    }

    /** A function call: printed by the function's entry in {@link Functions}. */
    private String callSql(Expr.Call c, String type) {
        Functions.Spec spec = Functions.check(c);
        String sql = callSql(spec, c, spec.name().toLowerCase(Locale.ROOT));
        // not over a window (printed apart): a window's groupArray is one value per row of its partition
        if (boundedCollections() && ValueBounds.checked(spec, type)) {
            budget.builtValue();
            return "quarry_bounded(" + sql + ")";
        }
        return sql;
    }

    private String callSql(Functions.Spec spec, Expr.Call c, String name) {
        return spec.sql().print(this, c, name);
    }

    /**
     * {@code GROUP BY 1} / {@code ORDER BY 2} name select columns by position, as ClickHouse (positional arguments)
     * and PostgreSQL both read a bare integer there. Printed as a bound or cast constant, PostgreSQL took it for a
     * constant expression: GROUP BY failed ("must appear in the GROUP BY clause") and ORDER BY silently did not order.
     */
    private String groupOrOrderItem(Expr item, int columnCount) {
        if (item instanceof Expr.Constant c && c.value() instanceof Long position && position >= 1 && position <= columnCount) {
            return Long.toString(position);
        }
        return expr(item).sql();
    }
}
