-- ClickHouse fails a query where an integer is divided by zero, or the smallest Int64 by -1 (intDiv, modulo, gcd,
-- lcm, positiveModulo: ILLEGAL_DIVISION), where intDiv of floats gives an infinite or too large quotient, and where a
-- String is not a boolean (toBool, PostHog's every: CANNOT_PARSE_BOOL); PostHog answers those as 400s with the
-- error's code name. Quarry answered NULL. The printed SQL calls hogql_raise in the CASE branch that ClickHouse would
-- fail in: it fails the statement with SQLSTATE QH400, the message as the text and the code name as the detail, which
-- the API turns into PostHog's 400. Volatile, so that the planner never evaluates a branch that is not taken.
CREATE OR REPLACE FUNCTION hogql_raise(message text, code text, result anyelement) RETURNS anyelement
    LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
BEGIN
    RAISE USING ERRCODE = 'QH400', MESSAGE = message, DETAIL = code; -- an error (RAISE's default level)
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'quarry_query_reader') THEN
        GRANT EXECUTE ON FUNCTION hogql_raise(text, text, anyelement) TO quarry_query_reader;
    END IF;
END
$$;
