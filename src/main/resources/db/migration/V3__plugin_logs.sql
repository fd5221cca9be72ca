-- The log listing reads newest first with id as tie-break; with both in the index a page is a plain index
-- scan with no sort, and `type` included lets counts under a type filter stay index-only.
DROP INDEX plugin_log_entries_config_time;
CREATE INDEX plugin_log_entries_config_time
    ON plugin_log_entries (team_id, plugin_config_id, timestamp DESC, id DESC) INCLUDE (type);
