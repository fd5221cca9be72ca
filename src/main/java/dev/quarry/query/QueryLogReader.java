package dev.quarry.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.hogql.CompileSettings;
import dev.quarry.hogql.CompiledQuery;
import dev.quarry.hogql.HogQLCompiler;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * GET query/:id/log: the query log since yesterday for one query id (contract Part A item 7), one row per statement
 * run: PostHog's query_log columns, then {@code team_id}, {@code exception} (a failed run's message, else null),
 * {@code kind} (the query kind, e.g. HogQLQuery, TrendsQuery) and {@code hogql} (the HogQL); {@code query} is the
 * PostgreSQL statement that ran (bound values not inlined, as the {@code postgres} field of a query response), and
 * {@code status} QueryFinish, ExceptionWhileProcessing or Cancelled (stopped by DELETE query/:id). Read through HogQL's
 * query_log table like any other HogQL query (so the team wall is the compiler's), answered in the HogQL response
 * shape; an unknown id (or another project's) is 200 with no rows.
 */
@ApplicationScoped
public class QueryLogReader {
    /** PostHog's get_query_log query, word for word (plus an order, so that several runs of one id read in order). */
    static final String LOG_QUERY = "select * from query_log where query_id = {client_query_id} and event_date >= "
            + "yesterday() order by event_time";

    private final QueryExecutor executor;
    private final ObjectMapper mapper;
    private final TeamLanes lanes;

    public QueryLogReader(QueryExecutor executor, ObjectMapper mapper, TeamLanes lanes) {
        this.executor = executor;
        this.mapper = mapper;
        this.lanes = lanes;
    }

    /** The log rows of one query id; compiled in the project's lane, off the event loop. */
    public Uni<QueryReply> read(Team team, String queryId) {
        return lanes.run(team.id(), () -> compileAndRead(team, queryId));
    }

    private Uni<QueryReply> compileAndRead(Team team, String queryId) {
        CompiledQuery compiled = HogQLCompiler.compileSelect(LOG_QUERY, CompileSettings.of(team.id())
                .withTimezone(team.timezone()).withValues(Map.of("client_query_id", queryId))
                .withLimits(1000, 1000).withExtraRow(true));
        HogQLQuery query = new HogQLQuery("HogQLQuery", LOG_QUERY, null, null, null, null, null, null, null, null,
                null, null, null);
        return executor.execute(team, "query_log:" + QueryIds.newId(), "QueryLog", compiled.sql(), compiled.params(),
                        compiled.limit())
                .map(rows -> new QueryReply(200, HogQLQueryRunner.response(mapper, query, compiled, rows)));
    }
}
