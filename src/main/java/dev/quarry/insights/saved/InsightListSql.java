package dev.quarry.insights.saved;

import java.util.ArrayList;
import java.util.List;

/**
 * One statement answering a page of a team's insights list under an {@link InsightListFilter}: its rows are
 * {@code (total, id, is_exact, query_bytes)}, one row with a null id when the page is empty (the total still counted). Every value
 * is a bind parameter; the team is {@code $1}.
 * <p>
 * The search follows PostHog's saved-list search ({@code apply_trigram_search} over {@code name} (word and full
 * similarity), {@code derived_name}, {@code description} (word similarity at half weight) and tag names): an insight
 * is an <em>exact</em> match when the term is a case-insensitive substring of its name, derived name, description or
 * one of its tags, a <em>similar</em> one when only pg_trgm's word similarity passes (above 0.3 for the names, 0.4 for
 * the description). Similar matches are answered only when there is no exact one. Without an {@code order} a search
 * ranks by PostHog's score (word similarities, the name's counted with its full-string similarity, the description's
 * at half weight), then by name; a list without either is last modified first.
 */
public final class InsightListSql {
    private static final String WRAPPERS = "('DataTableNode', 'DataVisualizationNode', 'InsightVizNode')";
    private static final List<String> INSIGHT_KINDS = List.of("TRENDS", "FUNNELS", "RETENTION", "PATHS", "STICKINESS",
            "LIFECYCLE");
    private static final List<String> QUERY_KINDS = List.of("TrendsQuery", "FunnelsQuery", "RetentionQuery",
            "PathsQuery", "StickinessQuery", "LifecycleQuery");

    /** The statement and its parameters after the team ({@code $2} onwards). */
    public record Statement(String sql, List<Object> parameters) {
    }

    private InsightListSql() {
    }

    /** The page {@code [offset, offset + limit)} of the filtered list. */
    public static Statement page(InsightListFilter f, int limit, int offset) {
        List<Object> params = new ArrayList<>();
        List<String> where = new ArrayList<>();
        where.add("i.team_id = $1");
        where.add("NOT i.deleted");
        if (f.shortId() != null) {
            where.add("i.short_id = " + bind(params, f.shortId()));
        }
        if (f.saved() != null) {
            where.add("i.saved = " + bind(params, f.saved()));
        }
        if (f.favoritedOnly()) {
            where.add("i.favorited");
        }
        if (f.createdBy() != null) {
            where.add("i.created_by_id = ANY(" + bind(params, f.createdBy().toArray(Long[]::new)) + "::bigint[])");
        }
        if (f.tags() != null) {
            where.add("i.tags && " + bind(params, f.tags().toArray(String[]::new)) + "::text[]");
        }
        if (f.dashboards() != null) {
            where.add("false"); // no insight is on a dashboard: Quarry keeps none
        }
        if (f.kind() != null) {
            where.add(kind(f.kind(), params));
        }
        bound(where, params, "i.last_modified_at", f.modifiedAfter(), f.modifiedBefore());
        bound(where, params, "i.created_at", f.createdAfter(), f.createdBefore());
        String viewed = "(SELECT max(v.last_viewed_at) FROM insight_viewed v WHERE v.team_id = i.team_id "
                + "AND v.insight_id = i.id)";
        // every filter narrows the list before the search looks for exact matches (PostHog applies its search last)
        bound(where, params, viewed, f.viewedAfter(), f.viewedBefore());

        String exact = "NULL::boolean";
        String similar = "false";
        String score = "0::real";
        if (f.search() != null) {
            String term = bind(params, f.search());
            String pattern = bind(params, "%" + f.search().replace("\\", "\\\\")
                    .replace("%", "\\%").replace("_", "\\_") + "%");
            exact = "(coalesce(i.name, '') ILIKE " + pattern + " OR coalesce(i.derived_name, '') ILIKE " + pattern
                    + " OR coalesce(i.description, '') ILIKE " + pattern
                    + " OR EXISTS (SELECT 1 FROM unnest(i.tags) t(name) WHERE t.name ILIKE " + pattern + "))";
            similar = "(word_similarity(" + term + ", coalesce(i.name, '')) > 0.3 OR word_similarity(" + term
                    + ", coalesce(i.derived_name, '')) > 0.3 OR word_similarity(" + term
                    + ", coalesce(i.description, '')) > 0.4)";
            score = "(word_similarity(" + term + ", coalesce(i.name, '')) + similarity(coalesce(i.name, ''), " + term
                    + ") + word_similarity(" + term + ", coalesce(i.derived_name, '')) + 0.5 * word_similarity("
                    + term + ", coalesce(i.description, '')))";
        }
        StringBuilder sql = new StringBuilder("WITH listed AS (SELECT i.id, i.short_id, i.name, i.derived_name, "
                + "i.description, i.created_at, i.last_modified_at, i.favorited, i.saved, i.created_by_id, "
                + "i.last_modified_by_id, i.query_bytes, " + viewed + " AS last_viewed_at, " + exact + " AS is_exact, " + similar
                + " AS is_similar, " + score + " AS score FROM insights i WHERE " + String.join(" AND ", where) + "), ");
        List<String> matched = new ArrayList<>();
        matched.add("true");
        if (f.search() != null) {
            matched.add("(is_exact OR is_similar)");
            matched.add("(is_exact OR NOT EXISTS (SELECT 1 FROM listed WHERE is_exact))");
        }
        sql.append("matched AS (SELECT * FROM listed WHERE ").append(String.join(" AND ", matched)).append(") ");
        String limitParam = bind(params, limit);
        String offsetParam = bind(params, offset);
        sql.append("SELECT c.total, m.id, m.is_exact, m.query_bytes FROM (SELECT count(*) AS total FROM matched) c ")
                .append("LEFT JOIN LATERAL (SELECT id, is_exact, query_bytes FROM matched ORDER BY ").append(orderBy(f))
                .append(" LIMIT ").append(limitParam).append(" OFFSET ").append(offsetParam).append(") m ON true");
        return new Statement(sql.toString(), params);
    }

    /** PostHog's {@code insight} filter on the stored query (Quarry stores no legacy {@code filters}). */
    private static String kind(String kind, List<Object> params) {
        String wrapper = "coalesce(i.query->>'kind', '') IN " + WRAPPERS;
        String source = "coalesce(i.query->'source'->>'kind', '')";
        int index = INSIGHT_KINDS.indexOf(kind);
        if (index >= 0) {
            return "(i.query->>'kind' = 'InsightVizNode' AND i.query->'source'->>'kind' = "
                    + bind(params, QUERY_KINDS.get(index)) + ")";
        }
        if (kind.equals("SQL")) {
            return "(" + wrapper + " AND " + source + " = 'HogQLQuery')";
        }
        if (kind.equals("JSON")) {
            return "(i.query IS NOT NULL AND jsonb_typeof(i.query) <> 'null' AND NOT (" + wrapper + " AND " + source
                    + " = 'HogQLQuery') AND NOT (" + wrapper + " AND " + source + " = ANY("
                    + bind(params, QUERY_KINDS.toArray(String[]::new)) + "::text[])))";
        }
        return "false"; // a legacy insight type: only insights saved with legacy filters, which Quarry does not keep
    }

    private static String orderBy(InsightListFilter f) {
        String order = f.order();
        if (order == null) {
            return f.search() != null ? "score DESC, name ASC, id ASC" : "last_modified_at DESC, id DESC";
        }
        boolean descending = order.startsWith("-");
        String field = descending ? order.substring(1) : order;
        String column = switch (field) {
            case "created_by" -> "created_by_id";
            case "last_modified_by" -> "last_modified_by_id";
            case "updated_at" -> "last_modified_at";
            case "order" -> "NULL::int";
            default -> field;
        };
        if (field.equals("last_viewed_at")) {
            return descending ? "last_viewed_at DESC NULLS LAST, id DESC" : "last_viewed_at ASC NULLS FIRST, id ASC";
        }
        return column + (descending ? " DESC" : " ASC") + (descending ? ", id DESC" : ", id ASC");
    }

    private static void bound(List<String> where, List<Object> params, String column, Object after, Object before) {
        if (after != null) {
            where.add(column + " > " + bind(params, after));
        }
        if (before != null) {
            where.add(column + " < " + bind(params, before));
        }
    }

    private static String bind(List<Object> params, Object value) {
        params.add(value);
        return "$" + (params.size() + 1);
    }
}
