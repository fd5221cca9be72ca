-- HogQL's `IN COHORT 'name'` looks the name up among the team's cohorts inside the query, which runs as
-- quarry_query_reader: it may read only the columns needed for that (not the cohorts' filters or queries).
GRANT SELECT (team_id, id, name, deleted) ON cohorts TO quarry_query_reader;
