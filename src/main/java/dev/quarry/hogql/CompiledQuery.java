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
 */
public record CompiledQuery(String sql, List<Object> params, List<String> columns, List<String> types, String hogql,
        Integer limit, int offset) {}
