package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.MigratedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The person-day deltas as one row per (team, event, local day) of a statement with the events' person ids and times
 * as parallel arrays (V111_1): no person-day is lost or counted twice by the places that write, move or drop those
 * elements. Every step compares the {@code events_person_days} and {@code events_person_months} views with the events
 * grouped by (team, event, local day or month, person) and checks one person-day's count and times exactly: two
 * statements of one project in one transaction (capture's one-project path), a statement of two projects (the joined
 * path), a fold of one row between two reads, an upsert that updates a stored event and inserts new events of the
 * same key and of another person in the same row (the update trigger's recompute, then the insert trigger's path that
 * skips recomputed keys), a delete of one person's events from a row holding others, and a timezone change.
 */
class PersonDayDeltaRowsTest {
    static EmbeddedPostgres pg;
    static Connection conn;

    @BeforeAll
    static void start() throws Exception {
        pg = MigratedPostgres.start();
        conn = pg.getPostgresDatabase().getConnection();
        execute("""
                insert into organizations (id, name) values ('10000000-0000-0000-0000-000000000000', 'org');
                insert into teams (id, uuid, organization_id, name, api_token, timezone) values
                  (1, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'utc', 'tok1', 'UTC'),
                  (2, gen_random_uuid(), '10000000-0000-0000-0000-000000000000', 'tokyo', 'tok2', 'Asia/Tokyo');
                insert into persons (team_id, uuid, created_at)
                  select t, md5(t || '-p-' || i)::uuid, timestamptz '2024-01-01'
                  from generate_series(1, 2) t, generate_series(0, 9) i;
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        conn.close();
        pg.close();
    }

    static void execute(String sql) throws Exception {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    static String text(String sql) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Rows where the two views and the events disagree (both directions, both views). */
    static long differences() throws Exception {
        return Long.parseLong(text("""
                with days as (
                  select e.team_id, e.event, (e.timestamp at time zone t.timezone)::date as day, e.person_id,
                         count(*)::bigint as events, min(e.timestamp) as first_at, max(e.timestamp) as last_at
                  from events e join teams t on t.id = e.team_id group by 1, 2, 3, 4),
                months as (
                  select team_id, event, date_trunc('month', day)::date as month, person_id,
                         bit_or(1::bigint << (extract(day from day)::int - 1)) as days
                  from days group by 1, 2, 3, 4)
                select (select count(*) from ((select * from days except all select * from events_person_days)
                          union all (select * from events_person_days except all select * from days)) d)
                     + (select count(*) from ((select * from months except all select * from events_person_months)
                          union all (select * from events_person_months except all select * from months)) m)"""));
    }

    /** Person i of team 1's $pageview on 2024-03-01 (UTC) as "events first last" (times as epoch seconds). */
    static String personDay(int i) throws Exception {
        return text("select events || ' ' || extract(epoch from first_at)::bigint || ' ' "
                + "|| extract(epoch from last_at)::bigint from events_person_days where team_id = 1 "
                + "and event = '$pageview' and day = '2024-03-01' and person_id = md5('1-p-" + i + "')::uuid");
    }

    static String pageview(int person, String uuid, String at) {
        return "(1, " + uuid + ", '$pageview', 'd" + person + "', '{}', timestamptz '" + at + "', md5('1-p-" + person
                + "')::uuid)";
    }

    static final String INSERT = "insert into events (team_id, uuid, event, distinct_id, properties, timestamp, "
            + "person_id) values ";
    static final long T10 = 1709287200L; // 2024-03-01 10:00:00 UTC

    @Test
    void noPersonDayIsLostOrCountedTwice() throws Exception {
        // two one-project statements in one transaction: person 0 in both, person 1 in the first only
        conn.setAutoCommit(false);
        execute(INSERT + pageview(0, "'00000000-0000-0000-0000-000000000001'", "2024-03-01 10:00:00+00") + ","
                + pageview(0, "gen_random_uuid()", "2024-03-01 11:00:00+00") + ","
                + pageview(1, "gen_random_uuid()", "2024-03-01 12:00:00+00"));
        execute(INSERT + pageview(0, "gen_random_uuid()", "2024-03-01 09:00:00+00") + ","
                + pageview(2, "gen_random_uuid()", "2024-03-02 09:00:00+00"));
        conn.commit();
        conn.setAutoCommit(true);
        assertEquals("3", text("select count(*) from events_person_days_delta"),
                "one row per (event, day) of a statement: (day 1) and (day 1, day 2)");
        assertEquals("{3,1}", text("select array_agg(cardinality(person_ids) order by seq) "
                + "from events_person_days_delta where day = '2024-03-01'"));
        assertEquals("3 " + (T10 - 3600) + " " + (T10 + 3600), personDay(0));
        assertEquals(0, differences(), "two statements in one transaction");

        // a statement of two projects (Tokyo's day is UTC's + 9 h)
        execute(INSERT + pageview(3, "gen_random_uuid()", "2024-03-01 20:00:00+00") + ", "
                + "(2, gen_random_uuid(), '$pageview', 'd3', '{}', timestamptz '2024-03-01 20:00:00+00', "
                + "md5('2-p-3')::uuid)");
        assertEquals("2024-03-02", text("select day from events_person_days where team_id = 2"));
        assertEquals(0, differences(), "a statement of two projects");

        // a fold of one row between two reads
        String before = text("select string_agg(person_id || event || day || events || first_at || last_at, ',' "
                + "order by person_id, event, day) from events_person_days");
        assertEquals("1", text("select quarry_rollups_fold(1, 1)"));
        assertEquals(before, text("select string_agg(person_id || event || day || events || first_at || last_at, ',' "
                + "order by person_id, event, day) from events_person_days"), "the same rows after a partial fold");
        assertEquals("0", text("select count(*) from events_person_days_delta d, unnest(d.person_ids) p "
                + "where p = md5('1-p-1')::uuid"), "the folded row was the first statement's");
        assertEquals(0, differences(), "after a partial fold");

        // a retried event (stored, now moved by a second) with a new event of its key and one of another person
        execute(INSERT + pageview(0, "'00000000-0000-0000-0000-000000000001'", "2024-03-01 10:00:01+00") + ","
                + pageview(0, "gen_random_uuid()", "2024-03-01 13:00:00+00") + ","
                + pageview(4, "gen_random_uuid()", "2024-03-01 13:00:00+00")
                + " on conflict (team_id, uuid, event, distinct_id, timestamp_day) do update "
                + "set timestamp = excluded.timestamp");
        assertEquals("4 " + (T10 - 3600) + " " + (T10 + 3 * 3600), personDay(0));
        assertEquals("1 " + (T10 + 3 * 3600) + " " + (T10 + 3 * 3600), personDay(4));
        assertEquals(0, differences(), "an upsert that updates and inserts");

        // persons 1 (folded) and 6 deleted; 6 shares its delta row with 7, who keeps both events
        execute(INSERT + pageview(6, "gen_random_uuid()", "2024-03-01 14:00:00+00") + ","
                + pageview(7, "gen_random_uuid()", "2024-03-01 14:00:00+00") + ","
                + pageview(7, "gen_random_uuid()", "2024-03-01 15:00:00+00"));
        execute("delete from events where team_id = 1 and person_id in (md5('1-p-1')::uuid, md5('1-p-6')::uuid)");
        assertEquals("0", text("select count(*) from events_person_days where person_id in "
                + "(md5('1-p-1')::uuid, md5('1-p-6')::uuid)"));
        assertEquals("0", text("select count(*) from events_person_days_delta d, unnest(d.person_ids) p "
                + "where p in (md5('1-p-1')::uuid, md5('1-p-6')::uuid)"));
        assertEquals("2", text("select count(*) from events_person_days_delta d, unnest(d.person_ids) p "
                + "where p = md5('1-p-7')::uuid"), "person 7's elements written back");
        assertEquals("2 " + (T10 + 4 * 3600) + " " + (T10 + 5 * 3600), personDay(7));
        assertEquals("4 " + (T10 - 3600) + " " + (T10 + 3 * 3600), personDay(0));
        assertEquals(0, differences(), "a delete of one person of a row");

        // everything folded, then a timezone change rebuilds team 1 from its events
        text("select quarry_rollups_fold()");
        assertEquals("0", text("select count(*) from events_person_days_delta"));
        assertEquals("4 " + (T10 - 3600) + " " + (T10 + 3 * 3600), personDay(0));
        assertEquals(0, differences(), "after the fold");
        execute(INSERT + pageview(5, "gen_random_uuid()", "2024-03-01 23:30:00+00"));
        execute("update teams set timezone = 'America/New_York' where id = 1");
        assertEquals("0", text("select count(*) from events_person_days_delta where team_id = 1"));
        assertEquals(0, differences(), "after a timezone change");
    }
}
