-- Who last edited a definition and who verified it (PostHog's EnterpriseEventDefinition / EnterprisePropertyDefinition
-- updated_by and verified_by): the user of the personal API key that made the edit; null for rows capture created
-- and for edits made before this column. A deleted user leaves null behind.
ALTER TABLE event_definitions
    ADD COLUMN updated_by_id bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN verified_by_id bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE property_definitions
    ADD COLUMN updated_by_id bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN verified_by_id bigint REFERENCES users (id) ON DELETE SET NULL;
