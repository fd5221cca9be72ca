package dev.quarry.capture;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Distinct ids PostHog never merges through: placeholders a buggy client sends for every user. Blank (after
 * trimming) is illegal; {@code anonymous, guest, distinctid, distinct_id, id, not_authenticated, email, undefined,
 * true, false} are illegal in any casing; {@code [object Object], NaN, None, none, null, 0, undefined} only exactly
 * as written (so {@code nan} is a legal id). Each of them is also illegal wrapped in single or double quotes.
 * An event with such an id is still stored and gets its own person; only {@code $identify}, {@code $create_alias}
 * and {@code $merge_dangerously} refuse to join it to another id (ingestion warning
 * {@code cannot_merge_with_illegal_distinct_id}).
 */
public final class IllegalDistinctIds {
    private static final List<String> ANY_CASE = List.of("anonymous", "guest", "distinctid", "distinct_id", "id",
            "not_authenticated", "email", "undefined", "true", "false");
    private static final List<String> EXACT = List.of("[object Object]", "NaN", "None", "none", "null", "0",
            "undefined");
    private static final Set<String> ANY_CASE_QUOTED = quoted(ANY_CASE);
    private static final Set<String> EXACT_QUOTED = quoted(EXACT);

    private IllegalDistinctIds() {
    }

    public static boolean isIllegal(String id) {
        return id == null || id.trim().isEmpty() || ANY_CASE_QUOTED.contains(id.toLowerCase(Locale.ROOT))
                || EXACT_QUOTED.contains(id);
    }

    /** Every illegal id of the lists (quoted forms included), lower-cased for those that match in any casing. */
    public static List<String> anyCaseForms() {
        return List.copyOf(ANY_CASE_QUOTED);
    }

    public static List<String> exactForms() {
        return List.copyOf(EXACT_QUOTED);
    }

    private static Set<String> quoted(List<String> ids) {
        Set<String> all = new HashSet<>();
        for (String id : ids) {
            all.add(id);
            all.add("'" + id + "'");
            all.add("\"" + id + "\"");
        }
        return Set.copyOf(all);
    }
}
