package dev.quarry.cohorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLCompiler;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.JoinExpr;
import dev.quarry.hogql.Parser;
import dev.quarry.hogql.SelectLike;
import dev.quarry.hogql.SelectQuery;
import dev.quarry.hogql.SelectUnion;
import dev.quarry.insights.ActorsQuery;
import dev.quarry.insights.ActorsQueryRunner;
import dev.quarry.query.HogQLQuery;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryExecutor;
import dev.quarry.query.QueryIds;
import dev.quarry.query.QueryPlans;
import dev.quarry.query.TeamLanes;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The persons a static cohort is filled with from its {@code query} (PostHog's {@code insert_cohort_from_query}, run
 * here before the cohort is stored, so the cohort and its members are written together or not at all):
 * <ul>
 * <li>a {@code HogQLQuery}: each SELECT of its top level keeps one column, as PostHog's
 * {@code print_cohort_hogql_query} picks it — the one named (alias, or a field's last part) {@code person_id}, else
 * {@code actor_id}, else {@code id}; else {@code distinct_id}, read as the person that distinct id belongs to; else a
 * select from {@code events} reads {@code person_id}, from {@code persons} {@code id}. None of those is a 400
 * "Could not find a person_id, actor_id, id, or distinct_id column in the query". Compiled for the team like every
 * query (its wall, the compile budget) and run as the cohort calculation runs (read-only role, statement timeout);
 * without a LIMIT every row is read, up to {@link #MAX_MEMBERS} (more is a 400).</li>
 * <li>an {@code ActorsQuery}: the actors its answer lists (every page, or the {@code limit}/{@code offset} it names),
 * up to {@link #MAX_ACTORS} (more is a 400 suggesting a HogQLQuery); an insight aggregated by groups lists groups,
 * which a cohort cannot hold (400).</li>
 * </ul>
 * Values that are not person uuids, and uuids of persons the team does not have, are left out in the database
 * ({@link #teamPersons}). {@code values}, {@code variables} and {@code filters} of a HogQLQuery are refused by name.
 */
@ApplicationScoped
public class CohortFromQuery {
    /** The most rows a HogQLQuery may give a cohort (read into memory at once: ≈ 120 bytes a row). */
    static final int MAX_MEMBERS = 200_000;
    /** The most actors an ActorsQuery may give a cohort (pages of {@link ActorsQueryRunner#MAX_LIMIT}). */
    static final int MAX_ACTORS = 100_000;
    static final String NO_ACTOR_COLUMN = "Could not find a person_id, actor_id, id, or distinct_id column in the query";

    private final QueryExecutor executor;
    private final QueryPlans plans;
    private final ActorsQueryRunner actors;
    private final TeamLanes lanes;
    private final ObjectMapper mapper;
    private final Clock clock;

    private final dev.quarry.metering.Limits limits;
    private final boolean metering;

    public CohortFromQuery(QueryExecutor executor, QueryPlans plans, ActorsQueryRunner actors, TeamLanes lanes,
                           ObjectMapper mapper, Clock clock, dev.quarry.metering.Limits limits,
                           @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarry.metering.enabled",
                                   defaultValue = "true") boolean metering) {
        this.limits = limits;
        this.metering = metering;
        this.executor = executor;
        this.plans = plans;
        this.actors = actors;
        this.lanes = lanes;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * The person uuids {@code query} (an ActorsQuery or HogQLQuery, already checked by
     * {@link CohortFiltersBody#query}) lists for the team, without repeats. The run counts against the key's query
     * rate limits as a POST query of its kind does (a HogQLQuery against the HogQL window), so a cohort cannot run
     * HogQL past them (429 when over).
     *
     * @param keyId the personal API key making the request (its rate windows); null when not metered
     */
    public Uni<List<UUID>> members(Team team, String keyId, JsonNode query) {
        String kind = query.path("kind").asText();
        Uni<Void> admitted = !metering || keyId == null ? Uni.createFrom().voidItem()
                : limits.admit(team.id(), keyId, dev.quarry.metering.EndpointGroup.QUERY, kind.equals("HogQLQuery"),
                        false);
        if (kind.equals("ActorsQuery")) {
            ActorsQuery parsed = QuerySchema.parse(query, ActorsQuery.class, "ActorsQuery");
            return admitted.flatMap(x -> actorPages(team, parsed, parsed.offset() == null ? 0 : parsed.offset(),
                    new LinkedHashSet<>()));
        }
        HogQLQuery parsed = QuerySchema.parse(query, HogQLQuery.class, "HogQLQuery");
        refuseUnread("values", parsed.values() != null && !parsed.values().isEmpty());
        refuseUnread("variables", parsed.variables() != null && !parsed.variables().isEmpty());
        refuseUnread("filters", parsed.filters() != null);
        return admitted.flatMap(x -> lanes.run(team.id(), () -> {
            CompiledQuery compiled;
            try {
                SelectLike ids = teamPersons(actorIds(Parser.parseSelect(parsed.query())));
                compiled = HogQLCompiler.compile(ids, CompileSettings.of(team.id()).withTimezone(team.timezone())
                        .withNow(clock.instant()).withLimits(MAX_MEMBERS + 1, MAX_MEMBERS + 1)
                        .withBoundedCollections(true));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "query");
            }
            return executor.execute(team.id(), QueryIds.newId(), "CohortCalculation", compiled.sql(),
                    compiled.params(), MAX_MEMBERS).map(rows -> {
                        if (rows.size() > MAX_MEMBERS) {
                            throw new ValidationException("The query gives more than " + MAX_MEMBERS
                                    + " rows: a static cohort holds at most that many", "query");
                        }
                        Set<UUID> out = new LinkedHashSet<>();
                        rows.forEach(row -> {
                            UUID id = uuid(row.getValue(0));
                            if (id != null) {
                                out.add(id);
                            }
                        });
                        return List.copyOf(out);
                    });
        }));
    }

    /**
     * The team's persons whose uuid the actor select lists: {@code SELECT id FROM persons WHERE id IN (SELECT
     * toUUID(actor_id) FROM (ids))}. Only person uuids of the team ever leave PostgreSQL, at most one row per person,
     * whatever the user's select reads (a select of long texts, or of no table at all, then gives no rows): so the
     * rows read into the app stay ≈ 50 bytes each, as PostHog keeps the insert in its database.
     */
    private static SelectLike teamPersons(SelectLike ids) {
        Expr listed = Expr.Call.of("toUUID", Expr.Field.of("cohort_actors", "actor_id"));
        SelectQuery uuids = new SelectQuery(List.of(), false, List.of(listed),
                List.of(new JoinExpr(null, ids, "cohort_actors", null, null)), null, List.of(), null, List.of(), null,
                null, null);
        return SelectQuery.of(List.of(Expr.Field.of("id")), "persons",
                new Expr.Compare("in", Expr.Field.of("id"), uuids));
    }

    private static void refuseUnread(String field, boolean present) {
        if (present) {
            throw new ValidationException("A cohort's HogQLQuery with " + field + " is not supported by Quarry",
                    "query");
        }
    }

    /** Pages of the ActorsQuery's answer from {@code offset}, as the query endpoint would give them. */
    private Uni<List<UUID>> actorPages(Team team, ActorsQuery query, int offset, Set<UUID> found) {
        int wanted = query.limit() == null ? ActorsQueryRunner.MAX_LIMIT
                : Math.min(query.limit() - (offset - (query.offset() == null ? 0 : query.offset())),
                        ActorsQueryRunner.MAX_LIMIT);
        ActorsQuery page = new ActorsQuery(query.kind(), query.source(), query.select(), query.search(),
                query.properties(), query.fixedProperties(), query.orderBy(), wanted, offset, query.modifiers(),
                query.response(), query.tags(), query.version());
        QueryContext context = new QueryContext(team, mapper, clock.instant());
        return plans.run(team, () -> actors.people(context, page)).flatMap(rows -> {
            for (ActorsQueryRunner.ActorRow row : rows.rows()) {
                if (row.group() != null) {
                    throw new ValidationException("A cohort holds persons: this ActorsQuery lists groups", "query");
                }
                found.add(row.person().uuid());
            }
            int next = offset + wanted;
            boolean limitReached = query.limit() != null
                    && next - (query.offset() == null ? 0 : query.offset()) >= query.limit();
            if (!rows.hasMore() || limitReached) {
                return Uni.createFrom().item(List.copyOf(found));
            }
            if (next - (query.offset() == null ? 0 : query.offset()) >= MAX_ACTORS) {
                throw new ValidationException("The ActorsQuery lists more than " + MAX_ACTORS + " actors: fill the "
                        + "cohort from a HogQLQuery selecting person_id instead", "query");
            }
            return actorPages(team, query, next, found);
        });
    }

    /** A person uuid, or null for any other value. */
    private static UUID uuid(Object value) {
        if (value instanceof UUID u) {
            return u;
        }
        if (value instanceof String s && s.length() == 36) {
            try {
                return UUID.fromString(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * The query with each top-level SELECT read for its actor column only ({@code actor_id}): {@code SELECT col AS
     * actor_id FROM (the select)}, so its other columns' aliases still serve its HAVING and ORDER BY; a
     * {@code distinct_id} column read through {@code person_distinct_ids}.
     *
     * @throws ValidationException {@link #NO_ACTOR_COLUMN}, or a union mixing person and distinct ids
     */
    static SelectLike actorIds(SelectLike select) {
        if (select instanceof SelectUnion union) {
            List<SelectLike> parts = new ArrayList<>();
            Boolean distinctIds = null;
            for (SelectLike part : union.selects()) {
                if (!(part instanceof SelectQuery q)) {
                    throw new ValidationException(NO_ACTOR_COLUMN, "query");
                }
                boolean byDistinctId = actorColumn(q).equals("distinct_id");
                if (distinctIds != null && distinctIds != byDistinctId) {
                    throw new ValidationException("UNION queries with mixed ID types (person_id and distinct_id) are "
                            + "not currently supported", "query");
                }
                distinctIds = byDistinctId;
                parts.add(actorIds(q));
            }
            return new SelectUnion(parts, union.ops());
        }
        SelectQuery q = (SelectQuery) select;
        String column = actorColumn(q);
        if (column.equals("*events")) {
            return inPlace(q, Expr.Field.of("person_id"));
        }
        if (column.equals("*persons")) {
            return inPlace(q, Expr.Field.of("id"));
        }
        SelectQuery read = new SelectQuery(List.of(), false, List.of(new Expr.Alias(Expr.Field.of("cohort_source",
                column), column.equals("distinct_id") ? "distinct_id" : "actor_id")),
                List.of(new JoinExpr(null, q, "cohort_source", null, null)), null, List.of(), null, List.of(), null,
                null, null);
        if (!column.equals("distinct_id")) {
            return read;
        }
        return SelectQuery.of(List.of(new Expr.Alias(Expr.Field.of("person_id"), "actor_id")), "person_distinct_ids",
                new Expr.Compare("in", Expr.Field.of("distinct_id"), read));
    }

    /**
     * The column PostHog's {@code print_cohort_hogql_query} reads of one SELECT: {@code person_id}, {@code actor_id},
     * {@code id} or {@code distinct_id} (by alias, or a field's last part), or {@code *events} / {@code *persons}
     * for a select from that table without any of them.
     */
    private static String actorColumn(SelectQuery q) {
        Set<String> names = new java.util.HashSet<>();
        for (Expr e : q.select()) {
            if (e instanceof Expr.Alias a) {
                names.add(a.alias());
            } else if (e instanceof Expr.Field f && !f.chain().isEmpty()) {
                names.add(f.chain().get(f.chain().size() - 1));
            }
        }
        for (String name : List.of("person_id", "actor_id", "id", "distinct_id")) {
            if (names.contains(name)) {
                return name;
            }
        }
        // no such column: a select from events or persons reads its rows' persons (PostHog's fallback, which its CLI
        // documents as "selecting from the events or persons tables resolves the actor automatically")
        if (q.from().size() == 1 && q.from().get(0).table() instanceof Expr.Field t && t.chain().size() == 1
                && (t.chain().get(0).equals("events") || t.chain().get(0).equals("persons"))) {
            return "*" + t.chain().get(0);
        }
        throw new ValidationException(NO_ACTOR_COLUMN, "query");
    }

    private static SelectQuery inPlace(SelectQuery q, Expr column) {
        return new SelectQuery(q.ctes(), q.distinct(), List.of(new Expr.Alias(column, "actor_id")), q.from(), q.where(),
                q.groupBy(), q.having(), q.orderBy(), q.limit(), q.offset(), q.limitBy(), q.limitWithTies());
    }
}
