-- Admission of a user statement moves into the statement's own read-only transaction, so that admission, the
-- statement and its release cost one round trip instead of a dozen. A running statement holds one of its
-- project's p_limit slots: a transaction-level advisory lock (two-int form, key1 = -1 - slot, key2 = team), which
-- PostgreSQL releases when the transaction ends however it ends (commit, error, cancel, lost connection). Nothing is
-- written, nothing can go stale, and every backend sees a slot taken the moment it is taken. No free slot raises
-- SQLSTATE QA429, which aborts the transaction before the statement pipelined after it can run.
CREATE FUNCTION quarry_admit_statement(p_team bigint, p_limit int) RETURNS int
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    FOR slot IN 0 .. p_limit - 1 LOOP
        IF pg_try_advisory_xact_lock(-1 - slot, (p_team % 2147483647)::int) THEN
            RETURN slot;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'project % runs % statements already', p_team, p_limit USING ERRCODE = 'QA429';
END
$$;
REVOKE ALL ON FUNCTION quarry_admit_statement(bigint, int) FROM PUBLIC;
