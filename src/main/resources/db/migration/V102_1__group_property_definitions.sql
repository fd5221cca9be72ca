-- Group property definitions (PostHog's PropertyDefinition type 3, one per group_type_index and name): the column
-- holds the group type's index for type 3 and -1 for event (1) and person (2) definitions (answered as null), so
-- one plain unique key covers all three kinds (capture's ON CONFLICT names it).
ALTER TABLE property_definitions ADD COLUMN group_type_index smallint NOT NULL DEFAULT -1;
ALTER TABLE property_definitions DROP CONSTRAINT property_definitions_team_id_type_name_key;
ALTER TABLE property_definitions ADD CONSTRAINT property_definitions_team_type_group_name_key
    UNIQUE (team_id, type, group_type_index, name);

-- Backfill from the stored groups' properties (what $groupidentify's $group_set wrote before definitions were
-- recorded), typed as capture types a first value (capture.PropertyTypes.infer; the value taken is the one of the
-- group created first): Boolean for a JSON boolean or the text true/false, DateTime for an ISO date or a Unix time
-- (2000–2100, seconds or milliseconds) under a time-like key, Numeric for other numbers, String otherwise, no type for
-- null, objects and arrays; utm_ / $feature/ / $survey_response keys are String.
INSERT INTO property_definitions (team_id, id, name, type, group_type_index, property_type, is_numerical)
SELECT team_id, gen_random_uuid(), key, 3, group_type_index, pt, coalesce(pt = 'Numeric', false)
FROM (
    SELECT DISTINCT ON (team_id, group_type_index, key) team_id, group_type_index, key, pt
    FROM (SELECT g.team_id, g.group_type_index, g.created_at, p.key,
        CASE
            WHEN jsonb_typeof(p.value) IN ('null', 'object', 'array') THEN NULL
            WHEN lower(p.key) LIKE 'utm\_%' OR lower(p.key) LIKE '$feature/%' OR lower(p.key) LIKE '$survey\_response%'
                THEN 'String'
            WHEN jsonb_typeof(p.value) = 'boolean' THEN 'Boolean'
            WHEN jsonb_typeof(p.value) = 'number' THEN
                CASE WHEN (lower(p.key) LIKE '%time%' OR lower(p.key) LIKE '%\_at')
                          AND ((p.value::text::numeric BETWEEN 946684800 AND 4102444800)
                               OR (p.value::text::numeric BETWEEN 946684800000 AND 4102444800000))
                     THEN 'DateTime' ELSE 'Numeric' END
            WHEN lower(btrim(p.value #>> '{}')) IN ('true', 'false') THEN 'Boolean'
            WHEN btrim(p.value #>> '{}') ~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$'
                THEN 'DateTime'
            ELSE 'String'
        END AS pt
    FROM groups g, jsonb_each(g.group_properties) p
    WHERE g.group_type_index BETWEEN 0 AND 4 AND p.key <> '' AND length(p.key) <= 400
      AND p.key NOT IN ('$set', '$set_once', '$unset')) typed
    -- the first typed value wins (a null before it says nothing), as capture keeps the first typed value
    ORDER BY team_id, group_type_index, key, pt IS NULL, created_at
) first_values
ON CONFLICT (team_id, type, group_type_index, name) DO NOTHING;
