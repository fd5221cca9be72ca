-- How much JSON a saved insight and a cohort carry, kept with the row so that a list page can stop before the
-- response limit without reading the rows it will not answer (the breaker's F8 of 2026-12-06: a page of 100 insights
-- whose queries were ~2 MB each, all legal, was read and parsed whole — 2.2 GB of heap a request, connections held
-- until other projects' requests timed out — before the page was cut to the 3 insights an answer can carry).
-- Generated, so every write keeps them true; the tables are small (one row per saved item), so the rewrite is quick.
ALTER TABLE insights ADD COLUMN query_bytes integer
    GENERATED ALWAYS AS (coalesce(octet_length(query::text), 0)) STORED;

ALTER TABLE cohorts ADD COLUMN json_bytes integer
    GENERATED ALWAYS AS (coalesce(octet_length(filters::text), 0) + coalesce(octet_length(groups::text), 0)
        + coalesce(octet_length(query::text), 0)) STORED;
