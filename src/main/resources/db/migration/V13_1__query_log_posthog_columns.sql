-- The query log carries the fields of PostHog's query_log HogQL table (query_log_archive): the HogQL text in
-- `query` (kept in `hogql`; the PostgreSQL SQL stays in `query` and is read as `postgres`), the start and end of
-- each run, and ClickHouse's counters where PostgreSQL can tell them (else NULL).
ALTER TABLE query_log
    ADD COLUMN hogql                       text NOT NULL DEFAULT '',
    ADD COLUMN query_start_time            timestamptz,
    ADD COLUMN endpoint                    text,
    ADD COLUMN name                        text,
    ADD COLUMN created_by                  bigint,
    ADD COLUMN read_bytes                  bigint,
    ADD COLUMN result_bytes                bigint,
    ADD COLUMN memory_usage                bigint,
    ADD COLUMN exception_code              integer,
    ADD COLUMN is_personal_api_key_request boolean NOT NULL DEFAULT true,
    ADD COLUMN cpu_microseconds            bigint,
    ADD COLUMN real_time_microseconds      bigint,
    -- ClickHouse reads from S3; PostgreSQL never does: the five S3 counters of PostHog read this NULL column
    ADD COLUMN s3_unused                   bigint;

-- ClickHouse has no "Cancelled" query type: a cancelled query is ExceptionWhileProcessing with code 394
-- (QUERY_WAS_CANCELLED), a timed-out one code 159 (TIMEOUT_EXCEEDED).
UPDATE query_log SET status = 'ExceptionWhileProcessing', exception_code = 394 WHERE status = 'Cancelled';
UPDATE query_log SET query_start_time = event_time, real_time_microseconds = query_duration_ms * 1000
    WHERE query_start_time IS NULL;
