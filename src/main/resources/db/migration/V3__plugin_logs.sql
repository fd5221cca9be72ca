-- The log listing reads newest first with id as tie-break; with both in the index a page is a plain index
-- scan with no sort, and `type` included lets counts under a type filter stay index-only.
DROP INDEX plugin_log_entries_config_time;
CREATE INDEX plugin_log_entries_config_time
    ON plugin_log_entries (team_id, plugin_config_id, timestamp DESC, id DESC) INCLUDE (type);

-- A config belongs to one team, so the two columns are far from independent; without this the planner
-- multiplies their frequencies, expects a quarter of the table, and counts by sequential scan.
CREATE STATISTICS plugin_log_entries_team_config (dependencies, mcv)
    ON team_id, plugin_config_id FROM plugin_log_entries;

-- `search` is a substring match (ILIKE '%…%'), which no btree serves; trigrams let a rare term be found
-- without reading every entry of the config. pg_trgm is a trusted extension (PostgreSQL 13+, RDS/Aurora).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX plugin_log_entries_message_trgm ON plugin_log_entries USING gin (message gin_trgm_ops);
