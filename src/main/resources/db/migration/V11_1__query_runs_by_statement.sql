-- Admission counts statements, not ids: each run of a query has its own row, so N requests that reuse one
-- client_query_id take N rows and are held to the per-project limit like any others. query_id stays for cancel
-- (DELETE query/:id stops every run of that id).
ALTER TABLE query_runs DROP CONSTRAINT query_runs_pkey;
ALTER TABLE query_runs ADD COLUMN run_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE query_runs ADD PRIMARY KEY (team_id, run_id);
CREATE INDEX query_runs_team_query ON query_runs (team_id, query_id);

-- Cohort recalculation backs off a cohort that keeps failing (PostHog's errors_calculating and last_error_at).
ALTER TABLE cohorts ADD COLUMN last_error_at timestamptz;
