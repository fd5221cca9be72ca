-- A deleted person's distinct ids stay taken (their events keep counting for the deleted person) until
-- POST persons/reset_person_distinct_id frees them, as in PostHog. So a distinct id may point at a person that no
-- longer exists, and the mapping no longer has a foreign key to persons.
ALTER TABLE person_distinct_ids DROP CONSTRAINT person_distinct_ids_team_id_person_id_fkey;

-- persons/values reads the most recent persons of a team by id.
CREATE INDEX persons_team_recent ON persons (team_id, id DESC);
