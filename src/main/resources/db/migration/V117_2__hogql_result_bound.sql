-- A user's HogQL result is read by the app whole (the reactive client buffers a statement's rows), so one
-- `select properties, properties, properties from events limit 50000` over wide events could pull tens of GB into
-- the app that serves every project. The query executor now reads a user's statement through a running sum of its
-- rows' text (query.ResultBound): the first row past 64 MiB calls this function, which fails the statement, so at
-- most 64 MiB and one row ever reach the app; the API answers PostHog's 400 response_too_large.

CREATE FUNCTION quarry_result_too_large(bytes bigint, bound bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE
    PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'quarry: the result is larger than % bytes', bound USING ERRCODE = '54000', DETAIL = bytes::text;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION quarry_result_too_large(bigint, bigint) TO quarry_query_reader;
    END IF;
END
$$;
