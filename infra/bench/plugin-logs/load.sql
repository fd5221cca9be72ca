\o /dev/null
-- 1,000,000 entries for the measured config (team 1, config 1) over 30 days, plus noise:
-- 500,000 for another config of team 1 and 500,000 for team 2, interleaved in time with the measured ones.
INSERT INTO organizations (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'bench');
INSERT INTO teams (id, uuid, organization_id, name, api_token)
VALUES (1, '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-000000000001', 'bench', 'phc_bench1'),
       (2, '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-000000000001', 'noise', 'phc_bench2');
INSERT INTO plugin_configs (team_id, id, plugin_id, enabled) OVERRIDING SYSTEM VALUE
VALUES (1, 1, 11, true), (1, 2, 12, true), (2, 3, 13, true);

CREATE FUNCTION pg_temp.load(team bigint, config bigint, plugin int, n int) RETURNS void LANGUAGE sql AS $$
INSERT INTO plugin_log_entries (team_id, plugin_config_id, id, plugin_id, timestamp, source, type, message, instance_id)
SELECT team, config, gen_random_uuid(), plugin,
       timestamptz '2024-01-01 00:00:00+00' + (i * (30 * 86400.0 / n)) * interval '1 second',
       (ARRAY['PLUGIN', 'PLUGIN', 'PLUGIN', 'CONSOLE', 'SYSTEM'])[1 + i % 5],
       CASE WHEN i % 100 = 0 THEN 'ERROR' WHEN i % 20 = 1 THEN 'WARN' WHEN i % 7 = 2 THEN 'DEBUG'
            WHEN i % 5 = 3 THEN 'LOG' ELSE 'INFO' END,
       CASE WHEN i % 1000 = 0 THEN 'Request timeout after 30000 ms for batch ' || i
            ELSE 'Processed event ' || i || ' for distinct id user-' || (i % 5000) END,
       '00000000-0000-0000-0000-000000000100'::uuid
FROM generate_series(1, n) AS i
$$;
SELECT pg_temp.load(1, 1, 11, 1000000);
SELECT pg_temp.load(1, 2, 12, 500000);
SELECT pg_temp.load(2, 3, 13, 500000);
VACUUM ANALYZE plugin_log_entries;
