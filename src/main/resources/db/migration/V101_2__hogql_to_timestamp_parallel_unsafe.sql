-- V101_1 wrote hogql_to_timestamp again with CREATE OR REPLACE … PARALLEL SAFE, which undid V21_1's PARALLEL UNSAFE
-- for it: its EXCEPTION block starts a subtransaction per call, which PostgreSQL refuses in parallel mode
-- (ParallelPlanFunctionsTest). Unsafe again, as every PL/pgSQL helper with an EXCEPTION block is.
ALTER FUNCTION hogql_to_timestamp(text, text) PARALLEL UNSAFE;
