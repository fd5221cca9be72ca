-- An event's properties as sorted "key::value" strings (nested values as JSON text), for funnel correlation of
-- type event_with_properties (HogQL's internal #property_pairs; users cannot call it).
CREATE FUNCTION quarry_property_pairs(properties jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(key || '::' || coalesce(value, 'null') ORDER BY key), ARRAY[]::text[])
    FROM jsonb_each_text(CASE WHEN jsonb_typeof(properties) = 'object' THEN properties ELSE '{}'::jsonb END)
$$;
