-- What a user changes through PATCH /api/users/@me/ (PostHog's UserSerializer): the last name, the settings PostHog
-- keeps on its User row (theme_mode, toolbar_mode, notification settings, …; one JSON object keyed by PostHog's field
-- names, only the keys a user has set; auth.UserSettings gives the defaults) and the project set_current_team chose.
ALTER TABLE users ADD COLUMN last_name text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN current_team_id bigint REFERENCES teams (id) ON DELETE SET NULL;

-- PostHog's UserHomeSettings: a user's pinned tabs and homepage in one project (/api/user_home_settings/@me/).
CREATE TABLE user_home_settings (
    team_id   bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tabs      jsonb NOT NULL DEFAULT '[]',
    homepage  jsonb,
    PRIMARY KEY (team_id, user_id)
);
