package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every form of an events-to-sessions join goes by the stored key ({@code events.session_key}, V97_1, indexed with
 * the team), not by a text made from each event's {@code $session_id} (a regular expression and a cast per event:
 * at 1 M events the larger part of a session breakdown's time), and a sessions table joined by hand is pruned by the
 * events' range, as PostHog's where_clause_extractor.py takes any {@code timestamp} field of the query. The answers
 * are in SessionJoinsTest; this checks the SQL the fast path depends on.
 */
class SessionJoinSqlTest {
    private static String sql(String hogql) {
        return HogQLCompiler.compileSelect(hogql, CompileSettings.of(1)).sql();
    }

    @Test
    void lazyJoinIsOnTheStoredKey() {
        String s = sql("SELECT session.$channel_type, count() FROM events WHERE timestamp >= '2026-01-01' "
                + "AND timestamp < '2026-01-08' GROUP BY 1");
        assertTrue(s.contains("\"events__session\".\"session_key\" = \"events\".\"session_key\""), s);
        assertTrue(s.contains("hogql_sessions_between("), s);
        assertFalse(s.contains("quarry_session_text"), s);
    }

    @Test
    void sessionFilterComparesKeys() {
        Expr filter = SessionsTable.filter("$entry_pathname", "exact", TextNode.valueOf("/home"));
        String s = HogQLCompiler.compileSelect("SELECT count() FROM events WHERE timestamp >= '2026-01-01' AND {f}",
                CompileSettings.of(1).withValues(Map.of("f", filter))).sql();
        assertTrue(s.contains("\"events\".\"session_key\" IN (SELECT \"sessions\".\"session_key\""), s);
        assertFalse(s.contains("quarry_session_text"), s);
        // is_not: events without a session pass (IS NULL), the others by NOT IN over keys that are never NULL
        Expr not = SessionsTable.filter("$entry_pathname", "is_not", TextNode.valueOf("/home"));
        String n = HogQLCompiler.compileSelect("SELECT count() FROM events WHERE timestamp >= '2026-01-01' AND {f}",
                CompileSettings.of(1).withValues(Map.of("f", not))).sql();
        assertTrue(n.contains("\"events\".\"session_key\" IS NULL"), n);
        assertTrue(n.contains("\"events\".\"session_key\" NOT IN (SELECT \"sessions\".\"session_key\""), n);
    }

    @Test
    void handWrittenJoinAddsTheKeyAndTakesTheEventsRange() {
        for (String on : new String[] {"e.$session_id = s.session_id", "s.id = e.$session_id",
                "equals(e.$session_id, s.session_id)"}) {
            String s = sql("SELECT s.$channel_type, count() FROM events e LEFT JOIN sessions s ON " + on
                    + " WHERE e.timestamp >= '2026-01-01' AND e.timestamp < '2026-01-08' GROUP BY 1");
            assertTrue(s.contains("\"e\".\"session_key\" = \"s\".\"session_key\""), s);
            assertTrue(s.contains("LEFT JOIN hogql_sessions_between("), s);
        }
        // sessions first: the same
        String s = sql("SELECT s.session_id, count() FROM sessions s JOIN events e ON s.session_id = e.$session_id "
                + "WHERE e.timestamp >= '2026-01-01' GROUP BY 1");
        assertTrue(s.contains("\"e\".\"session_key\" = \"s\".\"session_key\""), s);
        assertTrue(s.contains("FROM hogql_sessions_between("), s);
        // another condition is left as written, and an OR bounds nothing (the whole view)
        String other = sql("SELECT count() FROM events e JOIN sessions s ON e.distinct_id = s.distinct_id "
                + "WHERE (e.timestamp >= '2026-01-01') OR 1 = 0");
        assertFalse(other.contains("session_key"), other);
        assertTrue(other.contains("\"hogql_sessions\" AS \"s\""), other);
    }
}
