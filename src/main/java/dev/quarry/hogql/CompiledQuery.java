package dev.quarry.hogql;

import java.util.List;

/**
 * A compiled query, ready for the Vert.x PostgreSQL client: run {@code sql} with {@code Tuple.from(params)}.
 *
 * @param sql PostgreSQL text with $1, $2 … placeholders ($1 is the team id)
 * @param params bound values in order (Long, Double, String, Boolean, UUID, OffsetDateTime, LocalDate)
 * @param columns output column names
 * @param types ClickHouse-style type of each output column
 * @param hogql the normalised HogQL (with the effective LIMIT)
 * @param limit the effective top-level limit (rows the caller returns; with extraRow the SQL asks for one more)
 * @param offset the top-level offset
 * @param ownLimit whether the query's own LIMIT (within the largest allowed) is the effective one: PostHog's HogQL
 *                 runner then answers no {@code hasMore} (it pages only queries without a LIMIT)
 */
public record CompiledQuery(String sql, List<Object> params, List<String> columns, List<String> types, String hogql,
        Integer limit, int offset, boolean ownLimit) {
    /** A compiled query whose limit is Quarry's (a default, or a cap of the query's own). */
    public CompiledQuery(String sql, List<Object> params, List<String> columns, List<String> types, String hogql,
                         Integer limit, int offset) {
        this(sql, params, columns, types, hogql, limit, offset, false);
    }
}
