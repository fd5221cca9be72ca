-- A per-project version of the property definitions' types: a PATCH that changes a property's type bumps it (and drops
-- the project's cached answers) in one transaction; a query reads it before its definitions and stores its answer only
-- if it is unchanged then (QueryCache.put), so an answer computed with the old type is not stored after the drop.
ALTER TABLE teams ADD COLUMN definitions_version bigint NOT NULL DEFAULT 0;
