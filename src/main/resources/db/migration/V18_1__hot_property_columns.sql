-- Hot event properties as real columns, as PostHog materialises its frequent properties (mat_$browser, …): stored
-- generated columns equal to properties ->> '<name>' (text; a non-string value as its JSON text; NULL when missing),
-- so they are always exactly what the JSON path gives. The HogQL printer reads properties.<name> from the column
-- (dev.quarry.hogql.Schema.HOT_EVENT_PROPERTIES) and breakdowns and filters stop parsing jsonb per row.
-- Adding them rewrites the table once: existing events are backfilled by the ALTER itself.
ALTER TABLE events
    ADD COLUMN mat_browser          text GENERATED ALWAYS AS (properties ->> '$browser') STORED,
    ADD COLUMN mat_os               text GENERATED ALWAYS AS (properties ->> '$os') STORED,
    ADD COLUMN mat_device_type      text GENERATED ALWAYS AS (properties ->> '$device_type') STORED,
    ADD COLUMN mat_current_url      text GENERATED ALWAYS AS (properties ->> '$current_url') STORED,
    ADD COLUMN mat_pathname         text GENERATED ALWAYS AS (properties ->> '$pathname') STORED,
    ADD COLUMN mat_host             text GENERATED ALWAYS AS (properties ->> '$host') STORED,
    ADD COLUMN mat_referring_domain text GENERATED ALWAYS AS (properties ->> '$referring_domain') STORED,
    ADD COLUMN mat_utm_source       text GENERATED ALWAYS AS (properties ->> 'utm_source') STORED,
    ADD COLUMN mat_utm_medium       text GENERATED ALWAYS AS (properties ->> 'utm_medium') STORED,
    ADD COLUMN mat_utm_campaign     text GENERATED ALWAYS AS (properties ->> 'utm_campaign') STORED,
    ADD COLUMN mat_utm_content      text GENERATED ALWAYS AS (properties ->> 'utm_content') STORED,
    ADD COLUMN mat_utm_term         text GENERATED ALWAYS AS (properties ->> 'utm_term') STORED;
