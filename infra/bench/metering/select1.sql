-- A round trip that does nothing: the floor under every statement above.
SELECT 1;
