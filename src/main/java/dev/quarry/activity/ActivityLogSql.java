package dev.quarry.activity;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The statements of a project's activity log lists under an {@link ActivityLogFilter}: every value a bind parameter
 * (detail paths as {@code text[]}), the team {@code $1}. A page's rows are {@code (id, scope, item_id, activity,
 * detail, created_at, user_id, user uuid, distinct_id, first_name, email, detail bytes, rows of the page, elided,
 * name, short_id)}, in the page's order. The page's entries are chosen by their stored sizes ({@code detail_bytes},
 * V125_59) and stop once they add up to more than the given byte budget (the row that crosses it is the last); only
 * the chosen entries' details are read, so that no page reads more than an answer can carry. An entry larger than the
 * whole budget comes without its detail ({@code elided}, its name and short id instead).
 */
public final class ActivityLogSql {
    /** The statement and its parameters after the team ({@code $2} onwards). */
    public record Statement(String sql, List<Object> parameters) {
    }

    /** Where a cursor page starts: after the entry with this time and id, in the page's order. */
    public record Position(OffsetDateTime createdAt, UUID id) {
    }

    private ActivityLogSql() {
    }

    /**
     * Entries {@code [offset, offset + limit)} of the filtered list, newest first unless {@code ascending}, after
     * {@code after} when given (keyset), the page cut after the row whose details reach {@code byteBudget}.
     */
    public static Statement page(ActivityLogFilter f, boolean ascending, Position after, long offset, int limit,
                                 long byteBudget) {
        List<Object> params = new ArrayList<>();
        List<String> where = conditions(f, params);
        String order = ascending ? "created_at, id" : "created_at DESC, id DESC";
        if (after != null) {
            where.add("(a.created_at, a.id) " + (ascending ? ">" : "<") + " (" + bind(params, after.createdAt())
                    + "::timestamptz, " + bind(params, after.id()) + "::uuid)");
        }
        String budget = bind(params, byteBudget) + "::bigint";
        // the page's candidates by their stored sizes only; an entry larger than the whole budget is answered with its
        // detail left out (counted small), so that it neither hides the entries after it nor is read
        String candidates = "SELECT a.id, a.created_at, CASE WHEN a.detail_bytes > " + budget + " THEN " + ELIDED_BYTES
                + " ELSE a.detail_bytes END AS counted, a.detail_bytes > " + budget + " AS elided FROM activity_log a"
                + (f.users() != null ? " LEFT JOIN users u ON u.id = a.user_id" : "") + " WHERE "
                + String.join(" AND ", where) + " ORDER BY a." + order.replace(", ", ", a.") + " LIMIT "
                + bind(params, limit) + "::int OFFSET " + bind(params, offset) + "::bigint";
        String cut = "SELECT c.*, sum(c.counted) OVER (ORDER BY " + order
                + ") AS running, count(*) OVER () AS rows FROM (" + candidates + ") AS c";
        String sql = "SELECT a.id, a.scope, a.item_id, a.activity, CASE WHEN k.elided THEN NULL ELSE a.detail::text END, "
                + "a.created_at, a.user_id, u.uuid::text, u.distinct_id, u.first_name, u.email, a.detail_bytes, k.rows, "
                + "k.elided, CASE WHEN k.elided THEN a.detail ->> 'name' END, CASE WHEN k.elided THEN a.detail ->> "
                + "'short_id' END FROM (" + cut + ") AS k JOIN activity_log a ON a.team_id = $1 AND a.id = k.id "
                + "LEFT JOIN users u ON u.id = a.user_id WHERE k.running - k.counted <= " + budget
                + " ORDER BY k." + order.replace(", ", ", k.");
        return new Statement(sql, params);
    }

    /** What an entry whose detail is left out counts for in a page's budget. */
    static final long ELIDED_BYTES = 1024;

    /** How many entries the filtered list holds (page-number pages answer it as {@code count}). */
    public static Statement count(ActivityLogFilter f) {
        List<Object> params = new ArrayList<>();
        List<String> where = conditions(f, params);
        boolean needsUser = f.users() != null;
        return new Statement("SELECT count(*) FROM activity_log a"
                + (needsUser ? " LEFT JOIN users u ON u.id = a.user_id" : "") + " WHERE " + String.join(" AND ", where),
                params);
    }

    private static List<String> conditions(ActivityLogFilter f, List<Object> params) {
        List<String> where = new ArrayList<>();
        where.add("a.team_id = $1");
        if (f.matchesNothing()) {
            where.add("false");
            return where;
        }
        if (f.users() != null) {
            where.add("u.uuid = ANY(" + bind(params, f.users().toArray(UUID[]::new)) + "::uuid[])");
        }
        if (f.scopes() != null) {
            where.add("a.scope = ANY(" + bind(params, f.scopes().toArray(String[]::new)) + "::text[])");
        }
        if (f.activities() != null) {
            where.add("a.activity = ANY(" + bind(params, f.activities().toArray(String[]::new)) + "::text[])");
        }
        if (f.itemIds() != null) {
            where.add("a.item_id = ANY(" + bind(params, f.itemIds().toArray(String[]::new)) + "::text[])");
        }
        if (f.startDate() != null) {
            where.add("a.created_at >= " + bind(params, f.startDate()) + "::timestamptz");
        }
        if (f.endDate() != null) {
            where.add("a.created_at <= " + bind(params, f.endDate()) + "::timestamptz");
        }
        if (f.searchText() != null) {
            where.add("a.detail::text ILIKE " + bind(params, pattern(f.searchText())));
        }
        if (Boolean.TRUE.equals(f.isSystem())) {
            where.add("a.user_id IS NULL");
        } else if (Boolean.FALSE.equals(f.isSystem())) {
            where.add("a.user_id IS NOT NULL");
        }
        if (f.detailFilters() != null) {
            for (ActivityLogFilter.DetailFilter filter : f.detailFilters()) {
                where.add(detail(filter, "a.detail", 0, params));
            }
        }
        return where;
    }

    /**
     * One detail filter on the JSON {@code json}, from step {@code step} of its path on: the keys of that step read
     * with {@code #>}; an array step matches when any element matches the rest of the path.
     */
    private static String detail(ActivityLogFilter.DetailFilter filter, String json, int step, List<Object> params) {
        if (filter.values().stream().allMatch(JsonNode::isNull)) {
            return "false"; // an empty or all-null `in`: PostHog's field__in=[] matches nothing
        }
        List<String> keys = filter.steps().get(step);
        String path = bind(params, keys.toArray(String[]::new)) + "::text[]";
        boolean last = step == filter.steps().size() - 1;
        if (!last && filter.operation().equals("contains")) {
            // PostHog: the array's whole JSON text contains the value
            return "((" + json + " #> " + path + ")::text ILIKE " + bind(params, pattern(text(filter.values().get(0))))
                    + ")";
        }
        if (!last) {
            String element = "e" + step;
            String array = json + " #> " + path;
            return "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(" + array + ") = 'array' THEN "
                    + array + " ELSE '[]'::jsonb END) AS " + element + "(v) WHERE "
                    + detail(filter, element + ".v", step + 1, params) + ")";
        }
        if (filter.operation().equals("contains")) {
            return "((" + json + " #>> " + path + ") ILIKE " + bind(params, pattern(text(filter.values().get(0))))
                    + ")";
        }
        Set<String> texts = new LinkedHashSet<>();
        List<String> containers = new ArrayList<>();
        for (JsonNode value : filter.values()) {
            if (value.isContainerNode()) {
                containers.add(value.toString());
            } else if (!value.isNull()) {
                texts.addAll(variants(value));
            }
        }
        List<String> any = new ArrayList<>();
        if (!texts.isEmpty()) {
            any.add("(" + json + " #>> " + path + ") = ANY(" + bind(params, texts.toArray(String[]::new))
                    + "::text[])");
        }
        if (!containers.isEmpty()) {
            any.add("(" + json + " #> " + path + ") = ANY(" + bind(params, containers.toArray(String[]::new))
                    + "::text[]::jsonb[])");
        }
        return any.isEmpty() ? "false" : "(" + String.join(" OR ", any) + ")";
    }

    /**
     * The texts a stored scalar may have and still match {@code value}, as PostHog's type-insensitive match: the
     * value itself, {@code true}/{@code false} for {@code "true"}/{@code "1"}/{@code "false"}/{@code "0"}, and for a
     * boolean its Python spellings and {@code 1}/{@code 0}.
     */
    static List<String> variants(JsonNode value) {
        Set<String> out = new LinkedHashSet<>();
        if (value.isBoolean()) {
            boolean b = value.booleanValue();
            out.add(b ? "true" : "false");
            out.add(b ? "True" : "False");
            out.add(b ? "1" : "0");
        } else {
            String text = value.asText();
            out.add(text);
            if (value.isTextual()) {
                String lower = text.strip().toLowerCase(java.util.Locale.ROOT);
                if (lower.equals("true") || lower.equals("1")) {
                    out.add("true");
                } else if (lower.equals("false") || lower.equals("0")) {
                    out.add("false");
                }
            }
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode value) {
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /** A case-insensitive substring pattern of {@code text} for ILIKE (its own %, _ and \ matched literally). */
    static String pattern(String text) {
        return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    private static String bind(List<Object> params, Object value) {
        params.add(value);
        return "$" + (params.size() + 1);
    }
}
