-- Which run of a query id a status belongs to. A client may reuse its client_query_id: a second POST replaces the
-- status while the first run still works, and the first run's end used to be written over the second's (its timeout
-- beside the second's results, or its older answer in their place). Each run now writes only while the status is its
-- own. NULL (statuses written before this migration) is any run's.
ALTER TABLE query_status ADD COLUMN run uuid;
