package dev.quarry.hogql;

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
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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
 * The only class that knows PostgreSQL. Prints a resolved HogQL tree as PostgreSQL text with $n bind parameters,
 * adding {@code <alias>.team_id = $1} for every table it emits. Identifiers come from {@link Schema} or are
 * generated; every user value is a bind parameter or a number printed by Java.
 */
public final class PostgresPrinter {
    /** A printed expression and its ClickHouse-style type. */
    public record Frag(String sql, String type) {}

    /** A printed SELECT: SQL, HogQL column names, SQL column names, types. */
    public record Printed(String sql, List<String> names, List<String> sqlNames, List<String> types) {}

    private static final Pattern SAFE_COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
    private static final String NULL_TYPE = "Nullable(Nothing)";

    private final Resolution res;
    private final CompileSettings settings;
    private final List<Object> params = new ArrayList<>();
    private final Map<List<Object>, Integer> paramIndex = new HashMap<>();
    private final ZoneId zone;
    private final CompileBudget budget = new CompileBudget();
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
    /** While a lambda's body is printed: what its parameters stand for. */
    private final Map<Expr.Lambda, List<Frag>> lambdaArgs = new java.util.IdentityHashMap<>();
    private int generatedAliases;

    public PostgresPrinter(Resolution res, CompileSettings settings) {
        this.res = res;
        this.settings = settings;
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

    String tz() {
        return bind(settings.timezone(), "text");
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
        return new Printed(String.join(" UNION ALL ", parts), first.names(), first.sqlNames(), first.types());
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
            }
            for (String u : src.join.using()) {
                Source left = null;
                for (int m = k - 1; m >= 0 && left == null; m--) {
                    if (Resolver.hasField(scope.sources.get(m), u)) {
                        left = scope.sources.get(m);
                    }
                }
                on.add(sourceField(left, u).sql() + " = " + sourceField(src, u).sql());
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
        List<String> types = new ArrayList<>();
        List<String> cols = new ArrayList<>();
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
                f = new Frag("(" + f.sql() + ")::text", "String");
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
            types.add(f.type());
            cols.add(f.sql() + " AS " + q(sqlName));
        }
        StringBuilder sb = new StringBuilder("SELECT ");
        if (s.distinct()) {
            sb.append("DISTINCT ");
        }
        sb.append(String.join(", ", cols));
        int columnCount = cols.size();
        String orderSql = s.orderBy().stream().map(o -> groupOrOrderItem(o.expr(), columnCount) + o.direction())
                .collect(Collectors.joining(", "));
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
        Long limit = sqlLimit != null ? sqlLimit : s.limit() == null ? null : constLong(s.limit(), "LIMIT");
        Long offset = sqlOffset != null ? sqlOffset : s.offset() == null ? null : constLong(s.offset(), "OFFSET");
        if (s.limitBy() != null) {
            long n = constLong(s.limitBy().n(), "LIMIT BY");
            long off = s.limitBy().offset() == null ? 0 : constLong(s.limitBy().offset(), "LIMIT BY OFFSET");
            String outer = "SELECT " + sqlNames.stream().map(PostgresPrinter::q).collect(Collectors.joining(", "))
                    + " FROM (" + sb + ") AS \"__limit_by\" WHERE \"__rn\" > " + off + " AND \"__rn\" <= " + (off + n)
                    + " ORDER BY \"__ord\"";
            sb = new StringBuilder(outer);
        } else if (!orderSql.isEmpty()) {
            sb.append(" ORDER BY ").append(orderSql);
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

    static long constLong(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof Long l && l >= 0) {
            return l;
        }
        throw new HogQLResolutionException(what + " must be a non-negative integer", e);
    }

    private String arrayJoinSql(Source src) {
        List<String> arrays = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < src.arrayJoinItems.size(); k++) {
            Expr item = src.arrayJoinItems.get(k);
            Frag a = expr(item);
            if (!cat(a.type()).equals("array")) {
                throw new HogQLResolutionException("ARRAY JOIN expects an array, got " + a.type(), item);
            }
            arrays.add(a.sql());
            types.add(elementType(a.type()));
            names.add("c" + k);
        }
        src.columnSql = names;
        src.columnTypes = types;
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
            src.columnSql = cte.printed.sqlNames();
            src.columnTypes = cte.printed.types();
            return q(cte.name) + " AS " + q(src.sqlAlias);
        }
        if (src.subquery != null) {
            Printed p = selectLike(src.subquery, false);
            src.columnSql = p.sqlNames();
            src.columnTypes = p.types();
            return "(" + p.sql() + ") AS " + q(src.sqlAlias);
        }
        String a = q(src.sqlAlias);
        String base = wrap
                ? "(SELECT * FROM " + q(src.table.pgTable()) + " WHERE " + q(src.table.pgTable()) + ".\"team_id\" = "
                        + team() + ") AS " + a
                : q(src.table.pgTable()) + " AS " + a;
        if (!src.needsOverride && !src.needsPerson) {
            return base;
        }
        StringBuilder sb = new StringBuilder("(").append(base);
        if (src.needsOverride) {
            String o = q(src.sqlAlias + "__override");
            sb.append(" LEFT JOIN \"person_overrides\" AS ").append(o).append(" ON ").append(o)
                    .append(".\"team_id\" = ").append(team()).append(" AND ").append(o).append(".\"old_person_id\" = ")
                    .append(a).append('.').append(q(src.table.personIdColumn()));
        }
        if (src.needsPerson) {
            String p = q(src.sqlAlias + "__person");
            sb.append(" LEFT JOIN \"persons\" AS ").append(p).append(" ON ").append(p).append(".\"team_id\" = ")
                    .append(team()).append(" AND ").append(p).append(".\"uuid\" = ").append(personId(src));
        }
        return sb.append(')').toString();
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

    private Frag sourceField(Source src, String name) {
        if (src.table != null) {
            FieldDef f = src.table.field(name);
            if (f.kind() == Kind.PERSON_ID) {
                return new Frag(personId(src), "UUID");
            }
            return column(src, f, List.of(), q(src.sqlAlias));
        }
        int idx = src.columns.indexOf(name);
        return new Frag(q(src.sqlAlias) + "." + q(src.columnSql.get(idx)), src.columnTypes.get(idx));
    }

    // ------------------------------------------------------------------ expressions

    public Frag expr(Expr e) {
        budget.node();
        if (e instanceof Expr.Constant c) {
            return constant(c.value());
        }
        if (e instanceof Expr.Field f) {
            return field(res.ref(f));
        }
        if (e instanceof Expr.Call c) {
            return call(c);
        }
        if (e instanceof Expr.Window w) {
            return window(w);
        }
        if (e instanceof Expr.Arithmetic a) {
            return arithmetic(a.op(), expr(a.left()), expr(a.right()));
        }
        if (e instanceof Expr.Negate n) {
            Frag inner = expr(n.expr()); // printed once: printing it twice doubled the work per nested minus
            return new Frag("(- " + num(inner) + ")", numType(inner));
        }
        if (e instanceof Expr.Compare c) {
            return compare(c);
        }
        if (e instanceof Expr.And a) {
            if (a.exprs().isEmpty()) {
                return new Frag("TRUE", "Bool");
            }
            return new Frag("(" + a.exprs().stream().map(x -> bool(expr(x))).collect(Collectors.joining(" AND ")) + ")",
                    "Bool");
        }
        if (e instanceof Expr.Or o) {
            if (o.exprs().isEmpty()) {
                return new Frag("FALSE", "Bool");
            }
            return new Frag("(" + o.exprs().stream().map(x -> bool(expr(x))).collect(Collectors.joining(" OR ")) + ")",
                    "Bool");
        }
        if (e instanceof Expr.Not n) {
            return new Frag("(NOT " + bool(expr(n.expr())) + ")", "Bool");
        }
        if (e instanceof Expr.Between b) {
            String[] lo = coerce(expr(b.expr()), b.expr(), expr(b.low()), b.low());
            String[] hi = coerce(expr(b.expr()), b.expr(), expr(b.high()), b.high());
            String sql = "(" + lo[0] + " >= " + lo[1] + " AND " + hi[0] + " <= " + hi[1] + ")";
            return new Frag(b.negated() ? "(NOT " + sql + ")" : sql, "Bool");
        }
        if (e instanceof Expr.IsNull n) {
            return new Frag("(" + expr(n.expr()).sql() + (n.negated() ? " IS NOT NULL)" : " IS NULL)"), "Bool");
        }
        if (e instanceof Expr.Case c) {
            return caseExpr(c);
        }
        if (e instanceof Expr.Interval i) {
            return interval(expr(i.amount()), i.unit());
        }
        if (e instanceof Expr.ArrayLit a) {
            return arrayLit(a.items().stream().map(this::expr).toList());
        }
        if (e instanceof Expr.TupleLit t) {
            return tuple(t.items().stream().map(this::expr).toList());
        }
        if (e instanceof Expr.Lambda l) {
            throw new HogQLResolutionException("A lambda (x -> …) is only allowed as the first argument of a "
                    + "higher-order array function", l);
        }
        if (e instanceof Expr.ArrayAccess a) {
            Frag arr = expr(a.array());
            if (cat(arr.type()).equals("json")) {
                if (a.index() instanceof Expr.Constant k && k.value() instanceof String key) {
                    return jsonPath(arr.sql(), List.of(key), true);
                }
                if (a.index() instanceof Expr.Constant k && k.value() instanceof Long n && n >= 1) {
                    return jsonPath(arr.sql(), List.of(Long.toString(n - 1)), true);
                }
                throw new HogQLResolutionException("A JSON value is indexed by a string key or a position from 1", a);
            }
            if (!base(arr.type()).startsWith("Array(")) {
                throw new HogQLResolutionException("Only arrays can be indexed", a);
            }
            return new Frag("(" + arr.sql() + ")[" + int4(expr(a.index())) + "]", nullable(elementType(arr.type())));
        }
        if (e instanceof SelectLike sub) {
            Printed p = selectLike(sub, false);
            return new Frag("(" + p.sql() + ")", nullable(p.types().get(0)));
        }
        throw new HogQLResolutionException("Unsupported expression " + HogQLPrinter.print(e), e);
    }

    /** A tuple: a JSON array of its items (PostHog shows tuples as lists), typed {@code Tuple(T1, T2, …)}. */
    Frag tuple(List<Frag> items) {
        String sql = "jsonb_build_array(" + items.stream().map(f -> cat(f.type()).equals("datetime")
                ? "to_char(" + f.sql() + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" : f.sql())
                .collect(Collectors.joining(", ")) + ")";
        return new Frag(sql, "Tuple(" + items.stream().map(Frag::type).collect(Collectors.joining(", ")) + ")");
    }

    Frag constant(Object v) {
        if (v == null) {
            return new Frag("NULL", NULL_TYPE);
        }
        if (v instanceof Boolean b) {
            return new Frag(b ? "TRUE" : "FALSE", "Bool");
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            long l = ((Number) v).longValue();
            return new Frag(l < 0 ? "(" + l + ")::bigint" : l + "::bigint", "Int64");
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return new Frag(bind(d, "float8"), "Float64");
            }
            return new Frag("(" + d + ")::float8", "Float64");
        }
        if (v instanceof java.math.BigDecimal bd) {
            return new Frag(bind(bd.doubleValue(), "float8"), "Float64");
        }
        if (v instanceof String s) {
            return new Frag(bind(s, "text"), "String");
        }
        if (v instanceof UUID u) {
            return new Frag(bind(u, "uuid"), "UUID");
        }
        if (v instanceof OffsetDateTime t) {
            return new Frag(bind(t, "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof java.time.Instant t) {
            return new Frag(bind(t.atOffset(ZoneOffset.UTC), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof java.time.ZonedDateTime t) {
            return new Frag(bind(t.toOffsetDateTime(), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof LocalDateTime t) {
            return new Frag(bind(t.atZone(zone).toOffsetDateTime(), "timestamptz"), Schema.DATETIME);
        }
        if (v instanceof LocalDate d) {
            return new Frag(bind(d, "date"), "Date");
        }
        throw new HogQLResolutionException("Unsupported constant of type " + v.getClass().getSimpleName());
    }

    private Frag field(Ref r) {
        if (r instanceof ColumnRef c) {
            return column(c.source(), c.field(), c.path(), q(c.source().sqlAlias));
        }
        if (r instanceof PersonIdRef p) {
            return new Frag(personId(p.source()), "UUID");
        }
        if (r instanceof PersonFieldRef p) {
            return column(p.source(), p.field(), p.path(), q(p.source().sqlAlias + "__person"));
        }
        if (r instanceof SubColumnRef s) {
            String sql = q(s.source().sqlAlias) + "." + q(s.source().columnSql.get(s.index()));
            String type = s.source().columnTypes.get(s.index());
            if (s.path().isEmpty()) {
                return new Frag(sql, type);
            }
            if (!cat(type).equals("json")) {
                throw new HogQLResolutionException("Cannot access \"" + String.join(".", s.path())
                        + "\" on a column of type " + type);
            }
            return jsonPath(sql, s.path(), true);
        }
        if (r instanceof Resolver.LambdaParamRef l) {
            Frag f = lambdaArgs.get(l.lambda()).get(l.index());
            if (l.path().isEmpty()) {
                return f;
            }
            if (!cat(f.type()).equals("json")) {
                throw new HogQLResolutionException("Cannot access \"" + String.join(".", l.path())
                        + "\" on a value of type " + f.type());
            }
            return jsonPath(f.sql(), l.path(), true);
        }
        ExprRef x = (ExprRef) r;
        return expr(x.expr());
    }

    private Frag column(Source src, FieldDef f, List<String> path, String alias) {
        String col = alias + "." + q(f.column());
        if (f.kind() == Kind.DATE_OF) {
            return new Frag("(" + col + " AT TIME ZONE 'UTC')::date", "Date");
        }
        String hot = Schema.hotColumn(f, path);
        if (hot != null) {
            return new Frag(alias + "." + q(hot), "Nullable(String)");
        }
        if (f.kind() == Kind.JSON && !path.isEmpty()) {
            return jsonPath(col, path, true);
        }
        return new Frag(col, f.type());
    }

    Frag jsonPath(String json, List<String> path, boolean asText) {
        if (path.size() == 1) {
            return new Frag("(" + json + (asText ? " ->> " : " -> ") + bind(path.get(0), "text") + ")",
                    asText ? "Nullable(String)" : "JSON");
        }
        return new Frag("(" + json + (asText ? " #>> " : " #> ") + textArray(path) + ")",
                asText ? "Nullable(String)" : "JSON");
    }

    String textArray(List<String> items) {
        return "ARRAY[" + items.stream().map(p -> bind(p, "text")).collect(Collectors.joining(", ")) + "]";
    }

    // ------------------------------------------------------------------ types

    static String base(String t) {
        return t.startsWith("Nullable(") ? t.substring(9, t.length() - 1) : t;
    }

    static String nullable(String t) {
        if (t.startsWith("Nullable(") || t.startsWith("Array(") || t.equals("JSON")) {
            return t;
        }
        return "Nullable(" + t + ")";
    }

    static String cat(String t) {
        String b = base(t);
        if (t.equals(NULL_TYPE)) {
            return "null";
        }
        if (isIntName(b)) {
            return "int";
        }
        if (b.startsWith("Float")) {
            return "float";
        }
        if (b.equals("String")) {
            return "string";
        }
        if (b.startsWith("DateTime")) {
            return "datetime";
        }
        if (b.equals("Date")) {
            return "date";
        }
        if (b.equals("UUID")) {
            return "uuid";
        }
        if (b.equals("Bool")) {
            return "bool";
        }
        if (b.equals("JSON")) {
            return "json";
        }
        if (b.startsWith("Array(")) {
            return "array";
        }
        if (b.startsWith("Tuple(")) {
            return "tuple";
        }
        if (b.equals("Interval")) {
            return "interval";
        }
        return "other";
    }

    /**
     * {@code Int8 … UInt256}: {@code U?Int\d+}, checked by hand because {@link #cat} runs for nearly every printed node
     * (a regex here was most of the cost of printing, and so of refusing an over-budget query).
     */
    private static boolean isIntName(String b) {
        int i = b.startsWith("UInt") ? 4 : b.startsWith("Int") ? 3 : -1;
        if (i < 0 || i == b.length()) {
            return false;
        }
        for (; i < b.length(); i++) {
            if (b.charAt(i) < '0' || b.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    static boolean isNum(String t) {
        String c = cat(t);
        return c.equals("int") || c.equals("float");
    }

    static String elementType(String arrayType) {
        String b = base(arrayType);
        return b.substring(6, b.length() - 1);
    }

    static String pgType(String t) {
        return switch (cat(t)) {
            case "int" -> "bigint";
            case "float" -> "float8";
            case "datetime" -> "timestamptz";
            case "date" -> "date";
            case "uuid" -> "uuid";
            case "bool" -> "boolean";
            case "json" -> "jsonb";
            default -> "text";
        };
    }

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
        return cat(f.type()).equals("int") || cat(f.type()).equals("bool") ? "Int64" : "Float64";
    }

    /** Text: values of other types are printed as text the way ClickHouse's toString does. */
    String str(Frag f) {
        return switch (cat(f.type())) {
            case "string" -> f.sql();
            case "null" -> "NULL::text";
            case "datetime" -> "to_char(" + localTs(f) + ", 'YYYY-MM-DD HH24:MI:SS')";
            case "date" -> "to_char(" + f.sql() + ", 'YYYY-MM-DD')";
            default -> "(" + f.sql() + ")::text";
        };
    }

    String int4(Frag f) {
        String n = cat(f.type()).equals("int") ? f.sql() : "trunc(" + num(f) + ")";
        return "LEAST(GREATEST(" + n + ", -2147483647), 2147483647)::int";
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
                        return new String[] {bind(parseDateTime(s, le), "timestamptz"), r.sql()};
                    }
                    return new String[] {"hogql_to_timestamp(" + l.sql() + ", " + tz() + ")", r.sql()};
                }
                case "date" -> {
                    if (le instanceof Expr.Constant c && c.value() instanceof String s) {
                        return new String[] {bind(parseDateTime(s, le).atZoneSameInstant(zone).toLocalDate(), "date"),
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

    OffsetDateTime parseDateTime(String s, Object node) {
        String t = s.trim();
        try {
            return OffsetDateTime.parse(t.replace(' ', 'T'));
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t.replace(' ', 'T')).atZone(zone).toOffsetDateTime();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(zone).toOffsetDateTime();
        } catch (DateTimeParseException ignored) {
            throw new HogQLResolutionException("Cannot parse '" + s + "' as a date and time", node);
        }
    }

    private Frag compare(Expr.Compare c) {
        String op = c.op();
        if (op.equals("in") || op.equals("not in")) {
            return in(c);
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
            return new Frag("(" + str(l) + " " + sqlOp + " " + str(r) + ")", "Bool");
        }
        String[] s = coerce(l, c.left(), r, c.right());
        String sqlOp = op.equals("!=") ? "<>" : op;
        return new Frag("(" + s[0] + " " + sqlOp + " " + s[1] + ")", "Bool");
    }

    private Frag in(Expr.Compare c) {
        boolean not = c.op().equals("not in");
        Expr right = c.right();
        if (right instanceof SelectLike sub) {
            Frag l = expr(c.left());
            Printed p = selectLike(sub, false);
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
                            + ") AS \"__in\"", p.names(), p.sqlNames(), List.of("String"));
                }
            }
            return new Frag("(" + left + (not ? " NOT IN (" : " IN (") + p.sql() + "))", "Bool");
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
            return new Frag(not ? "TRUE" : "FALSE", "Bool");
        }
        Frag l = expr(c.left());
        String left = null;
        List<String> rs = new ArrayList<>();
        for (Expr it : items) {
            String[] s = coerce(l, c.left(), expr(it), it);
            left = s[0];
            rs.add(s[1]);
        }
        return new Frag("(" + left + (not ? " NOT IN (" : " IN (") + String.join(", ", rs) + "))", "Bool");
    }

    Frag arithmetic(String op, Frag l, Frag r) {
        String lc = cat(l.type());
        String rc = cat(r.type());
        if (rc.equals("interval") || lc.equals("interval")) {
            if (lc.equals("interval") && rc.equals("interval")) {
                return new Frag("(" + l.sql() + " " + op + " " + r.sql() + ")", "Interval");
            }
            if (lc.equals("interval") && op.equals("+")) {
                return arithmetic(op, r, l);
            }
            if (!rc.equals("interval") || !(op.equals("+") || op.equals("-"))) {
                throw new HogQLResolutionException("Cannot apply " + op + " to " + l.type() + " and " + r.type());
            }
            if (lc.equals("date")) {
                return new Frag("(" + l.sql() + " " + op + " " + r.sql() + ")::date", l.type());
            }
            Frag dt = toDateTime(l);
            return new Frag("(" + dt.sql() + " " + op + " " + r.sql() + ")", dt.type());
        }
        // Date ± n days, DateTime ± n seconds (ClickHouse: today() - 1 is yesterday)
        if ((op.equals("+") || op.equals("-")) && (lc.equals("date") || lc.equals("datetime")) && rc.equals("int")) {
            return arithmetic(op, l, interval(r, lc.equals("date") ? "day" : "second"));
        }
        if (op.equals("+") && lc.equals("int") && (rc.equals("date") || rc.equals("datetime"))) {
            return arithmetic(op, r, l);
        }
        if (op.equals("-") && lc.equals("date") && rc.equals("date")) {
            return new Frag("(" + l.sql() + " - " + r.sql() + ")::bigint", "Int64");
        }
        if (op.equals("-") && (lc.equals("datetime") || rc.equals("datetime"))) {
            return new Frag("extract(epoch from (" + toDateTime(l).sql() + " - " + toDateTime(r).sql() + "))::float8",
                    "Float64");
        }
        String ls = num(l);
        String rs = num(r);
        boolean ints = numType(l).equals("Int64") && numType(r).equals("Int64");
        return switch (op) {
            case "/" -> new Frag("((" + ls + ")::float8 / NULLIF((" + rs + ")::float8, 0))", "Float64");
            case "%" -> ints ? new Frag("(" + ls + " % NULLIF(" + rs + ", 0))", "Int64")
                    : new Frag("mod((" + ls + ")::numeric, NULLIF((" + rs + ")::numeric, 0))::float8", "Float64");
            default -> new Frag("(" + ls + " " + op + " " + rs + ")", ints ? "Int64" : "Float64");
        };
    }

    Frag interval(Frag amount, String unit) {
        String u = unit.equals("quarter") ? "3 months" : "1 " + unit;
        return new Frag("(" + num(amount) + " * INTERVAL '" + u + "')", "Interval");
    }

    private Frag caseExpr(Expr.Case c) {
        List<Frag> results = new ArrayList<>();
        c.results().forEach(r -> results.add(expr(r)));
        if (c.otherwise() != null) {
            results.add(expr(c.otherwise()));
        }
        Unified u = unify(results);
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
        return new Frag(sb.append(" END").toString(), c.otherwise() == null ? nullable(u.type) : u.type);
    }

    private record Unified(List<String> sql, String type) {}

    /** Brings values to one type (numbers stay numbers; otherwise mixed types become text). */
    private Unified unify(List<Frag> fs) {
        Set<String> cats = new HashSet<>();
        String type = NULL_TYPE;
        boolean anyNull = false;
        for (Frag f : fs) {
            String c = cat(f.type());
            if (c.equals("null")) {
                anyNull = true;
                continue;
            }
            cats.add(c);
            if (type.equals(NULL_TYPE)) {
                type = f.type();
            }
            if (f.type().startsWith("Nullable(")) {
                anyNull = true;
            }
        }
        if (cats.size() <= 1) {
            return new Unified(fs.stream().map(Frag::sql).toList(), anyNull ? nullable(type) : type);
        }
        if (cats.stream().allMatch(c -> c.equals("int") || c.equals("float"))) {
            return new Unified(fs.stream().map(Frag::sql).toList(), anyNull ? "Nullable(Float64)" : "Float64");
        }
        if (cats.equals(Set.of("date", "datetime"))) {
            return new Unified(fs.stream().map(f -> cat(f.type()).equals("date") ? toDateTime(f).sql() : f.sql()).toList(),
                    Schema.DATETIME);
        }
        return new Unified(fs.stream().map(this::str).toList(), anyNull ? "Nullable(String)" : "String");
    }

    Frag arrayLit(List<Frag> items) {
        if (items.isEmpty()) {
            return new Frag("ARRAY[]::text[]", "Array(String)");
        }
        noNestedArrays(items.stream().map(Frag::type).toList());
        Unified u = unify(items);
        String t = u.type.equals(NULL_TYPE) ? "Nullable(String)" : u.type;
        String sql = "ARRAY[" + String.join(", ", u.sql) + "]";
        if (u.type.equals(NULL_TYPE)) {
            sql += "::text[]";
        }
        return new Frag(sql, "Array(" + t + ")");
    }

    /** PostgreSQL arrays are rectangular and multi-dimensional, not ClickHouse's arrays of arrays: refused. */
    static void noNestedArrays(List<String> elementTypes) {
        for (String t : elementTypes) {
            if (cat(t).equals("array")) {
                throw new HogQLResolutionException("Arrays of arrays are not supported");
            }
        }
    }

    // ------------------------------------------------------------------ dates

    Frag toDateTime(Frag f) {
        return switch (cat(f.type())) {
            case "datetime" -> f;
            case "date" -> new Frag("((" + f.sql() + ")::timestamp AT TIME ZONE " + tz() + ")", Schema.DATETIME);
            case "string" -> new Frag("hogql_to_timestamp(" + f.sql() + ", " + tz() + ")", "Nullable(" + Schema.DATETIME + ")");
            case "int", "float" -> new Frag("(CASE WHEN abs(" + f.sql() + ") < 1e11 THEN to_timestamp(" + f.sql()
                    + ") END)", "Nullable(" + Schema.DATETIME + ")");
            case "null" -> new Frag("NULL::timestamptz", NULL_TYPE);
            default -> throw new HogQLResolutionException("Expected a date or time, got " + f.type());
        };
    }

    /** The zone a DateTime type is shown in: the one set by toTimeZone, else the team's. */
    String zoneOf(String type) {
        int i = type.indexOf(", '");
        if (i >= 0) {
            String z = type.substring(i + 3, type.indexOf('\'', i + 3));
            if (!z.equals("UTC")) {
                return bind(z, "text");
            }
        }
        return tz();
    }

    /** A timestamp without time zone: the local wall-clock time of the value. */
    String localTs(Frag f) {
        if (cat(f.type()).equals("date")) {
            return "(" + f.sql() + ")::timestamp";
        }
        Frag dt = toDateTime(f);
        return "(" + dt.sql() + " AT TIME ZONE " + zoneOf(dt.type()) + ")";
    }

    String nullableLike(Frag f, String type) {
        return f.type().startsWith("Nullable(") ? nullable(type) : type;
    }

    Frag startOf(Frag f, String unit, boolean dateResult) {
        String trunc = "date_trunc('" + unit + "', " + localTs(f) + ")";
        if (dateResult) {
            return new Frag(trunc + "::date", nullableLike(f, "Date"));
        }
        Frag dt = toDateTime(f);
        return new Frag("(" + trunc + " AT TIME ZONE " + zoneOf(dt.type()) + ")", nullableLike(f, dt.type()));
    }

    Frag datePart(Frag f, String part) {
        return new Frag("extract(" + part + " from " + localTs(f) + ")::bigint", nullableLike(f, "Int64"));
    }

    String unitArg(Expr e, String fn) {
        if (e instanceof Expr.Constant c && c.value() instanceof String s) {
            String u = s.toLowerCase(Locale.ROOT);
            if (u.endsWith("s")) {
                u = u.substring(0, u.length() - 1);
            }
            if (Parser.INTERVAL_UNITS.contains(u)) {
                return u;
            }
        }
        throw new HogQLResolutionException(fn + " expects a unit ('second', 'minute', 'hour', 'day', 'week', 'month', "
                + "'quarter', 'year') as its first argument", e);
    }

    private Frag dateDiff(String unit, Frag a, Frag b) {
        String ea = "extract(epoch from " + toDateTime(a).sql() + ")";
        String eb = "extract(epoch from " + toDateTime(b).sql() + ")";
        String la = localTs(a);
        String lb = localTs(b);
        String sql = switch (unit) {
            case "second" -> "(floor(" + eb + ") - floor(" + ea + "))";
            case "minute" -> "(floor(" + eb + " / 60) - floor(" + ea + " / 60))";
            case "hour" -> "(floor(" + eb + " / 3600) - floor(" + ea + " / 3600))";
            case "day" -> "((" + lb + ")::date - (" + la + ")::date)";
            case "week" -> "((date_trunc('week', " + lb + ")::date - date_trunc('week', " + la + ")::date) / 7)";
            case "month" -> "((extract(year from " + lb + ") * 12 + extract(month from " + lb + ")) - (extract(year from "
                    + la + ") * 12 + extract(month from " + la + ")))";
            case "quarter" -> "((extract(year from " + lb + ") * 4 + extract(quarter from " + lb
                    + ")) - (extract(year from " + la + ") * 4 + extract(quarter from " + la + ")))";
            default -> "(extract(year from " + lb + ") - extract(year from " + la + "))";
        };
        return new Frag(sql + "::bigint", "Int64");
    }

    private static final Map<Character, String> FORMAT_CODES = Map.ofEntries(
            Map.entry('Y', "YYYY"), Map.entry('y', "YY"), Map.entry('m', "MM"), Map.entry('d', "DD"),
            Map.entry('e', "FMDD"), Map.entry('H', "HH24"), Map.entry('I', "HH12"), Map.entry('i', "MI"),
            Map.entry('M', "MI"), Map.entry('S', "SS"), Map.entry('s', "SS"), Map.entry('p', "AM"),
            Map.entry('j', "DDD"), Map.entry('F', "YYYY-MM-DD"), Map.entry('T', "HH24:MI:SS"),
            Map.entry('D', "MM/DD/YY"), Map.entry('R', "HH24:MI"), Map.entry('u', "ID"), Map.entry('V', "IW"),
            Map.entry('b', "Mon"), Map.entry('B', "FMMonth"), Map.entry('a', "Dy"), Map.entry('W', "FMDay"),
            Map.entry('h', "HH12"), Map.entry('Q', "Q"), Map.entry('C', "CC"), Map.entry('f', "US"));

    /** ClickHouse formatDateTime pattern → PostgreSQL to_char pattern (literal text double-quoted). */
    static String toCharPattern(String fmt) {
        StringBuilder out = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (int k = 0; k < fmt.length(); k++) {
            char ch = fmt.charAt(k);
            if (ch == '%' && k + 1 < fmt.length()) {
                char code = fmt.charAt(++k);
                String p = FORMAT_CODES.get(code);
                if (p == null) {
                    lit.append(switch (code) {
                        case '%' -> "%";
                        case 'n' -> "\n";
                        case 't' -> "\t";
                        default -> throw new HogQLResolutionException("Unsupported formatDateTime code %" + code);
                    });
                } else {
                    flushLiteral(out, lit);
                    out.append(p);
                }
            } else {
                lit.append(ch);
            }
        }
        flushLiteral(out, lit);
        return out.toString();
    }

    private static void flushLiteral(StringBuilder out, StringBuilder lit) {
        if (lit.length() > 0) {
            out.append('"').append(lit.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            lit.setLength(0);
        }
    }

    // ------------------------------------------------------------------ functions

    String constString(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof String s) {
            return s;
        }
        throw new HogQLResolutionException(what + " must be a string literal", e);
    }

    /** A window function, or an aggregate over a window: the call, then OVER (PARTITION BY … ORDER BY …). */
    private Frag window(Expr.Window w) {
        Expr.Call c = w.call();
        Functions.Spec spec = Functions.check(c);
        String name = spec.name().toLowerCase(Locale.ROOT);
        // sum and avg print wrapped (coalesce, casts): OVER must follow the aggregate call itself, inside the wrapper
        if ((name.equals("sum") || name.equals("avg")) && c.args().size() == 1 && !c.distinct()) {
            Frag x = expr(c.args().get(0));
            String call = name + "(" + num(x) + ") OVER (" + overClause(w) + ")";
            if (name.equals("avg")) {
                return new Frag("(" + call + ")::float8", "Nullable(Float64)");
            }
            String sum = "coalesce(" + call + ", 0)";
            if (numType(x).equals("Int64")) {
                return new Frag("(CASE WHEN abs(" + sum + ") < 9.2e18 THEN " + sum + "::bigint END)", "Int64");
            }
            return new Frag(sum, "Float64");
        }
        Frag fn;
        switch (name) {
            case "row_number", "rank", "dense_rank" -> fn = new Frag(name + "()", "UInt64");
            case "lag", "lead", "laginframe", "leadinframe" -> {
                Frag x = expr(c.args().get(0));
                StringBuilder sql = new StringBuilder(name.startsWith("lag") ? "lag(" : "lead(").append(x.sql());
                if (c.args().size() > 1) {
                    sql.append(", (").append(expr(c.args().get(1)).sql()).append(")::int");
                }
                if (c.args().size() > 2) {
                    sql.append(", ").append(expr(c.args().get(2)).sql());
                }
                fn = new Frag(sql.append(")").toString(), nullable(x.type()));
            }
            case "nth_value" -> {
                Frag x = expr(c.args().get(0));
                fn = new Frag("nth_value(" + x.sql() + ", " + int4(expr(c.args().get(1))) + ")", nullable(x.type()));
            }
            case "first_value", "last_value" -> {
                Frag x = expr(c.args().get(0));
                fn = new Frag(name + "(" + x.sql() + ")", nullable(x.type()));
            }
            default -> {
                if (!spec.aggregate() || name.startsWith("#") || name.equals("quantile") || name.equals("median")) {
                    throw new HogQLResolutionException("\"" + c.name() + "\" cannot be used with OVER", w);
                }
                fn = aggregate(c, name);
            }
        }
        return new Frag(fn.sql() + " OVER (" + overClause(w) + ")", fn.type());
    }

    private String overClause(Expr.Window w) {
        List<String> parts = new ArrayList<>();
        if (!w.partitionBy().isEmpty()) {
            parts.add("PARTITION BY " + w.partitionBy().stream().map(p -> expr(p).sql()).collect(Collectors.joining(", ")));
        }
        if (!w.orderBy().isEmpty()) {
            parts.add("ORDER BY " + w.orderBy().stream().map(o -> expr(o.expr()).sql() + o.direction())
                    .collect(Collectors.joining(", ")));
        }
        return String.join(" ", parts);
    }

    private Frag arrayJoin(Expr.Call c) {
        Frag a = expr(c.args().get(0));
        if (!cat(a.type()).equals("array")) {
            throw new HogQLResolutionException("arrayJoin expects an array", c);
        }
        return new Frag("unnest(" + a.sql() + ")", elementType(a.type()));
    }

    String filter(Expr cond) {
        return " FILTER (WHERE " + bool(expr(cond)) + ")";
    }

    Frag aggregate(Expr.Call c, String name) {
        List<Expr> args = c.args();
        String d = c.distinct() ? "DISTINCT " : "";
        switch (name) {
            case "count": {
                if (args.isEmpty()) {
                    return new Frag("count(*)", "UInt64");
                }
                return new Frag("count(" + d + expr(args.get(0)).sql() + ")", "UInt64");
            }
            case "countif": {
                if (args.size() == 1) {
                    return new Frag("count(*)" + filter(args.get(0)), "UInt64");
                }
                return new Frag("count(" + d + expr(args.get(0)).sql() + ")" + filter(args.get(1)), "UInt64");
            }
            case "sum":
            case "sumif": {
                Frag x = expr(args.get(0));
                String f = name.equals("sumif") ? filter(args.get(1)) : "";
                String sum = "coalesce(sum(" + d + num(x) + ")" + f + ", 0)";
                if (numType(x).equals("Int64")) {
                    // PostgreSQL sums bigint as numeric; give back bigint, NULL rather than an overflow error
                    return new Frag("(CASE WHEN abs(" + sum + ") < 9.2e18 THEN " + sum + "::bigint END)", "Int64");
                }
                return new Frag(sum, "Float64");
            }
            case "avg":
            case "avgif": {
                Frag x = expr(args.get(0));
                String f = name.equals("avgif") ? filter(args.get(1)) : "";
                return new Frag("(avg(" + d + num(x) + ")" + f + ")::float8", "Nullable(Float64)");
            }
            case "min":
            case "max":
            case "minif":
            case "maxif": {
                Frag x = expr(args.get(0));
                String f = name.endsWith("if") ? filter(args.get(1)) : "";
                String fn = name.substring(0, 3);
                if (cat(x.type()).equals("bool")) {
                    fn = fn.equals("min") ? "bool_and" : "bool_or";
                } else if (cat(x.type()).equals("json") || cat(x.type()).equals("uuid")) {
                    return new Frag(fn + "((" + x.sql() + ")::text)" + f, "Nullable(String)");
                }
                return new Frag(fn + "(" + x.sql() + ")" + f, nullable(x.type()));
            }
            case "uniq":
            case "uniqexact": {
                String inner = args.size() == 1 ? expr(args.get(0)).sql()
                        : "(" + args.stream().map(a -> expr(a).sql()).collect(Collectors.joining(", ")) + ")";
                return new Frag("count(DISTINCT " + inner + ")", "UInt64");
            }
            case "uniqif":
                return new Frag("count(DISTINCT " + expr(args.get(0)).sql() + ")" + filter(args.get(1)), "UInt64");
            case "any": {
                Frag x = expr(args.get(0));
                return new Frag("hogql_any(" + x.sql() + ")", nullable(x.type()));
            }
            case "argmax":
            case "argmin": {
                Frag x = expr(args.get(0));
                Frag y = expr(args.get(1));
                return new Frag("(array_agg(" + x.sql() + " ORDER BY " + y.sql()
                        + (name.equals("argmax") ? " DESC" : " ASC") + " NULLS LAST))[1]", nullable(x.type()));
            }
            case "grouparray":
            case "groupuniqarray": {
                Frag x = expr(args.get(0));
                noNestedArrays(List.of(x.type()));
                String dd = name.equals("groupuniqarray") ? "DISTINCT " : d;
                return new Frag("coalesce(array_agg(" + dd + x.sql() + ") FILTER (WHERE " + x.sql()
                        + " IS NOT NULL), '{}')", "Array(" + base(x.type()) + ")");
            }
            case "quantile":
            case "median": {
                double p = 0.5;
                if (name.equals("quantile")) {
                    Expr pe = c.params().get(0);
                    if (pe instanceof Expr.Constant k && k.value() instanceof Number n && n.doubleValue() >= 0
                            && n.doubleValue() <= 1) {
                        p = n.doubleValue();
                    } else {
                        throw new HogQLResolutionException("quantile level must be a number between 0 and 1", pe);
                    }
                }
                Frag x = expr(args.get(0));
                return new Frag("percentile_cont(" + p + ") WITHIN GROUP (ORDER BY " + num(x) + ")",
                        "Nullable(Float64)");
            }
            case Functions.FUNNEL_ORDERED: {
                Frag ts = expr(args.get(0));
                String step = "(" + expr(args.get(1)).sql() + ")::int";
                String order = " ORDER BY " + step + ", " + ts.sql() + ")";
                return new Frag("quarry_funnel_ordered(array_agg(extract(epoch FROM " + ts.sql() + ")::float8" + order
                        + ", array_agg(" + step + order + ", (" + expr(args.get(2)).sql() + ")::int, ("
                        + expr(args.get(3)).sql() + ")::float8)", "Array(Float64)");
            }
            case Functions.FUNNEL_STRICT: {
                Frag ts = expr(args.get(0));
                String order = " ORDER BY " + ts.sql() + ", " + expr(args.get(1)).sql() + ")";
                return new Frag("quarry_funnel_strict(array_agg(extract(epoch FROM " + ts.sql() + ")::float8" + order
                        + ", array_agg((" + expr(args.get(2)).sql() + ")::int" + order + ", ("
                        + expr(args.get(3)).sql() + ")::int, (" + expr(args.get(4)).sql() + ")::float8)",
                        "Array(Float64)");
            }
            case Functions.FUNNEL: {
                Frag ts = expr(args.get(0));
                String order = " ORDER BY " + ts.sql() + ", " + expr(args.get(2)).sql() + ")";
                return new Frag("quarry_funnel(array_agg(extract(epoch FROM " + ts.sql() + ")::float8" + order
                        + ", array_agg((" + expr(args.get(1)).sql() + ")::bigint" + order
                        + ", (" + expr(args.get(3)).sql() + ")::int, (" + expr(args.get(4)).sql() + ")::float8, ("
                        + expr(args.get(5)).sql() + ")::int, (" + expr(args.get(6)).sql() + ")::text)",
                        "Array(Float64)");
            }
            default: {
                Frag f = AggregateFunctions.print(this, c, name);
                if (f == null) {
                    throw new HogQLResolutionException("Unknown function \"" + c.name() + "\"", c);
                }
                return f;
            }
        }
    }

    private Frag call(Expr.Call c) {
        Functions.Spec spec = Functions.check(c);
        String name = spec.name().toLowerCase(Locale.ROOT);
        if (spec.aggregate()) {
            return aggregate(c, name);
        }
        List<Expr> args = c.args();
        switch (name) {
            case Functions.PROPERTY_PAIRS:
                return new Frag("quarry_property_pairs(" + expr(args.get(0)).sql() + ")", "Array(String)");
            // dates
            case "now":
                return new Frag("now()", Schema.DATETIME);
            case "today":
                return new Frag("(now() AT TIME ZONE " + tz() + ")::date", "Date");
            case "yesterday":
                return new Frag("((now() AT TIME ZONE " + tz() + ")::date - 1)", "Date");
            case "todate": {
                Frag x = expr(args.get(0));
                return switch (cat(x.type())) {
                    case "date" -> x;
                    case "string" -> new Frag("hogql_to_date(" + x.sql() + ")", "Nullable(Date)");
                    default -> new Frag("(" + localTs(x) + ")::date", nullableLike(x, "Date"));
                };
            }
            case "todatetime": {
                Frag x = expr(args.get(0));
                Frag dt = toDateTime(x);
                if (args.size() == 2) {
                    return withZone(dt, args.get(1));
                }
                return dt;
            }
            case "tostartofminute":
                return startOf(expr(args.get(0)), "minute", false);
            case "tostartofhour":
                return startOf(expr(args.get(0)), "hour", false);
            case "tostartofday":
                return startOf(expr(args.get(0)), "day", false);
            case "tostartofweek": {
                Frag x = expr(args.get(0));
                long mode = args.size() == 2 ? constLong(args.get(1), "toStartOfWeek mode") : 0;
                if (mode % 2 == 1) {
                    return startOf(x, "week", true);
                }
                // Sunday-based weeks
                return new Frag("(date_trunc('week', " + localTs(x) + " + INTERVAL '1 day')::date - 1)",
                        nullableLike(x, "Date"));
            }
            case "tomonday":
                return startOf(expr(args.get(0)), "week", true);
            case "tostartofmonth":
                return startOf(expr(args.get(0)), "month", true);
            case "tostartofquarter":
                return startOf(expr(args.get(0)), "quarter", true);
            case "tostartofyear":
                return startOf(expr(args.get(0)), "year", true);
            case "toyear":
                return datePart(expr(args.get(0)), "year");
            case "toquarter":
                return datePart(expr(args.get(0)), "quarter");
            case "tomonth":
                return datePart(expr(args.get(0)), "month");
            case "todayofmonth":
                return datePart(expr(args.get(0)), "day");
            case "todayofweek": {
                // mode 0: Monday = 1 … Sunday = 7; 1: Monday = 0 … 6; 2: Sunday = 0 … 6; 3: Sunday = 1 … 7
                long mode = args.size() == 2 ? constLong(args.get(1), "toDayOfWeek mode") : 0;
                Frag x = expr(args.get(0));
                return switch ((int) (mode % 4)) {
                    case 1 -> new Frag("(" + datePart(x, "isodow").sql() + " - 1)", nullableLike(x, "Int64"));
                    case 2 -> datePart(x, "dow");
                    case 3 -> new Frag("(" + datePart(x, "dow").sql() + " + 1)", nullableLike(x, "Int64"));
                    default -> datePart(x, "isodow");
                };
            }
            case "todayofyear":
                return datePart(expr(args.get(0)), "doy");
            case "tohour":
                return datePart(expr(args.get(0)), "hour");
            case "tominute":
                return datePart(expr(args.get(0)), "minute");
            case "tosecond":
                return new Frag("floor(extract(second from " + localTs(expr(args.get(0))) + "))::bigint", "Int64");
            case "tounixtimestamp":
                return new Frag("floor(extract(epoch from " + toDateTime(expr(args.get(0))).sql() + "))::bigint", "Int64");
            case "datediff":
                return dateDiff(unitArg(args.get(0), "dateDiff"), expr(args.get(1)), expr(args.get(2)));
            case "dateadd":
            case "datesub": {
                if (args.size() == 2) {
                    // dateAdd(date, interval), ClickHouse's other argument order
                    Frag i = expr(args.get(1));
                    if (!cat(i.type()).equals("interval")) {
                        throw new HogQLResolutionException(spec.name() + "(date, interval) expects an interval such as "
                                + "toIntervalDay(1) or INTERVAL 1 DAY as its second argument", c);
                    }
                    return arithmetic(name.equals("dateadd") ? "+" : "-", expr(args.get(0)), i);
                }
                String unit = unitArg(args.get(0), spec.name());
                return arithmetic(name.equals("dateadd") ? "+" : "-", expr(args.get(2)), interval(expr(args.get(1)), unit));
            }
            case "formatdatetime": {
                Frag x = expr(args.get(0));
                String pattern = toCharPattern(constString(args.get(1), "formatDateTime format"));
                return new Frag("to_char(" + localTs(x) + ", " + bind(pattern, "text") + ")", nullableLike(x, "String"));
            }
            case "totimezone":
                return withZone(toDateTime(expr(args.get(0))), args.get(1));
            // strings
            case "lower":
            case "upper":
                return new Frag(name + "(" + str(expr(args.get(0))) + ")", nullableLike(expr(args.get(0)), "String"));
            case "length": {
                Frag x = expr(args.get(0));
                if (cat(x.type()).equals("array")) {
                    return new Frag("coalesce(cardinality(" + x.sql() + "), 0)::bigint", "UInt64");
                }
                return new Frag("length(" + str(x) + ")::bigint", nullableLike(x, "UInt64"));
            }
            case "empty":
            case "notempty": {
                Frag x = expr(args.get(0));
                String len = cat(x.type()).equals("array") ? "coalesce(cardinality(" + x.sql() + "), 0)"
                        : "coalesce(length(" + str(x) + "), 0)";
                return new Frag("(" + len + (name.equals("empty") ? " = 0)" : " > 0)"), "Bool");
            }
            case "concat":
                return new Frag("concat(" + args.stream().map(a -> str(expr(a))).collect(Collectors.joining(", ")) + ")",
                        "String");
            case "substring": {
                Frag s = expr(args.get(0));
                String sql = "substr(" + str(s) + ", " + int4(expr(args.get(1)));
                if (args.size() == 3) {
                    sql += ", GREATEST(" + int4(expr(args.get(2))) + ", 0)";
                }
                return new Frag(sql + ")", nullableLike(s, "String"));
            }
            case "replaceall": {
                Frag s = expr(args.get(0));
                return new Frag("replace(" + str(s) + ", " + str(expr(args.get(1))) + ", " + str(expr(args.get(2))) + ")",
                        nullableLike(s, "String"));
            }
            case "replaceone": {
                Frag s = expr(args.get(0));
                String h = str(s);
                String n = str(expr(args.get(1)));
                String r = str(expr(args.get(2)));
                return new Frag("(CASE WHEN length(" + n + ") > 0 AND strpos(" + h + ", " + n + ") > 0 THEN overlay(" + h
                        + " placing " + r + " from strpos(" + h + ", " + n + ") for length(" + n + ")) ELSE " + h + " END)",
                        nullableLike(s, "String"));
            }
            case "trim":
                return new Frag("btrim(" + str(expr(args.get(0))) + ")", nullableLike(expr(args.get(0)), "String"));
            case "splitbychar":
                return new Frag("string_to_array(" + str(expr(args.get(1))) + ", " + str(expr(args.get(0))) + ")",
                        "Array(String)");
            case "position":
                return new Frag("strpos(" + str(expr(args.get(0))) + ", " + str(expr(args.get(1))) + ")::bigint", "Int64");
            case "like":
                return new Frag("(" + str(expr(args.get(0))) + " LIKE " + str(expr(args.get(1))) + ")", "Bool");
            case "ilike":
                return new Frag("(" + str(expr(args.get(0))) + " ILIKE " + str(expr(args.get(1))) + ")", "Bool");
            case "notlike":
                return new Frag("(" + str(expr(args.get(0))) + " NOT LIKE " + str(expr(args.get(1))) + ")", "Bool");
            case "notilike":
                return new Frag("(" + str(expr(args.get(0))) + " NOT ILIKE " + str(expr(args.get(1))) + ")", "Bool");
            case "match":
                return new Frag("hogql_match(" + str(expr(args.get(0))) + ", " + str(expr(args.get(1))) + ")", "Bool");
            case "extract":
                return new Frag("hogql_regexp_extract(" + str(expr(args.get(0))) + ", " + str(expr(args.get(1))) + ")",
                        "String");
            case "startswith":
                return new Frag("starts_with(" + str(expr(args.get(0))) + ", " + str(expr(args.get(1))) + ")", "Bool");
            case "endswith": {
                String s = str(expr(args.get(0)));
                String p = str(expr(args.get(1)));
                return new Frag("(right(" + s + ", length(" + p + ")) = " + p + ")", "Bool");
            }
            // conditionals
            case "if": {
                Unified u = unify(List.of(expr(args.get(1)), expr(args.get(2))));
                return new Frag("(CASE WHEN " + bool(expr(args.get(0))) + " THEN " + u.sql.get(0) + " ELSE " + u.sql.get(1)
                        + " END)", u.type);
            }
            case "multiif": {
                if (args.size() % 2 == 0) {
                    throw new HogQLResolutionException("multiIf expects an odd number of arguments", c);
                }
                List<Frag> rs = new ArrayList<>();
                for (int k = 1; k < args.size(); k += 2) {
                    rs.add(expr(args.get(k)));
                }
                rs.add(expr(args.get(args.size() - 1)));
                Unified u = unify(rs);
                StringBuilder sb = new StringBuilder("(CASE");
                for (int k = 0; k + 1 < args.size(); k += 2) {
                    sb.append(" WHEN ").append(bool(expr(args.get(k)))).append(" THEN ").append(u.sql.get(k / 2));
                }
                sb.append(" ELSE ").append(u.sql.get(u.sql.size() - 1)).append(" END)");
                return new Frag(sb.toString(), u.type);
            }
            case "coalesce":
            case "ifnull": {
                List<Frag> fs = args.stream().map(this::expr).toList();
                Unified u = unify(fs);
                Frag last = fs.get(fs.size() - 1);
                String type = last.type().startsWith("Nullable(") || cat(last.type()).equals("null") ? u.type : base(u.type);
                return new Frag("coalesce(" + String.join(", ", u.sql) + ")", type);
            }
            case "nullif": {
                Frag a = expr(args.get(0));
                String[] s = coerce(a, args.get(0), expr(args.get(1)), args.get(1));
                return new Frag("NULLIF(" + s[0] + ", " + s[1] + ")", nullable(a.type()));
            }
            case "isnull":
                return new Frag("(" + expr(args.get(0)).sql() + " IS NULL)", "Bool");
            case "isnotnull":
                return new Frag("(" + expr(args.get(0)).sql() + " IS NOT NULL)", "Bool");
            // conversion
            case "tostring": {
                Frag x = expr(args.get(0));
                return new Frag(str(x), nullableLike(x, "String"));
            }
            case "toint":
            case "toint64": {
                Frag x = expr(args.get(0));
                return switch (cat(x.type())) {
                    case "int" -> x;
                    case "float" -> new Frag("(CASE WHEN abs(" + x.sql() + ") < 9.2e18 THEN trunc(" + x.sql()
                            + ")::bigint END)", "Nullable(Int64)");
                    case "bool" -> new Frag("(" + x.sql() + ")::int::bigint", "Int64");
                    case "datetime" -> new Frag("floor(extract(epoch from " + x.sql() + "))::bigint", nullableLike(x, "Int64"));
                    default -> new Frag("hogql_to_int(" + str(x) + ")", "Nullable(Int64)");
                };
            }
            case "tofloat":
            case "tofloat64": {
                Frag x = expr(args.get(0));
                return switch (cat(x.type())) {
                    case "int", "float", "bool" -> new Frag("(" + num(x) + ")::float8", nullableLike(x, "Float64"));
                    default -> new Frag("hogql_to_float(" + str(x) + ")", "Nullable(Float64)");
                };
            }
            case "touuid": {
                Frag x = expr(args.get(0));
                return cat(x.type()).equals("uuid") ? x : new Frag("hogql_to_uuid(" + str(x) + ")", "Nullable(UUID)");
            }
            case "tobool": {
                Frag x = expr(args.get(0));
                return new Frag(bool(x), nullableLike(x, "Bool"));
            }
            // math
            case "round": {
                Frag x = expr(args.get(0));
                long places = args.size() == 2 ? constSigned(args.get(1), "round precision") : 0;
                if (cat(x.type()).equals("int") && places >= 0) {
                    return x;
                }
                return new Frag("round((" + num(x) + ")::numeric, " + Math.max(-20, Math.min(20, places)) + ")::float8",
                        nullableLike(x, "Float64"));
            }
            case "floor":
            case "ceil":
            case "abs": {
                Frag x = expr(args.get(0));
                return new Frag(name + "(" + num(x) + ")", nullableLike(x, numType(x)));
            }
            case "greatest":
            case "least": {
                Unified u = unify(args.stream().map(this::expr).toList());
                return new Frag(name.toUpperCase(Locale.ROOT) + "(" + String.join(", ", u.sql) + ")", u.type);
            }
            // JSON
            case "jsonextractstring":
            case "jsonextractint":
            case "jsonextractfloat":
            case "jsonextractbool":
            case "jsonhas":
                return json(name, args);
            // arrays
            case "has": {
                Frag a = expr(args.get(0));
                if (!cat(a.type()).equals("array")) {
                    throw new HogQLResolutionException("has expects an array as its first argument", c);
                }
                Frag x = expr(args.get(1));
                String el = elementType(a.type());
                String xs = cat(el).equals(cat(x.type())) || (isNum(el) && isNum(x.type())) ? x.sql()
                        : cat(el).equals("string") ? str(x) : x.sql();
                return new Frag("coalesce((" + xs + ") = ANY(" + a.sql() + "), FALSE)", "Bool");
            }
            case "array":
                return arrayLit(args.stream().map(this::expr).toList());
            case "arrayjoin":
                throw new HogQLResolutionException("arrayJoin is only supported as a column of the SELECT list", c);
            default: {
                Frag f = ScalarFunctions.print(this, c, name);
                if (f == null) {
                    f = ArrayFunctions.print(this, c, name);
                }
                if (f == null) {
                    throw new HogQLResolutionException("Unknown function \"" + c.name() + "\"", c);
                }
                return f;
            }
        }
    }

    long constSigned(Expr e, String what) {
        if (e instanceof Expr.Constant c && c.value() instanceof Long l) {
            return l;
        }
        throw new HogQLResolutionException(what + " must be an integer", e);
    }

    Frag withZone(Frag dt, Expr zoneArg) {
        String z = constString(zoneArg, "Time zone");
        try {
            ZoneId.of(z);
        } catch (DateTimeException e) {
            throw new HogQLResolutionException("Unknown time zone \"" + z + "\"", zoneArg);
        }
        if (!z.matches("[A-Za-z0-9_/+\\-]+")) {
            throw new HogQLResolutionException("Unknown time zone \"" + z + "\"", zoneArg);
        }
        return new Frag(dt.sql(), nullableLike(dt, "DateTime64(6, '" + z + "')"));
    }

    Frag json(String name, List<Expr> args) {
        Frag j = expr(args.get(0));
        String js = cat(j.type()).equals("json") ? j.sql() : "hogql_to_jsonb(" + str(j) + ")";
        List<String> path = new ArrayList<>();
        for (Expr k : args.subList(1, args.size())) {
            if (k instanceof Expr.Constant c && c.value() instanceof String s) {
                path.add(s);
            } else if (k instanceof Expr.Constant c && c.value() instanceof Long l && l > 0) {
                path.add(Long.toString(l - 1));
            } else {
                throw new HogQLResolutionException("JSON keys must be string literals or positive integers", k);
            }
        }
        String asText = path.isEmpty() ? "(" + js + " #>> '{}')" : jsonPath(js, path, true).sql();
        String asJson = path.isEmpty() ? js : jsonPath(js, path, false).sql();
        return switch (name) {
            case "jsonextractstring" -> new Frag("coalesce(" + asText + ", '')", "String");
            case "jsonextractint" -> new Frag("coalesce(hogql_to_int(" + asText + "), 0)", "Int64");
            case "jsonextractfloat" -> new Frag("coalesce(hogql_to_float(" + asText + "), 0)", "Float64");
            case "jsonextractbool" -> new Frag("coalesce(" + asJson + " = 'true'::jsonb, FALSE)", "Bool");
            default -> new Frag("(" + asJson + " IS NOT NULL)", "Bool");
        };
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
