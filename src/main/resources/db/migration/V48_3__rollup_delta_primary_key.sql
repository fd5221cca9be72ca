-- Every tenant table has a primary key leading with team_id (SchemaDistributionTest: the rule that keeps a team's
-- rows on one shard). The delta table (V48_1) had none on purpose (a plain heap insert at capture); a key on
-- (team_id, seq) with an identity seq costs one right-edge index entry per delta row, no conflict check and no shared
-- row between batches.
ALTER TABLE events_person_days_delta ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE events_person_days_delta ADD PRIMARY KEY (team_id, seq);
