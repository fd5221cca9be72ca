-- Capture's version check of the persons it read without a lock, in SQL (issue 18 item 5, i18-capture8). A batch
-- updates the persons it read as `UPDATE … WHERE p.version = <the version read>`; fewer rows updated than sent means a
-- concurrent batch changed one of them, and the batch is rolled back and retried under full locks. The check used to
-- be the application's (the update's row count), which kept COMMIT out of the writes' round trip. The update now ends
-- in this function: it raises SQLSTATE QC409 when the counts differ, so the COMMIT pipelined behind the update ends
-- the transaction as a rollback, and the application retries the batch on QC409 (capture.EventIngestor).
CREATE OR REPLACE FUNCTION quarry_capture_persons_updated(updated bigint, sent bigint) RETURNS bigint
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF updated <> sent THEN
        RAISE EXCEPTION 'a person changed while the batch was processed (% of % updated)', updated, sent
            USING ERRCODE = 'QC409';
    END IF;
    RETURN updated;
END
$$;
