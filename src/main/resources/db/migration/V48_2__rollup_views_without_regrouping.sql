-- The rollup views (V48_1) grouped every folded row again, though a folded row is the whole answer for its key unless
-- that key also has unfolded deltas: measured on 430 k folded person-days (20 k persons, load ≈ 28), a month of
-- person-days read 198 ms from the folded table and 414-435 ms through the view; a month of bitmaps 70 ms against
-- 159-196 ms. Now a folded row without deltas is returned as it is, and only keys with deltas (few: the fold runs
-- every few seconds) are grouped, with their folded row. Same rows as before.
CREATE OR REPLACE VIEW events_person_days AS
SELECT f.team_id, f.event, f.day, f.person_id, f.events, f.first_at, f.last_at
FROM events_person_days_folded f
WHERE NOT EXISTS (SELECT 1 FROM events_person_days_delta d
                  WHERE d.team_id = f.team_id AND d.event = f.event AND d.day = f.day AND d.person_id = f.person_id)
UNION ALL
SELECT d.team_id, d.event, d.day, d.person_id, (sum(d.events) + coalesce(max(f.events), 0))::bigint,
       least(min(d.first_at), min(f.first_at)), greatest(max(d.last_at), max(f.last_at))
FROM events_person_days_delta d
LEFT JOIN events_person_days_folded f
       ON f.team_id = d.team_id AND f.event = d.event AND f.day = d.day AND f.person_id = d.person_id
GROUP BY d.team_id, d.event, d.day, d.person_id;

CREATE OR REPLACE VIEW events_person_months AS
SELECT f.team_id, f.event, f.month, f.person_id, f.days
FROM events_person_months_folded f
WHERE NOT EXISTS (SELECT 1 FROM events_person_days_delta d
                  WHERE d.team_id = f.team_id AND d.event = f.event AND quarry_month_of(d.day) = f.month
                    AND d.person_id = f.person_id)
UNION ALL
SELECT d.team_id, d.event, d.month, d.person_id, bit_or(d.bit) | coalesce(max(f.days), 0)
FROM (SELECT team_id, event, quarry_month_of(day) AS month, person_id, quarry_day_bit(day) AS bit
      FROM events_person_days_delta) d
LEFT JOIN events_person_months_folded f
       ON f.team_id = d.team_id AND f.event = d.event AND f.month = d.month AND f.person_id = d.person_id
GROUP BY d.team_id, d.event, d.month, d.person_id;
