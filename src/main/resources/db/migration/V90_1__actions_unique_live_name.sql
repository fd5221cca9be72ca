-- PostHog's ActionSerializer.validate refuses a live action whose name (exact, case-sensitive) another live action of
-- the project has. Checked in the application only, two concurrent creates both passed; this index makes the rule
-- hold under concurrency (the application turns its violation into PostHog's 400). Unnamed actions are not checked.
-- Live duplicates left by that race keep their lowest id's name; the later ones get " (ID n)" appended first.
UPDATE actions a SET name = a.name || ' (ID ' || a.id || ')', updated_at = now()
WHERE NOT a.deleted AND a.name IS NOT NULL
  AND EXISTS (SELECT 1 FROM actions b WHERE b.team_id = a.team_id AND b.name = a.name AND NOT b.deleted AND b.id < a.id);

CREATE UNIQUE INDEX actions_team_live_name ON actions (team_id, name) WHERE NOT deleted AND name IS NOT NULL;
