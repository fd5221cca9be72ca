-- The length of each person's properties as text: persons list pages (persons/, cohorts/:id/persons/) are chosen by
-- it before any properties are read, so that a page never reads more properties than an answer can carry (a
-- breaker's page of 20 persons of 7.2 MB each read 144 MB and took 1.4 GB of heap; person properties are bounded at
-- capture since, but a page of 1,000 persons of 640 KiB would still be 640 MB).
ALTER TABLE persons ADD COLUMN properties_bytes integer GENERATED ALWAYS AS (octet_length(properties::text)) STORED;
