-- Data definitions kept by capture (dev.quarry.definitions.DefinitionsRecorder: one statement per batch that
-- inserts only names not seen before and moves last_seen_at on at most once an hour), and edited through
-- event_definitions/ and property_definitions/. The 30-day volume is counted from events when read.
CREATE TABLE event_definitions (
    team_id       bigint NOT NULL REFERENCES teams (id),
    id            uuid NOT NULL,
    name          text NOT NULL,
    description   text,
    tags          text[] NOT NULL DEFAULT '{}',
    verified      boolean NOT NULL DEFAULT false,
    verified_at   timestamptz,
    hidden        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz,
    PRIMARY KEY (team_id, id),
    UNIQUE (team_id, name)
);

-- type: 1 event, 2 person (PostHog's PropertyDefinition.Type); property_type: String, Numeric, Boolean, DateTime.
CREATE TABLE property_definitions (
    team_id        bigint NOT NULL REFERENCES teams (id),
    id             uuid NOT NULL,
    name           text NOT NULL,
    type           smallint NOT NULL,
    property_type  text,
    is_numerical   boolean NOT NULL DEFAULT false,
    description    text,
    tags           text[] NOT NULL DEFAULT '{}',
    verified       boolean NOT NULL DEFAULT false,
    verified_at    timestamptz,
    hidden         boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, id),
    UNIQUE (team_id, type, name)
);

-- Which properties each event was seen with (PostHog's EventProperty), for taxonomy reads.
CREATE TABLE event_properties (
    team_id   bigint NOT NULL,
    event     text NOT NULL,
    property  text NOT NULL,
    PRIMARY KEY (team_id, event, property)
);

CREATE TABLE insights (
    team_id           bigint NOT NULL REFERENCES teams (id),
    id                bigint GENERATED ALWAYS AS IDENTITY,
    short_id          text NOT NULL,
    name              text,
    derived_name      text,
    description       text,
    query             jsonb,
    tags              text[] NOT NULL DEFAULT '{}',
    favorited         boolean NOT NULL DEFAULT false,
    saved             boolean NOT NULL DEFAULT false,
    deleted           boolean NOT NULL DEFAULT false,
    created_by_id     bigint REFERENCES users (id),
    last_modified_by_id bigint REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_modified_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, id),
    UNIQUE (team_id, short_id)
);

-- Who last viewed which insight (PostHog's InsightViewed): one row per insight and user, for trending.
CREATE TABLE insight_viewed (
    team_id         bigint NOT NULL,
    insight_id      bigint NOT NULL,
    user_id         bigint NOT NULL REFERENCES users (id),
    last_viewed_at  timestamptz NOT NULL,
    PRIMARY KEY (team_id, insight_id, user_id),
    FOREIGN KEY (team_id, insight_id) REFERENCES insights (team_id, id) ON DELETE CASCADE
);
CREATE INDEX insight_viewed_recent ON insight_viewed (team_id, last_viewed_at DESC);

-- PostHog's activity log for insights: one row per create/update/delete with the changed fields.
CREATE TABLE activity_log (
    team_id      bigint NOT NULL,
    id           uuid NOT NULL,
    scope        text NOT NULL,
    item_id      text NOT NULL,
    activity     text NOT NULL,
    user_id      bigint REFERENCES users (id),
    detail       jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, id)
);
CREATE INDEX activity_log_scope_item ON activity_log (team_id, scope, item_id, created_at DESC);
CREATE INDEX activity_log_scope_time ON activity_log (team_id, scope, created_at DESC);
