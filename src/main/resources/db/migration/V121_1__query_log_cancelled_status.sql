-- The query log follows the contract's Part A item 7: a query stopped by DELETE query/:id is logged with status
-- Cancelled (V13_1 had turned such rows into ClickHouse's ExceptionWhileProcessing with code 394, QUERY_WAS_CANCELLED;
-- the code stays, so readers of exception_code still see 394). Only a cancel was ever logged with code 394.
UPDATE query_log SET status = 'Cancelled' WHERE status = 'ExceptionWhileProcessing' AND exception_code = 394;
