-- api_calls is tenant data like every other table: its primary key leads with team_id (Citus-ready). Calls that
-- name no project (bad credentials, unknown project or token) are kept under team_id 0, which is no team.
ALTER TABLE api_calls DROP CONSTRAINT api_calls_pkey;
UPDATE api_calls SET team_id = 0 WHERE team_id IS NULL;
ALTER TABLE api_calls ALTER COLUMN team_id SET NOT NULL;
ALTER TABLE api_calls ADD PRIMARY KEY (team_id, id);
