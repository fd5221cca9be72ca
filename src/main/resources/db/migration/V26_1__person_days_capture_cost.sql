-- Capture cost of the person-day rollup (V18_3), which every capture batch upserts in its own transaction:
-- * events_person_days_first (team, event, first_at) is read by no query (the runners filter on team, event and day,
--   which the primary key serves), yet every batch paid one insert into it per row, and because first_at is indexed
--   every later upsert of a person-day (the same person active again that day) was a non-HOT update that wrote both
--   indexes again. Without it those updates touch only the heap.
-- * fillfactor 85 leaves room on each page, so such an update can stay on its page (HOT) instead of moving the row
--   and inserting a new primary-key entry. Applies to pages written from now on.
DROP INDEX IF EXISTS events_person_days_first;
ALTER TABLE events_person_days SET (fillfactor = 85);
