-- The funnel scans (V7 quarry_funnel, V18_2 quarry_funnel_ordered / quarry_funnel_strict) are evaluated once per
-- actor. The funnel statements read them from a grouped subquery and keep actors that reached step 1
-- (… FROM (SELECT actor, quarry_funnel…(array_agg(…), …) AS r FROM events … GROUP BY actor) AS scan
--  WHERE scan.r[1] >= 1). While the functions were IMMUTABLE, PostgreSQL pushed that condition down into the grouped
-- subquery as a HAVING clause, where the aggregate node evaluates it apart from its output column, and it has no
-- common-subexpression elimination: each actor's PL/pgSQL scan ran twice. Measured on the anchor benchmark's
-- 3-step funnel (1 M events, 15 k actors, 216 k step events): the statement took 3.2–4.5 s with the pushed-down
-- condition and 2.0–3.3 s without it (same PostgreSQL, alternating runs, load ≈ 16).
-- VOLATILE is PostgreSQL's documented way to keep a qualifier from being pushed into a subquery whose output column
-- it references (and it keeps CTEs that call them from being inlined and re-evaluated). The functions stay pure:
-- same answers; they are never used in indexes or constant-folded (their arguments are aggregates).
ALTER FUNCTION quarry_funnel(float8[], bigint[], int, float8, int, text) VOLATILE;
ALTER FUNCTION quarry_funnel_ordered(float8[], int[], int, float8) VOLATILE;
ALTER FUNCTION quarry_funnel_strict(float8[], int[], int, float8) VOLATILE;
