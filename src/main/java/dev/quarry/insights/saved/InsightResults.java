package dev.quarry.insights.saved;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.query.FiltersOverride;
import dev.quarry.query.QueryRequest;
import dev.quarry.query.QueryService;
import dev.quarry.web.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.Set;

/**
 * The result fields of a saved insight as PostHog's {@code InsightSerializer} fills them on retrieve and list
 * ({@code calculate_for_query_based_insight}): the insight's {@code query} runs through POST query's
 * {@link QueryService} (same cache, same lanes and budgets, same team wall) in the execution mode the request's
 * {@code refresh} query parameter asks for, as PostHog's {@code refresh_requested_by_client} and
 * {@code execution_mode_from_refresh} read it:
 * <ul>
 *   <li>absent, {@code false}/{@code 0}/{@code no}, {@code force_cache} or any other value: cache only — the cached
 *       answer whatever its age, else no result; nothing is calculated;</li>
 *   <li>{@code true}/{@code 1}/{@code yes}/empty and {@code force_blocking}: calculated now;</li>
 *   <li>{@code blocking}: the cached answer while fresh, else calculated now;</li>
 *   <li>{@code async}, {@code lazy_async}, {@code async_except_on_cache_miss}, {@code force_async}: as POST query
 *       answers them (a cached answer and/or a {@code query_status} of the enqueued run).</li>
 * </ul>
 * The answer fills {@code result} (the response's {@code results}), {@code hasMore}, {@code columns},
 * {@code last_refresh}, {@code cache_target_age}, {@code next_allowed_client_refresh}, {@code is_cached},
 * {@code timezone}, {@code query_status}, {@code hogql}, {@code types} and {@code resolved_date_range}. An insight
 * without a query, or of a kind Quarry does not run, keeps them null. When a result is asked for, a query Quarry
 * refuses is a 400 as POST query answers it; the cache-only default answers no result instead, so that a plain
 * retrieve never fails on its stored query.
 */
@ApplicationScoped
public class InsightResults {
    /** PostHog's {@code RefreshType} values, taken as they are. */
    private static final Set<String> MODES = Set.of("blocking", "async", "lazy_async", "async_except_on_cache_miss",
            "force_async", "force_blocking", "force_cache");
    private static final Set<String> TRUE = Set.of("true", "1", "yes", "");
    private static final Set<String> FIELDS = Set.of("hasMore", "columns", "last_refresh", "cache_target_age",
            "next_allowed_client_refresh", "is_cached", "timezone", "query_status", "hogql", "types",
            "resolved_date_range");

    private final QueryService service;
    private final ObjectMapper mapper;

    public InsightResults(QueryService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    /**
     * The execution mode {@code refresh} asks for, as a POST query {@code refresh} value; null is cache only.
     *
     * @param refresh the {@code refresh} query parameter as sent, or null when absent
     */
    static String mode(String refresh) {
        if (refresh == null) {
            return null;
        }
        String lower = refresh.toLowerCase(Locale.ROOT);
        if (TRUE.contains(lower)) {
            return "force_blocking";
        }
        if (MODES.contains(refresh) && !refresh.equals("force_cache")) {
            return refresh;
        }
        return null;
    }

    /**
     * Fills the result fields of {@code json} (an insight as {@link Insight#toJson} answers it) for {@code insight}.
     *
     * @param refresh the request's {@code refresh} query parameter, or null
     * @return {@code json}, its result fields set
     */
    public Uni<ObjectNode> fill(Team team, Insight insight, ObjectNode json, String refresh) {
        return fill(team, insight, json, refresh, null, null);
    }

    /**
     * As {@link #fill(Team, Insight, ObjectNode, String)}, with PostHog's retrieve overrides applied first: the
     * insight's {@code query} (its source, inside an {@code InsightVizNode}) is answered and shown with
     * {@code filters_override} (a DashboardFilter: date range, properties, breakdown) and {@code variables_override}
     * merged as POST query merges them ({@code query.FiltersOverride}). An override the query model refuses is a 400
     * naming it, whether or not a result is asked for.
     *
     * @param filtersOverride the {@code filters_override} parameter's JSON object, or null
     * @param variablesOverride the {@code variables_override} parameter's JSON object, or null
     */
    public Uni<ObjectNode> fill(Team team, Insight insight, ObjectNode json, String refresh, ObjectNode filtersOverride,
                                ObjectNode variablesOverride) {
        if (insight.query() == null) {
            return Uni.createFrom().item(json);
        }
        String mode = mode(refresh);
        return Uni.createFrom().deferred(() -> {
            JsonNode query = Insight.parse(mapper, insight.query());
            if (!query.isObject()) {
                return Uni.createFrom().<ObjectNode>nullItem();
            }
            ObjectNode body = mapper.createObjectNode();
            body.set("query", query);
            if (mode != null) {
                body.put("refresh", mode);
            }
            if (filtersOverride != null) {
                body.set("filters_override", filtersOverride);
            }
            if (variablesOverride != null) {
                body.set("variables_override", variablesOverride);
            }
            if (filtersOverride != null || variablesOverride != null) {
                // the overrides are checked on their own, so that a stored query Quarry cannot run never hides their 400
                ObjectNode check = body.deepCopy();
                check.set("query", mapper.createObjectNode().put("kind", "HogQLQuery").put("query", "select 1"));
                QueryRequest.parse(check, null, service::answers);
            }
            QueryRequest request;
            try {
                request = QueryRequest.parse(body, null, service::answers);
            } catch (ApiException e) {
                if (mode == null) {
                    return Uni.createFrom().<ObjectNode>nullItem();
                }
                throw e;
            }
            if (filtersOverride != null || variablesOverride != null) {
                ObjectNode merged = FiltersOverride.apply(request.query(), request.kind(), request.filtersOverride(),
                        request.variablesOverride());
                ObjectNode shown = (ObjectNode) query;
                json.set("query", shown.get("source") instanceof ObjectNode ? shown.deepCopy().set("source", merged)
                        : merged);
            }
            if (!service.answers(request.kind())) {
                return Uni.createFrom().<ObjectNode>nullItem();
            }
            if (mode == null) {
                return service.cachedOnly(team, request).onFailure(ApiException.class).recoverWithNull();
            }
            return service.submit(team, request).map(reply -> reply.body() instanceof ObjectNode o ? o : null);
        }).map(answer -> {
            if (answer != null) {
                json.set("result", answer.has("results") ? answer.get("results") : mapper.nullNode());
                for (String field : FIELDS) {
                    if (answer.has(field)) {
                        json.set(field, answer.get(field));
                    }
                }
            }
            return json;
        });
    }
}
