-- The project's whole activity log in time order (PostHog's activity_log and advanced_activity_logs lists, every
-- scope, newest or oldest first, keyset pages on (created_at, id)); the scope indexes serve one scope only.
CREATE INDEX activity_log_team_time ON activity_log (team_id, created_at, id);
