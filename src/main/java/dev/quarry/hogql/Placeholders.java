package dev.quarry.hogql;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Replaces {@code {name}} placeholders with constants from a value map (they then print as bind parameters, never
 * as SQL text) and {@code {filters}} with a boolean expression (TRUE when none is given). A value may be an AST
 * ({@link Expr}), copied in: in {@code FROM {name}} it must be a subquery ({@link SelectLike}), which is how runners
 * compose queries from parts without pasting text.
 */
public final class Placeholders {
    private Placeholders() {}

    public static SelectLike replace(SelectLike q, Map<String, Object> values, Expr filters) {
        return (SelectLike) Transformer.transform(q, e -> {
            if (e instanceof Expr.Placeholder p) {
                if (p.name().equals("filters")) {
                    return filters == null ? new Expr.Constant(true) : filters;
                }
                if (values != null && values.containsKey(p.name())) {
                    return toExpr(values.get(p.name()), p.name());
                }
                if (p.name().startsWith("variables.")) {
                    // PostHog's ReplaceVariables wording for a variable the query does not define
                    throw new HogQLResolutionException("Variable " + p.name().substring("variables.".length())
                            + " is missing from query", p);
                }
                throw new HogQLResolutionException("Unknown placeholder {" + p.name() + "}", p);
            }
            return e;
        });
    }

    public static Expr replace(Expr e, Map<String, Object> values, Expr filters) {
        if (e instanceof SelectLike s) {
            return replace(s, values, filters);
        }
        SelectQuery wrapper = new SelectQuery(null, false, List.of(e), null, null, null, null, null, null, null, null);
        return ((SelectQuery) replace(wrapper, values, filters)).select().get(0);
    }

    /** A value given by the caller as a HogQL constant (lists become tuples, usable with IN). */
    static Expr toExpr(Object v, String name) {
        if (v instanceof Expr e) {
            // a fresh copy each time: the resolver keys fields by identity, and one value may fill placeholders in
            // several scopes (e.g. the same filter in two subqueries)
            return Transformer.copy(e);
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return new Expr.Constant(((Number) v).longValue());
        }
        if (v instanceof Float f) {
            return new Expr.Constant(f.doubleValue());
        }
        if (v instanceof java.math.BigInteger big) {
            if (Literals.bigIntegerType(big) == null) {
                throw new HogQLResolutionException("Placeholder {" + name + "}: the integer " + big
                        + " is out of range (ClickHouse integers have at most 256 bits)");
            }
            return new Expr.Constant(big.bitLength() < 64 ? (Object) big.longValue() : big);
        }
        if (v instanceof java.math.BigDecimal || v instanceof Double && ((Double) v).isInfinite()) {
            double d = ((Number) v).doubleValue();
            if (Double.isInfinite(d)) {
                throw new HogQLResolutionException("Placeholder {" + name + "}: the number " + v
                        + " is out of range (past Float64)");
            }
            return new Expr.Constant(d);
        }
        if (v == null || v instanceof Long || v instanceof Double || v instanceof String || v instanceof Boolean
                || v instanceof java.util.UUID || v instanceof java.time.temporal.Temporal) {
            return new Expr.Constant(v);
        }
        if (v instanceof Collection<?> c) {
            List<Expr> items = new ArrayList<>();
            for (Object o : c) {
                items.add(toExpr(o, name));
            }
            return new Expr.TupleLit(items);
        }
        if (v instanceof Object[] arr) {
            return toExpr(List.of(arr), name);
        }
        throw new HogQLResolutionException("Unsupported value for placeholder {" + name + "}: "
                + v.getClass().getSimpleName());
    }

    /** Rebuilds a tree bottom-up, applying {@code f} to every expression after its children. */
    public static final class Transformer {
        private final UnaryOperator<Expr> f;

        private final boolean fresh;

        private Transformer(UnaryOperator<Expr> f) {
            this(f, false);
        }

        private Transformer(UnaryOperator<Expr> f, boolean fresh) {
            this.f = f;
            this.fresh = fresh;
        }

        /** A deep copy made of new nodes only (no node of the result is a node of {@code e}). */
        public static Expr copy(Expr e) {
            return new Transformer(x -> x, true).t(e);
        }

        public static Expr transform(Expr e, UnaryOperator<Expr> f) {
            return new Transformer(f).t(e);
        }

        private List<Expr> all(List<Expr> l) {
            List<Expr> out = new ArrayList<>(l.size());
            for (Expr e : l) {
                out.add(t(e));
            }
            return out;
        }

        private Expr t(Expr e) {
            if (e == null) {
                return null;
            }
            Expr r;
            if (e instanceof Expr.Call c) {
                r = new Expr.Call(c.name(), all(c.args()), c.params() == null ? null : all(c.params()), c.distinct());
            } else if (e instanceof Expr.Window w) {
                List<SelectQuery.OrderExpr> order = new java.util.ArrayList<>();
                w.orderBy().forEach(o -> order.add(new SelectQuery.OrderExpr(t(o.expr()), o.desc(), o.nullsFirst())));
                r = new Expr.Window((Expr.Call) t(w.call()), all(w.partitionBy()), order, w.frame(), w.name());
            } else if (e instanceof Expr.Arithmetic a) {
                r = new Expr.Arithmetic(a.op(), t(a.left()), t(a.right()));
            } else if (e instanceof Expr.Negate n) {
                r = new Expr.Negate(t(n.expr()));
            } else if (e instanceof Expr.Compare c) {
                r = new Expr.Compare(c.op(), t(c.left()), t(c.right()));
            } else if (e instanceof Expr.And a) {
                r = new Expr.And(all(a.exprs()));
            } else if (e instanceof Expr.Or o) {
                r = new Expr.Or(all(o.exprs()));
            } else if (e instanceof Expr.Not n) {
                r = new Expr.Not(t(n.expr()));
            } else if (e instanceof Expr.Between b) {
                r = new Expr.Between(t(b.expr()), t(b.low()), t(b.high()), b.negated());
            } else if (e instanceof Expr.IsNull n) {
                r = new Expr.IsNull(t(n.expr()), n.negated());
            } else if (e instanceof Expr.Case c) {
                r = new Expr.Case(t(c.subject()), all(c.conditions()), all(c.results()), t(c.otherwise()));
            } else if (e instanceof Expr.Interval i) {
                r = new Expr.Interval(t(i.amount()), i.unit());
            } else if (e instanceof Expr.ArrayLit a) {
                r = new Expr.ArrayLit(all(a.items()));
            } else if (e instanceof Expr.TupleLit tl) {
                r = new Expr.TupleLit(all(tl.items()));
            } else if (e instanceof Expr.ArrayAccess a) {
                r = new Expr.ArrayAccess(t(a.array()), t(a.index()));
            } else if (e instanceof Expr.Alias a) {
                r = new Expr.Alias(t(a.expr()), a.alias());
            } else if (e instanceof Expr.Lambda l) {
                r = new Expr.Lambda(l.params(), t(l.body()));
            } else if (e instanceof SelectUnion u) {
                List<SelectLike> sel = new ArrayList<>();
                for (SelectLike s : u.selects()) {
                    sel.add((SelectLike) t(s));
                }
                r = new SelectUnion(sel, u.ops());
            } else if (e instanceof SelectQuery s) {
                List<CTE> ctes = new ArrayList<>();
                for (CTE c : s.ctes()) {
                    ctes.add(new CTE(c.name(), t(c.expr()), c.subquery()));
                }
                List<JoinExpr> from = new ArrayList<>();
                for (JoinExpr j : s.from()) {
                    Expr table = j.table() instanceof SelectLike || j.isArrayJoin()
                            || j.table() instanceof Expr.Placeholder ? t(j.table()) : j.table();
                    if (j.table() instanceof Expr.Placeholder p && !(table instanceof SelectLike)
                            && !(table instanceof Expr.Placeholder)) {
                        throw new HogQLResolutionException("The placeholder {" + p.name()
                                + "} in FROM takes a subquery", p);
                    }
                    from.add(new JoinExpr(j.joinType(), table, j.alias(), t(j.on()), j.using()));
                }
                List<SelectQuery.OrderExpr> order = new ArrayList<>();
                for (SelectQuery.OrderExpr o : s.orderBy()) {
                    order.add(new SelectQuery.OrderExpr(t(o.expr()), o.desc(), o.nullsFirst()));
                }
                SelectQuery.LimitBy lb = s.limitBy() == null ? null
                        : new SelectQuery.LimitBy(t(s.limitBy().n()), t(s.limitBy().offset()), all(s.limitBy().exprs()));
                r = new SelectQuery(ctes, s.distinct(), all(s.select()), from, t(s.where()), all(s.groupBy()),
                        t(s.having()), order, t(s.limit()), t(s.offset()), lb, s.limitWithTies());
            } else {
                r = fresh && e instanceof Expr.Field fl ? new Expr.Field(fl.chain()) : e; // leaves: Constant, Field, Star, Placeholder
            }
            // keep the original node (and so its recorded position) when nothing below changed
            return f.apply(!fresh && r.equals(e) ? e : r);
        }
    }
}
