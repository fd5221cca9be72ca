-- The length of each group's properties as text: the groups list chooses its page by it before any properties are
-- read (a breaker's page of 40 groups of 7.2 MB each was read and parsed whole, 5 GB of heap for six reads).
ALTER TABLE groups ADD COLUMN properties_bytes integer GENERATED ALWAYS AS (octet_length(group_properties::text)) STORED;
