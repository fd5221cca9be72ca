-- How much JSON an activity log entry carries, kept with the row (as V125_58 for insights and cohorts): a list page
-- chooses its entries by their sizes and reads the detail of those it answers only (breaker pass 2 of 2026-12-06: a
-- page computed detail::text of all its 101 candidates before cutting, and 80 entries of 4 MB made every page and
-- the filter discovery run into the 5 s statement timeout).
ALTER TABLE activity_log ADD COLUMN detail_bytes integer GENERATED ALWAYS AS (octet_length(detail::text)) STORED;
