-- Person processing as PostHog does it (issue 16).

-- Events are de-duplicated on PostHog's key: its ClickHouse events table is a ReplacingMergeTree ordered by
-- (team_id, toDate(timestamp), event, distinct_id, uuid), so copies sharing uuid, event, distinct_id and UTC day
-- collapse into the last one ingested. A re-sent copy replaces the stored one (its timestamp, moved by clock-skew
-- correction, included); an event that shares only the uuid is a different event.
ALTER TABLE events ADD COLUMN timestamp_day date GENERATED ALWAYS AS ((timestamp AT TIME ZONE 'UTC')::date) STORED;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (team_id, uuid, event, distinct_id, timestamp_day);

-- The event's groups ($groups resolved through the project's group types), as PostHog's $group_0 … $group_4.
ALTER TABLE events
    ADD COLUMN group_0 text NOT NULL DEFAULT '',
    ADD COLUMN group_1 text NOT NULL DEFAULT '',
    ADD COLUMN group_2 text NOT NULL DEFAULT '',
    ADD COLUMN group_3 text NOT NULL DEFAULT '',
    ADD COLUMN group_4 text NOT NULL DEFAULT '';

-- Distinct ids used by events with $process_person_profile: false. Such events carry the id's deterministic person
-- uuid; when the id later joins a person with another uuid, capture records an override for that uuid.
CREATE TABLE personless_distinct_ids (
    team_id      bigint NOT NULL,
    distinct_id  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, distinct_id)
);

-- Uuids of persons deleted or merged away. A new person normally takes its distinct id's deterministic uuid; when
-- that uuid is listed here, it gets a random one, so the old person's events do not move to the new one.
CREATE TABLE retired_person_uuids (
    team_id     bigint NOT NULL,
    uuid        uuid NOT NULL,
    retired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, uuid)
);

-- What capture fixed or refused, per project (GET /api/projects/:id/ingestion_warnings).
CREATE TABLE ingestion_warnings (
    team_id    bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    type       text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}',
    timestamp  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, id)
);
CREATE INDEX ingestion_warnings_team_time ON ingestion_warnings (team_id, timestamp DESC);

-- A project's group types: each gets the lowest free index 0 … 4 when first seen.
CREATE TABLE group_type_mappings (
    team_id           bigint NOT NULL,
    group_type        text NOT NULL,
    group_type_index  integer NOT NULL CHECK (group_type_index BETWEEN 0 AND 4),
    name_singular     text,
    name_plural       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, group_type),
    UNIQUE (team_id, group_type_index)
);

-- Groups, upserted by $groupidentify; $group_set merges into group_properties.
CREATE TABLE groups (
    team_id           bigint NOT NULL,
    group_type_index  integer NOT NULL,
    group_key         text NOT NULL,
    group_properties  jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, group_type_index, group_key)
);

-- HogQL reads groups (its printer adds the team filter, as for every table).
GRANT SELECT ON groups TO quarry_query_reader;
