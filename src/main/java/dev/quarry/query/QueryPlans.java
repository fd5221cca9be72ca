package dev.quarry.query;

import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyTypes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one place where a runner's {@link QueryPlan} becomes SQL and reaches the database: each statement is compiled
 * for the team ({@link QueryService#compile}: team wall, its timezone, bind parameters) and executed through
 * {@link QueryStatements} (admission, read-only role, timeouts, log, meter; the parts of {@link QueryPlan#all} at
 * once within the project's limit). Every statement a plan already holds is compiled before any of them runs, so a
 * statement that does not compile fails the run (400) before anything was sent; a step's statements are compiled when
 * the rows it reads arrived. Owned by {@link QueryService}; the persons and definitions endpoints that read through
 * HogQL use it too.
 */
@ApplicationScoped
public class QueryPlans {
    private final QueryExecutor executor;
    private final TeamLanes lanes;
    private final Pool pool;
    private final java.time.Clock clock;

    public QueryPlans(QueryExecutor executor, TeamLanes lanes, Pool pool, java.time.Clock clock) {
        this.executor = executor;
        this.lanes = lanes;
        this.pool = pool;
        this.clock = clock;
    }

    /**
     * Builds a plan in the project's lane (off the event loop: building compiles nothing yet but may be CPU work) and
     * runs it as the statements of query {@code queryId} (its log rows and cancel handle).
     *
     * @throws dev.quarry.web.ThrottledException (as a failed Uni) 429 when the project's lane is full
     */
    public <T> Uni<T> run(Team team, String queryId, Supplier<? extends QueryPlan<T>> build) {
        return run(team, clock.instant(), queryId, build);
    }

    /**
     * {@link #run(Team, String, Supplier)} at the run's clock instant {@code now} (the one its {@link QueryContext}
     * planned with): what HogQL's {@code now()} reads in every statement of the plan.
     */
    public <T> Uni<T> run(Team team, java.time.Instant now, String queryId, Supplier<? extends QueryPlan<T>> build) {
        return lanes.run(team.id(), () -> new Execution(team, now, executor.statements(team.id(), queryId))
                .start(build.get()));
    }

    /** Runs a plan already built, from the project's lane (e.g. a step of an endpoint that is already there). */
    public <T> Uni<T> execute(Team team, QueryPlan<T> plan) {
        return new Execution(team, clock.instant(), executor.statements(team.id(), QueryIds.newId())).start(plan);
    }

    /** {@link #run(Team, String, Supplier)} under a new query id. */
    public <T> Uni<T> run(Team team, Supplier<? extends QueryPlan<T>> build) {
        return run(team, QueryIds.newId(), build);
    }

    /**
     * Compiles one statement for the team. A runner's statement: no LIMIT beyond its own (or {@code limit}); compile
     * errors are a 400 ({@code ValidationException}). A user's HogQL: PostHog's limits and error codes.
     */
    static CompiledQuery compile(Team team, java.time.Instant now, HogQLStatement statement) {
        return compile(team, now, statement, PropertyTypes.NONE);
    }

    /** {@link #compile(Team, java.time.Instant, HogQLStatement)} reading properties by the team's definitions. */
    static CompiledQuery compile(Team team, java.time.Instant now, HogQLStatement statement, PropertyTypes types) {
        HogQLStatement.User user = statement.user();
        if (user == null) {
            int limit = statement.limit() == null ? QueryService.NO_LIMIT : statement.limit();
            return QueryService.compile(team, now, statement.ast(), statement.values(), limit, types);
        }
        try {
            CompileSettings settings = CompileSettings.of(team.id()).withTimezone(team.timezone()).withNow(now)
                    .withValues(statement.values()).withFilters(user.filters()).withExtraRow(true)
                    .withBoundedCollections(true)
                    .withPropertyTypes(types);
            if (user.cohorts() != null) {
                settings = settings.withCohorts(user.cohorts());
            }
            return HogQLCompiler.compile(statement.ast(), settings);
        } catch (HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
    }

    /**
     * Compiles, without running anything, every statement {@code plan} already holds or can build without rows: a
     * step whose first part is known without SQL ({@link QueryPlan#of}, e.g. a relative date range, no cohort names to
     * look up) is built from that item and checked in turn, so the series a Trends plan builds inside its steps are
     * compiled too (a {@code math_hogql} of {@code count((} is refused at save as its run refuses it). Steps that need
     * rows are not reached. This is how a query is checked as deeply as a run checks it before its first statement: a
     * saved insight at save. Call it off the event loop (building and compiling is CPU work).
     *
     * @throws dev.quarry.web.ValidationException 400 for a statement that does not compile or a step that refuses its
     *     input (the same errors a run gives)
     */
    public static void compileHeld(Team team, java.time.Instant now, QueryPlan<?> plan) {
        if (plan instanceof QueryPlan.Run run) {
            compile(team, now, run.statement());
        } else if (plan instanceof QueryPlan.All<?> all) {
            all.parts().forEach(part -> compileHeld(team, now, part));
        } else if (plan instanceof QueryPlan.Then<?, ?> then) {
            if (then.first() instanceof QueryPlan.Done<?> done) {
                compileHeld(team, now, applyStep(then, done.item()));
            } else {
                compileHeld(team, now, then.first());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <A> QueryPlan<?> applyStep(QueryPlan.Then<A, ?> then, Object item) {
        return then.next().apply((A) item);
    }

    /** One run of a plan. */
    private final class Execution {
        private final Team team;
        private final java.time.Instant now;
        private final QueryStatements statements;
        /** Property names whose definitions this run has read, and the typed ones among them (by kind). */
        private final java.util.Set<String> lookedUp = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.Map<String, String> eventTypes = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.Map<String, String> personTypes = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.Map<String, String> groupTypes = new java.util.concurrent.ConcurrentHashMap<>();

        Execution(Team team, java.time.Instant now, QueryStatements statements) {
            this.team = team;
            this.now = now;
            this.statements = statements;
        }

        @SuppressWarnings("unchecked")
        <T> Uni<T> start(QueryPlan<T> plan) {
            if (plan instanceof QueryPlan.Done<T> done) {
                return Uni.createFrom().item(done.item());
            }
            if (plan instanceof QueryPlan.Run run) {
                return (Uni<T>) statement(run.statement());
            }
            if (plan instanceof QueryPlan.All<?> all) {
                return (Uni<T>) parts(all);
            }
            if (plan instanceof QueryPlan.Then<?, T> then) {
                return step(then);
            }
            if (plan instanceof QueryPlan.Actions actions) {
                return (Uni<T>) actions(actions.refs());
            }
            return (Uni<T>) cohorts(((QueryPlan.Cohorts) plan).refs());
        }

        /**
         * Compiles {@code statement} as soon as the definitions of the properties it reads are known — at once when this
         * run has read them all already — and sends it. A compile error thrown before any statement of an
         * {@link #parts all} is sent fails the run with nothing sent.
         */
        private Uni<HogQLStatement.Result> statement(HogQLStatement statement) {
            java.util.Set<String> missing = missingNames(statement);
            if (missing.isEmpty()) {
                return execute(statement, compile(team, now, statement, knownTypes()));
            }
            return lookUp(missing).flatMap(types -> execute(statement, compile(team, now, statement, types)));
        }

        private Uni<HogQLStatement.Result> execute(HogQLStatement statement, CompiledQuery compiled) {
            HogQLStatement.User user = statement.user();
            String logged = user != null && user.text() != null ? user.text() : compiled.hogql();
            Integer rowLimit = user != null ? compiled.limit() : null;
            // a user's result is read through its byte bound; a runner's statement when it asks for one
            Long maxBytes = user != null ? Long.valueOf(ResultBound.MAX_BYTES) : statement.maxBytes();
            String sql = maxBytes != null ? ResultBound.wrap(compiled.sql(), maxBytes) : compiled.sql();
            return statements.execute(statement.kind(), logged, sql, compiled.params(), rowLimit)
                    .map(rows -> new HogQLStatement.Result(compiled, rows));
        }

        /** The property names {@code statement} reads whose definitions this run has not read yet. */
        private java.util.Set<String> missingNames(HogQLStatement statement) {
            HogQLStatement.User user = statement.user();
            java.util.Set<String> missing = PropertyTypes.names(statement.ast(), CompileSettings.of(team.id())
                    .withValues(statement.values()).withFilters(user == null ? null : user.filters()));
            missing.removeAll(lookedUp);
            return missing;
        }

        /**
         * The team's event and person property definitions that type the properties a statement reads
         * ({@link PropertyTypes}, PostHog's PropertySwapper): one indexed read by (team, type, names) for the names
         * this run has not looked up yet — none when there are none — so a statement naming thousands of properties
         * costs one round trip, and a run's statements share the answers.
         */
        private Uni<PropertyTypes> lookUp(java.util.Set<String> missing) {
            if (missing.isEmpty()) {
                return Uni.createFrom().item(this::knownTypes);
            }
            return pool.preparedQuery("SELECT name, type, property_type, group_type_index FROM property_definitions "
                            + "WHERE team_id = $1 AND type IN (1, 2, 3) AND name = ANY($2) AND property_type IN "
                            + "('Numeric', 'Boolean', 'DateTime')")
                    .execute(Tuple.of(team.id(), missing.toArray(String[]::new)))
                    .map(rows -> {
                        for (Row row : rows) {
                            int type = ((Number) row.getValue(1)).intValue();
                            if (type == 3) {
                                groupTypes.put(((Number) row.getValue(3)).intValue() + "_" + row.getString(0),
                                        row.getString(2));
                            } else {
                                (type == 1 ? eventTypes : personTypes).put(row.getString(0), row.getString(2));
                            }
                        }
                        lookedUp.addAll(missing);
                        return knownTypes();
                    })
                    // the compile that follows runs in the project's lane
                    .emitOn(lanes.lane(team.id()));
        }

        private PropertyTypes knownTypes() {
            return eventTypes.isEmpty() && personTypes.isEmpty() && groupTypes.isEmpty() ? PropertyTypes.NONE
                    : new PropertyTypes(eventTypes, personTypes, groupTypes);
        }

        /**
         * Runs the parts side by side. The definitions every statement among them reads are looked up first, in one
         * read, so each statement compiles when it is started: a statement that does not compile fails the run before
         * any of the others is sent.
         */
        private <E> Uni<List<E>> parts(QueryPlan.All<E> all) {
            java.util.Set<String> missing = new java.util.HashSet<>();
            for (QueryPlan<E> part : all.parts()) {
                QueryPlan<?> first = part;
                while (first instanceof QueryPlan.Then<?, ?> then) {
                    first = then.first();
                }
                if (first instanceof QueryPlan.Run run) {
                    missing.addAll(missingNames(run.statement()));
                }
            }
            return lookUp(missing).flatMap(types -> {
                List<Uni<E>> started = new ArrayList<>();
                for (QueryPlan<E> part : all.parts()) {
                    started.add(start(part));
                }
                return statements.all(started);
            });
        }

        private <A, T> Uni<T> step(QueryPlan.Then<A, T> then) {
            return start(then.first()).flatMap(item -> start(then.next().apply(item)));
        }

        private Uni<List<QueryPlan.ActionRef>> actions(List<Object> refs) {
            Long[] ids = refs.stream().filter(Long.class::isInstance).toArray(Long[]::new);
            String[] names = refs.stream().filter(String.class::isInstance).toArray(String[]::new);
            return pool.preparedQuery("SELECT id, name, steps::text, deleted FROM actions WHERE team_id = $1 "
                            + "AND (id = ANY($2) OR (name = ANY($3) AND NOT deleted)) ORDER BY id")
                    .execute(Tuple.of(team.id(), ids, names))
                    .map(rows -> {
                        List<QueryPlan.ActionRef> found = new ArrayList<>();
                        for (Row row : rows) {
                            found.add(new QueryPlan.ActionRef(row.getLong(0), row.getString(1), row.getString(2),
                                    Boolean.TRUE.equals(row.getBoolean(3))));
                        }
                        return found;
                    })
                    // what reads the actions (building the statements, a compile) continues in the project's lane
                    .emitOn(lanes.lane(team.id()));
        }

        private Uni<List<QueryPlan.CohortRef>> cohorts(List<Object> refs) {
            Long[] ids = refs.stream().filter(Long.class::isInstance).toArray(Long[]::new);
            String[] names = refs.stream().filter(String.class::isInstance).toArray(String[]::new);
            return pool.preparedQuery("SELECT id, name, deleted FROM cohorts WHERE team_id = $1 "
                            + "AND (id = ANY($2) OR name = ANY($3)) ORDER BY id")
                    .execute(Tuple.of(team.id(), ids, names))
                    .map(rows -> {
                        List<QueryPlan.CohortRef> found = new ArrayList<>();
                        for (Row row : rows) {
                            found.add(new QueryPlan.CohortRef(row.getLong(0), row.getString(1),
                                    Boolean.TRUE.equals(row.getBoolean(2))));
                        }
                        return found;
                    })
                    // what reads the cohorts (a compile) continues in the project's lane, not on the event loop
                    .emitOn(lanes.lane(team.id()));
        }
    }
}
