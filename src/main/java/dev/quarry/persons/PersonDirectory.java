package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.LikePatterns;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.DrfDateTime;
import dev.quarry.web.ValidationException;
import dev.quarry.insights.Actors;
import dev.quarry.insights.InsightSql;
import dev.quarry.query.HogQLErrors;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryPlans;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads persons for the persons list and retrieve endpoints, as HogQL through the one compiler (the printer adds
 * the team filter): newest first, filtered by PostHog's list parameters, each person in the actor shape of
 * {@link Actors#person} plus {@code last_seen_at} (the latest event's time, DRF-rendered; null without events).
 */
@ApplicationScoped
public class PersonDirectory {
    private final QueryPlans plans;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public PersonDirectory(QueryPlans plans, ObjectMapper mapper) {
        this.plans = plans;
        this.mapper = mapper;
    }

    /**
     * PostHog's persons list filters: all optional; {@code properties} the property filters, {@code cohort} the id
     * of a cohort the persons must belong to.
     */
    public record Filter(String search, String distinctId, String email, PropertyFilter properties, Long cohort) {
    }

    /**
     * A page of persons; {@code hasMore} when persons follow its last one; {@code stoppedEarly} when it holds fewer
     * than asked because their properties would not fit in one answer (the next page starts after its last person).
     */
    public record Page(List<ObjectNode> people, boolean hasMore, boolean stoppedEarly) {
    }

    /**
     * The most properties text (as PostgreSQL prints it) one page reads: half an answer, the rest left for each
     * person's distinct ids, name and the envelope. A page stops before the person that would pass it (the first
     * person is always read; one past a whole answer is refused when the answer is written).
     */
    static final long PAGE_PROPERTIES_BYTES = dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES / 2;

    /** The page of persons; the HogQL is compiled in the project's lane, off the event loop. 400 for bad filters. */
    public Uni<Page> list(Team team, Filter filter, int limit, int offset) {
        return plans.run(team, () -> listPlan(team, filter, limit, offset)).onFailure(e ->
                filter.cohort() != null && e instanceof ValidationException v && v.getMessage() != null
                        && v.getMessage().startsWith("Could not find cohort"))
                .transform(e -> new ValidationException(HogQLErrors.QUERY_ERROR, e.getMessage(), "cohort"));
    }

    private QueryPlan<Page> listPlan(Team team, Filter filter, int limit, int offset) {
        InsightSql sql = sql(team);
        Map<String, Object> values = new HashMap<>();
        // the page's persons and their properties' sizes first; their rows only for those that fit in an answer
        StringBuilder text = new StringBuilder("SELECT id, {pl_bytes} FROM persons WHERE {pl_filter}");
        values.put("pl_bytes", dev.quarry.hogql.Expr.Field.of(dev.quarry.hogql.Schema.PROPERTIES_BYTES));
        try {
            values.put("pl_filter", PropertyFilters.toExpr(filter.properties(), PropertyFilters.Context.PERSONS));
        } catch (HogQLException e) {
            throw new ValidationException(e.getMessage(), "properties");
        }
        if (filter.search() != null && !filter.search().isBlank()) {
            values.put("pl_pattern", LikePatterns.contains(filter.search().trim()));
            values.put("pl_search", filter.search().trim());
            text.append(" AND (properties.email ilike {pl_pattern} OR properties.name ilike {pl_pattern} "
                    + "OR toString(id) = {pl_search} OR id IN (SELECT person_id FROM person_distinct_ids "
                    + "WHERE distinct_id ilike {pl_pattern}))");
        }
        if (filter.distinctId() != null && !filter.distinctId().isEmpty()) {
            values.put("pl_distinct_id", filter.distinctId());
            text.append(" AND id IN (SELECT person_id FROM person_distinct_ids WHERE distinct_id = {pl_distinct_id})");
        }
        if (filter.email() != null && !filter.email().isEmpty()) {
            values.put("pl_email", filter.email());
            text.append(" AND properties.email = {pl_email}");
        }
        if (filter.cohort() != null) {
            // a cohort property filter: the statement checks the cohort before reading rows, so one the project
            // lacks is PostHog's 400 (remapped to attr "cohort" in list)
            ObjectNode cohort = mapper.createObjectNode().put("type", "cohort").put("key", "id")
                    .put("value", filter.cohort());
            values.put("pl_cohort", PropertyFilters.toExpr(cohort, PropertyFilters.Context.PERSONS));
            text.append(" AND {pl_cohort}");
        }
        text.append(" ORDER BY created_at DESC, id DESC LIMIT ").append(limit + 1).append(" OFFSET ").append(offset);
        return sql.run(sql.statement(text.toString(), values).withLimit(limit + 1)).flatMap(result -> {
            List<UUID> ids = new ArrayList<>();
            long bytes = 0;
            boolean stoppedEarly = false;
            int listed = 0;
            for (Row row : result.rows()) {
                listed++;
                if (ids.size() == limit) {
                    break;
                }
                long size = row.getLong(1) == null ? 0 : row.getLong(1);
                if (!ids.isEmpty() && bytes + size > PAGE_PROPERTIES_BYTES) {
                    stoppedEarly = true;
                    break;
                }
                bytes += size;
                ids.add(row.getUUID(0));
            }
            boolean hasMore = stoppedEarly || listed > limit;
            boolean early = stoppedEarly;
            if (ids.isEmpty()) {
                return QueryPlan.of(new Page(List.of(), false, false));
            }
            return sql.run("SELECT id, created_at, properties, is_identified FROM persons WHERE id IN {pl_ids}",
                            Map.of("pl_ids", ids))
                    .flatMap(rows -> {
                        Map<UUID, Row> byId = new HashMap<>();
                        rows.forEach(r -> byId.put(r.getUUID(0), r));
                        // in the first statement's order; a person deleted between the two is left out
                        List<Row> ordered = ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
                        return render(sql, team, ordered).map(people -> new Page(people, hasMore, early));
                    });
        });
    }

    /** The team's person with this uuid or numeric id, or null. */
    public Uni<ObjectNode> find(Team team, UUID uuid) {
        InsightSql sql = sql(team);
        return plans.run(team, () -> sql.run("SELECT id, created_at, properties, is_identified FROM persons WHERE id = {pl_id}",
                        Map.of("pl_id", uuid))
                .flatMap(rows -> {
                    List<Row> all = new ArrayList<>();
                    rows.forEach(all::add);
                    return all.isEmpty() ? QueryPlan.<ObjectNode>of(null)
                            : render(sql, team, all).map(people -> people.get(0));
                }));
    }

    private QueryPlan<List<ObjectNode>> render(InsightSql sql, Team team, List<Row> rows) {
        List<UUID> ids = rows.stream().map(r -> r.getUUID(0)).toList();
        QueryPlan<Map<UUID, List<String>>> distinctIds = ids.isEmpty() ? QueryPlan.of(Map.of())
                : sql.run(Actors.FIRST_DISTINCT_IDS, Map.of("ids", ids)).map(d -> {
                            Map<UUID, List<String>> m = new HashMap<>();
                            for (Row r : d) {
                                m.computeIfAbsent(r.getUUID(0), k -> new ArrayList<>()).add(r.getString(1));
                            }
                            return m;
                        });
        // last_seen_at: the time of the person's latest event (merged persons' events included, through HogQL's
        // person_id); null for a person without events
        QueryPlan<Map<UUID, java.time.OffsetDateTime>> lastSeen = ids.isEmpty() ? QueryPlan.of(Map.of())
                : sql.run("SELECT person_id, max(timestamp) FROM events WHERE person_id IN {ids} GROUP BY person_id",
                        Map.of("ids", ids)).map(d -> {
                            Map<UUID, java.time.OffsetDateTime> m = new HashMap<>();
                            for (Row r : d) {
                                m.put(r.getUUID(0), r.getOffsetDateTime(1));
                            }
                            return m;
                        });
        // both read at once (one plan of two independent parts)
        return QueryPlan.all(List.<QueryPlan<Map<UUID, ?>>>of(distinctIds.map(m -> m), lastSeen.map(m -> m))).map(both -> {
            @SuppressWarnings("unchecked")
            Map<UUID, List<String>> dids = (Map<UUID, List<String>>) both.get(0);
            @SuppressWarnings("unchecked")
            Map<UUID, java.time.OffsetDateTime> seen = (Map<UUID, java.time.OffsetDateTime>) both.get(1);
            List<ObjectNode> out = new ArrayList<>();
            for (Row r : rows) {
                ObjectNode person = Actors.person(mapper, r.getUUID(0), r.getOffsetDateTime(1), r.getString(2),
                        Boolean.TRUE.equals(r.getBoolean(3)), dids.getOrDefault(r.getUUID(0), List.of()),
                        team.personDisplayNameProperties());
                person.remove("type");
                person.remove("matched_recordings");
                person.remove("value_at_data_point");
                java.time.OffsetDateTime at = seen.get(r.getUUID(0));
                person.put("last_seen_at", at == null ? null : DrfDateTime.format(at));
                out.add(person);
            }
            return out;
        });
    }

    private InsightSql sql(Team team) {
        return new InsightSql(new QueryContext(team, mapper, clock.instant()), "PersonsList");
    }
}
