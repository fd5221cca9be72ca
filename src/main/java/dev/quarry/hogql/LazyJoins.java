package dev.quarry.hogql;

import static dev.quarry.hogql.PostgresPrinter.q;

import dev.quarry.hogql.Resolver.Source;

/**
 * The LEFT JOINs a table source gets when its fields reach beyond its own row, as PostHog's lazy joins do: the
 * person override of its stored person id, the person itself ({@code person.properties...}) and, for events, the
 * session of its {@code $session_id} ({@code session.$session_duration}), and its groups
 * ({@code group_0.properties.x}: the groups row of index N whose key is the event's {@code $group_N}). Each join is walled to the team by its own
 * {@code team_id = $team} condition, so a joined row of another project never matches.
 */
final class LazyJoins {
    private LazyJoins() {
    }

    /**
     * The joins {@code src} needs, each starting with a space ({@code ""} when it needs none).
     *
     * @param team the bind parameter holding the team id
     * @param personId the SQL of the source's effective person id, when it needs the person
     * @param sessions the SQL of the sessions table it reads, when it needs the session ({@link SessionRanges}: the
     *     pruned function when the query's time range is known)
     */
    static String sql(Source src, String team, String personId, String sessions) {
        StringBuilder sb = new StringBuilder();
        String a = q(src.sqlAlias);
        if (src.needsOverride) {
            join(sb, q("person_overrides"), src.sqlAlias + "__override", team, "old_person_id",
                    a + '.' + q(src.table.personIdColumn()));
        }
        if (src.needsPerson) {
            join(sb, q("persons"), src.sqlAlias + "__person", team, "uuid", personId);
        }
        if (src.needsSession) {
            // the event's stored key (V97_1: the UUID of its $session_id, NULL when none, so such an event keeps
            // its row with NULL session columns, as in PostHog's LEFT JOIN) against the sessions' own key
            join(sb, sessions, src.sqlAlias + "__session", team, "session_key", a + ".\"session_key\"");
        }
        for (int g = 0; g < src.needsGroup.length; g++) {
            if (src.needsGroup[g]) {
                // the group of type g the event names in $group_g ('' when none: no group has that key)
                String j = q(src.sqlAlias + "__group_" + g);
                sb.append(" LEFT JOIN ").append(q("groups")).append(" AS ").append(j).append(" ON ").append(j)
                        .append(".\"team_id\" = ").append(team).append(" AND ").append(j)
                        .append(".\"group_type_index\" = ").append(g).append(" AND ").append(j)
                        .append(".\"group_key\" = ").append(a).append('.').append(q("group_" + g));
            }
        }
        return sb.toString();
    }

    private static void join(StringBuilder sb, String table, String alias, String team, String column, String value) {
        String j = q(alias);
        sb.append(" LEFT JOIN ").append(table).append(" AS ").append(j).append(" ON ").append(j)
                .append(".\"team_id\" = ").append(team).append(" AND ").append(j).append('.').append(q(column))
                .append(" = ").append(value);
    }
}
