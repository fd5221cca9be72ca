-- Cached answers and async results keep the JSON text Quarry rendered: jsonb reprints numbers in plain notation
-- (1.0E308 came back as a 309-digit integer, 1.5E7 as 15000000), so a cached answer differed from the fresh one.
ALTER TABLE query_cache ALTER COLUMN response TYPE text USING response::text;
-- An async query's results, beside its status (the status is merged as jsonb, the results are kept as text).
ALTER TABLE query_status ADD COLUMN results text;
