-- Metering, quotas and rate limits (dev.quarry.metering).

-- Plans: monthly call quotas per endpoint group (billable calls, calendar month in UTC) and rate limits per
-- personal API key. NULL means unlimited.
CREATE TABLE plans (
    id                       text PRIMARY KEY,
    description              text NOT NULL DEFAULT '',
    capture_calls_per_month  bigint,
    query_calls_per_month    bigint,
    persons_calls_per_month  bigint,
    plugins_calls_per_month  bigint,
    bootstrap_calls_per_month bigint,
    hogql_per_hour           integer,
    query_per_minute         integer,
    query_per_hour           integer,
    persons_per_minute       integer,
    persons_per_hour         integer
);

-- Every project without a row in team_plans is on 'default': generous quotas, PostHog's rate limits.
INSERT INTO plans (id, description, capture_calls_per_month, query_calls_per_month, persons_calls_per_month,
                   plugins_calls_per_month, bootstrap_calls_per_month, hogql_per_hour, query_per_minute,
                   query_per_hour, persons_per_minute, persons_per_hour)
VALUES ('default', 'Default plan', 10000000, 1000000, 1000000, 1000000, 1000000, 120, 240, 2400, 240, 1200);

-- A project's plan, and per-project overrides of any of its limits (NULL: the plan's value).
CREATE TABLE team_plans (
    team_id                  bigint PRIMARY KEY REFERENCES teams (id),
    plan_id                  text NOT NULL REFERENCES plans (id),
    capture_calls_per_month  bigint,
    query_calls_per_month    bigint,
    persons_calls_per_month  bigint,
    plugins_calls_per_month  bigint,
    bootstrap_calls_per_month bigint,
    hogql_per_hour           integer,
    query_per_minute         integer,
    query_per_hour           integer,
    persons_per_minute       integer,
    persons_per_hour         integer
);

-- One row per metered call, written before the response is sent. team_id is NULL for calls that name no
-- project or never got one (no or bad credentials, unknown project, bad capture token): kept for operators,
-- in no project's usage. units = billable units (0 unless 2xx).
CREATE TABLE api_calls (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    team_id         bigint,
    at              timestamptz NOT NULL DEFAULT now(),
    key_id          text,
    endpoint_group  text NOT NULL,
    method          text NOT NULL,
    status          integer NOT NULL,
    duration_ms     integer NOT NULL,
    rows_returned   bigint,
    rows_read       bigint,
    db_ms           integer,
    billable        boolean NOT NULL,
    units           integer NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX api_calls_team_at ON api_calls (team_id, at);

-- Per project, group and UTC hour, kept current by the same statement that writes api_calls: what usage
-- and quota checks read.
CREATE TABLE api_usage (
    team_id         bigint NOT NULL,
    endpoint_group  text NOT NULL,
    hour            timestamptz NOT NULL,
    calls           bigint NOT NULL,
    billable_calls  bigint NOT NULL,
    units           bigint NOT NULL,
    PRIMARY KEY (team_id, endpoint_group, hour)
);

-- Fixed-window rate-limit counters per key, bucket ('query:minute', 'hogql:hour', …) and window start.
-- Every attempt counts, also a refused one. Windows older than two hours are deleted as the key calls again.
CREATE TABLE rate_limit_counters (
    key_id        text NOT NULL,
    bucket        text NOT NULL,
    window_start  timestamptz NOT NULL,
    n             integer NOT NULL,
    PRIMARY KEY (key_id, bucket, window_start)
);
