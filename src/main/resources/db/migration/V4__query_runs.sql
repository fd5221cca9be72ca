-- Queries running right now, by team: admission control (at most N per team) and cancel from any instance
-- (pg_cancel_backend on the recorded backend). A row whose backend is gone no longer counts.
CREATE TABLE query_runs (
    team_id      bigint NOT NULL,
    query_id     text NOT NULL,
    backend_pid  integer NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, query_id)
);

-- User queries (HogQL and the insight runners) run under this role: read-only, and only the tables HogQL exposes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        CREATE ROLE quarry_query_reader NOLOGIN;
    END IF;
END
$$;
GRANT quarry_query_reader TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO quarry_query_reader;
GRANT SELECT ON events, persons, person_distinct_ids, person_overrides, cohort_people, query_log
    TO quarry_query_reader;
