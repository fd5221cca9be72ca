-- The HogQL helper functions written in PL/pgSQL with an EXCEPTION block (to turn a bad cast or a bad regular
-- expression into NULL) start a subtransaction on every call, which PostgreSQL refuses inside a parallel worker
-- ("cannot start subtransactions during a parallel operation", SQLSTATE 25000). They were marked PARALLEL SAFE, so
-- any query whose plan went parallel (a large table) failed with a server error. PARALLEL RESTRICTED is not enough:
-- with a Gather anywhere in the plan the leader runs in parallel mode too, and refuses the subtransaction there as
-- well. PARALLEL UNSAFE keeps statements that call them out of parallel mode.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = current_schema()
          AND p.proname LIKE 'hogql\_%'
          AND l.lanname = 'plpgsql'
          AND p.prosrc ~* '\mexception\M'
          AND p.proparallel <> 'u'
    LOOP
        EXECUTE format('ALTER FUNCTION %s PARALLEL UNSAFE', f);
    END LOOP;
END
$$;
