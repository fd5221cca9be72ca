package dev.quarry.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.HogQLException;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.insights.InsightSql;
import dev.quarry.insights.TestAccounts;
import dev.quarry.query.HogQLErrors;
import dev.quarry.query.QueryContext;
import dev.quarry.query.QueryPlan;
import dev.quarry.query.QueryPlans;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PostHog's {@code GET elements/stats/} (ElementViewSet.stats, the toolbar's heatmap and the CLI's
 * {@code elements-stats-retrieve}): the project's clicks grouped by the elements chain they happened on and their
 * event, most frequent first, each {@code {count, hash, type, elements}} with the chain's elements as the events API
 * answers them ({@link ElementsChain}), in pages of {@code {results, next, previous}}. The events are
 * {@code $autocapture}, {@code $rageclick} and {@code $dead_click} (narrowed by {@code include}), from the start of
 * {@code date_from}'s day (default {@code -7d}) to {@code date_to} (default now), with the {@code properties}
 * filters and, with {@code filter_test_accounts=true}, the project's test-account filters. {@code hash} is null (as
 * PostHog answered before its chains carried a ClickHouse cityHash64).
 */
@ApplicationScoped
public class ElementStats {
    /** PostHog's event types of the stats. */
    public static final Set<String> EVENTS = Set.of("$autocapture", "$rageclick", "$dead_click");
    /** PostHog's default page ({@code ELEMENT_STATS_DEFAULT_LIMIT}). */
    public static final int DEFAULT_LIMIT = 50_000;
    /** Quarry's bound on a page (PostHog's is its heatmaps' select limit); a page also stops at the response limit. */
    public static final int MAX_LIMIT = 99_999;
    /** The JSON of one element's keys beside its values (as {@link EventList} counts it). */
    private static final int ELEMENT_OVERHEAD_BYTES = 150;
    private static final int ROW_OVERHEAD_BYTES = 100;

    private final QueryPlans plans;
    private final ObjectMapper mapper;
    private final Clock clock;

    public ElementStats(QueryPlans plans, ObjectMapper mapper, Clock clock) {
        this.plans = plans;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * A stats request as PostHog reads it.
     *
     * @param include the event types asked for (empty: all three)
     * @param properties the {@code properties} filters, or null
     */
    public record Request(String dateFrom, String dateTo, int limit, int offset, Set<String> include,
                          PropertyFilter properties, boolean filterTestAccounts) {
    }

    /**
     * One page of the stats. The rows are cut where the answer would pass the response limit: {@code nextOffset}
     * then continues from the first row left out (PostHog's next link is {@code offset + limit}; a client following
     * the link reads the same rows either way).
     *
     * @param nextOffset the next page's offset, or -1 when this is the last
     */
    public record Page(ArrayNode results, int nextOffset) {
    }

    /**
     * The page, compiled and run in the project's lane.
     *
     * @throws ValidationException (as a failed Uni) a date that does not parse, filters that do not compile
     * @throws ResponseTooLargeException (as a failed Uni) one chain whose elements alone pass the response limit
     */
    public Uni<Page> page(Team team, Request request) {
        return plans.run(team, () -> plan(team, request));
    }

    private QueryPlan<Page> plan(Team team, Request request) {
        InsightSql sql = new InsightSql(new QueryContext(team, mapper, clock.instant()), "ElementsStats");
        ZonedDateTime now = sql.now();
        ZonedDateTime from = EventList.moment(request.dateFrom() == null ? "-7d" : request.dateFrom(), now, "date_from")
                .toLocalDate().atStartOfDay(now.getZone());
        ZonedDateTime to = request.dateTo() == null ? now : EventList.moment(request.dateTo(), now, "date_to");
        List<Expr> filters = new ArrayList<>();
        if (request.properties() != null) {
            try {
                filters.add(PropertyFilters.toExpr(request.properties()));
            } catch (HogQLException e) {
                throw new ValidationException(e.getMessage(), "properties");
            }
        }
        if (request.filterTestAccounts()) {
            filters.add(TestAccounts.filter(team));
        }
        Map<String, Object> values = new HashMap<>();
        values.put("es_from", from.toOffsetDateTime());
        values.put("es_to", to.toOffsetDateTime());
        values.put("es_filters", filters.isEmpty() ? new Expr.Constant(true)
                : filters.size() == 1 ? filters.get(0) : new Expr.And(filters));
        Set<String> events = request.include().isEmpty() ? EVENTS : request.include();
        StringBuilder in = new StringBuilder();
        int i = 0;
        for (String event : new java.util.TreeSet<>(events)) {
            values.put("es_event_" + i, event);
            in.append(i == 0 ? "" : ", ").append("{es_event_").append(i++).append('}');
        }
        String grouped = "SELECT elements_chain, count() AS occurrences, event FROM events WHERE event IN (" + in
                + ") AND elements_chain != '' AND timestamp >= {es_from} AND timestamp <= {es_to} AND {es_filters} "
                + "GROUP BY elements_chain, event ORDER BY occurrences DESC, elements_chain, event LIMIT "
                + (request.limit() + 1) + " OFFSET " + request.offset();
        // each row's answer estimated as its chain and its elements (by their semicolons; the elements built are
        // counted again below), summed in the answer's order, so that a page stops before the response limit
        String size = "(length(elements_chain) + " + ELEMENT_OVERHEAD_BYTES + " * least(length(elements_chain) - "
                + "length(replaceAll(elements_chain, ';', '')) + 1, " + ElementsChain.MAX_ELEMENTS + ") + "
                + ROW_OVERHEAD_BYTES + ")";
        String bounded = "SELECT elements_chain, occurrences, event, es_bytes, es_rows FROM (SELECT elements_chain, "
                + "occurrences, event, sum" + size + " OVER (ORDER BY occurrences DESC, elements_chain, event ROWS "
                + "BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS es_bytes, count() OVER () AS es_rows FROM ("
                + grouped + ")) WHERE es_bytes <= " + ResponseLimit.MAX_ENCODED_BYTES
                + " ORDER BY occurrences DESC, elements_chain, event";
        try {
            return sql.run(sql.statement(bounded, values).withLimit(request.limit() + 1)).map(result -> {
                List<Row> rows = new ArrayList<>();
                result.rows().forEach(rows::add);
                return render(rows, request);
            });
        } catch (HogQLException e) {
            throw HogQLErrors.toValidation(e);
        }
    }

    /**
     * The page's rows as answered, each measured as the response limit counts it (escapes and multi-byte text
     * included: the statement's estimate counts characters): the page stops before the row that would take it past
     * the response limit, and {@code nextOffset} continues there; a first row past it alone is a 400.
     */
    private Page render(List<Row> rows, Request request) {
        long available = rows.isEmpty() ? 0 : rows.get(0).getLong(4);
        if (rows.isEmpty() && available > 0) {
            throw new ResponseTooLargeException(ResponseLimit.MAX_ENCODED_BYTES + 1, ResponseLimit.MAX_ENCODED_BYTES);
        }
        boolean more = rows.size() > request.limit() || available > rows.size();
        List<Row> page = rows.size() > request.limit() ? rows.subList(0, request.limit()) : rows;
        ArrayNode results = mapper.createArrayNode();
        long bytes = ROW_OVERHEAD_BYTES;
        for (Row row : page) {
            ObjectNode stat = mapper.createObjectNode();
            stat.put("count", row.getLong(1));
            stat.putNull("hash");
            stat.put("type", row.getString(2));
            stat.set("elements", ElementsChain.elements(row.getString(0), mapper));
            long written = written(stat) + 1;
            if (bytes + written > ResponseLimit.MAX_ENCODED_BYTES) {
                if (results.isEmpty()) {
                    throw new ResponseTooLargeException(bytes + written, ResponseLimit.MAX_ENCODED_BYTES);
                }
                return new Page(results, request.offset() + results.size());
            }
            bytes += written;
            results.add(stat);
        }
        return new Page(results, more ? request.offset() + page.size() : -1);
    }

    /** A row's bytes as the response limit counts them (its JSON inside the gateway's envelope: escapes again). */
    private long written(ObjectNode stat) {
        try {
            return ResponseLimit.encodedSize(mapper.writeValueAsBytes(stat));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an element stat did not serialize", e);
        }
    }

    /**
     * The {@code include} parameters as PostHog reads them: repeated, a JSON array's text, or a comma-separated list;
     * empty means all three.
     *
     * @throws ValidationException an event type other than the three, or a JSON array that is not one of names
     */
    public static Set<String> include(List<String> raw, ObjectMapper mapper) {
        Set<String> out = new LinkedHashSet<>();
        for (String value : raw == null ? List.<String>of() : raw) {
            if (value.startsWith("[")) {
                com.fasterxml.jackson.databind.JsonNode parsed;
                try {
                    parsed = mapper.readTree(value);
                } catch (java.io.IOException e) {
                    throw new ValidationException("include must be a valid JSON array when passed as one", "include");
                }
                if (!parsed.isArray()) {
                    throw new ValidationException("include must be a JSON array of event names", "include");
                }
                for (var item : parsed) {
                    if (!item.isTextual()) {
                        throw new ValidationException("include must be a JSON array of event names", "include");
                    }
                    out.add(item.asText());
                }
            } else {
                for (String part : value.split(",")) {
                    if (!part.strip().isEmpty()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        if (!EVENTS.containsAll(out)) {
            throw new ValidationException("Only $autocapture, $rageclick, and $dead_click are supported.", "include");
        }
        return out;
    }
}
