-- PostHog's actions: a named set of steps (an event name, a page URL, property filters), any of which an event can
-- match. Insight series (ActionsNode) and HogQL's matchesAction(id) read them; HogQL never reads the table itself.
CREATE TABLE actions (
    team_id              bigint NOT NULL REFERENCES teams (id),
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    name                 text,
    description          text NOT NULL DEFAULT '',
    steps                jsonb NOT NULL DEFAULT '[]',
    tags                 jsonb NOT NULL DEFAULT '[]',
    post_to_slack        boolean NOT NULL DEFAULT false,
    slack_message_format text NOT NULL DEFAULT '',
    pinned_at            timestamptz,
    deleted              boolean NOT NULL DEFAULT false,
    created_by_id        bigint REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, id)
);
