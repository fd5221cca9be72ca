-- A person's distinct ids are answered in the order they were first stored, as PostHog's Person.distinct_ids (its
-- PersonDistinctId rows by id); only the display name prefers non-anonymous ids. Ids stored before this migration
-- have no order (NULL) and come first, by distinct_id as before. Adding a nullable column and a default does not
-- rewrite the table; a merge or a reset moves the row (person_id) and keeps its place.
CREATE SEQUENCE person_distinct_ids_created_order;
ALTER TABLE person_distinct_ids ADD COLUMN created_order bigint;
ALTER TABLE person_distinct_ids ALTER COLUMN created_order SET DEFAULT nextval('person_distinct_ids_created_order');
ALTER SEQUENCE person_distinct_ids_created_order OWNED BY person_distinct_ids.created_order;
