-- A project's expired cache entries, which each cache put removes a few of (QueryCache.PUT_SQL).
CREATE INDEX query_cache_team_expiry ON query_cache (team_id, expires_at);
