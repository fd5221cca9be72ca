-- Paths walk each person's events in (time, uuid) order — uuid is the tie order PostHog's paths use — and read only
-- the person, time, uuid and event name when the path item is the event name. V49_1's (team_id, person_id, timestamp)
-- INCLUDE (event) gives the funnels that order but not the tie order, so a paths read still went to the heap for
-- uuid and sorted every event of the range (at 10 M events: a bitmap heap scan of 1.9 GB and an external sort of
-- 198 MB for the 3.33 M events of 30 days). This index has uuid as a key column: an index-only scan returns a
-- project's events already in walk order (insights.paths.PathsSql reads unmerged persons by the stored person id).
-- PostgreSQL chooses between it and a scan plus sort by its estimates (at 10 M events with one parallel worker it
-- chose the sort; README, paths seventh round).
-- It replaces V49_1's index, whose prefix it keeps, so funnels read it the same way and capture still writes one
-- index entry per event for both (16 bytes more per entry).
CREATE INDEX IF NOT EXISTS events_team_person_time_uuid ON events (team_id, person_id, timestamp, uuid) INCLUDE (event);
DROP INDEX IF EXISTS events_team_person_time;
