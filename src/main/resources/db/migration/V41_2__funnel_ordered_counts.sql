-- quarry_funnel_ordered_counts: quarry_funnel_ordered (V18_2) fed more cheaply, same answers. Measured on the anchor
-- benchmark's 3-step funnel (1 M events, 15 k actors, 216 k step events; load ≈ 25), the grouped scan spent as much
-- in building its two arrays and in the PL/pgSQL as in the sort: every row's time went through extract(epoch) (a
-- numeric, turned into float8 through its text form), a second array carried each row's step only so that the
-- function could find each step's slice by binary searches, and those searches ran for every actor, also for the
-- many who never did step 2. Now the statement passes
--   quarry_funnel_ordered_counts(array_agg(timestamp ORDER BY step, timestamp),
--                                ARRAY[count(*) FILTER (WHERE step = 1), …, count(*) FILTER (WHERE step = n)], n, win)
-- ts     the actor's step event times, grouped by step (1..n) and sorted within a step
-- counts how many of them each step has (so step k's slice starts after the counts of steps 1 … k-1)
-- and the function converts to epoch seconds only the times it reads (the same conversion as before, so every
-- window comparison is the same floating-point operation on the same values). An actor without step-2 events
-- answers at once from its first step-1 time. Returns what quarry_funnel_ordered returns: float8[n + 1] =
-- [furthest step, t1, …, tn] (NULL past the furthest step), NULL when no step-1 event.
-- VOLATILE for V29_1's reason (the statements' "reached step 1" condition must not be pushed into the aggregate).
CREATE FUNCTION quarry_funnel_ordered_counts(ts timestamptz[], counts int[], n int, win float8)
    RETURNS float8[] LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
DECLARE
    lo int[] := array_fill(1, ARRAY[n + 1]);
    hi int[] := array_fill(0, ARRAY[n + 1]);
    -- the previous level's entries (first copies only): time reached, start, step times (stride n)
    p_u float8[]; p_s float8[]; p_t float8[]; p_len int;
    c_u float8[]; c_s float8[]; c_t float8[]; c_len int;
    best int;
    best_times float8[];
    i int; j int; k int; a int; b int; mid int; p int;
    t float8; s float8;
BEGIN
    IF n < 1 OR coalesce(counts[1], 0) = 0 THEN
        RETURN NULL;
    END IF;
    a := 1;
    FOR k IN 1..n LOOP
        lo[k] := a;
        a := a + coalesce(counts[k], 0);
        hi[k] := a - 1;
    END LOOP;
    best := 1;
    best_times := array_fill(NULL::float8, ARRAY[n]);
    best_times[1] := extract(epoch FROM ts[lo[1]])::float8;
    IF n = 1 OR hi[2] < lo[2] THEN
        RETURN array_prepend(best::float8, best_times);
    END IF;
    FOR k IN 2..n LOOP
        c_u := '{}'; c_s := '{}'; c_t := '{}'; c_len := 0;
        p := 0;
        FOR i IN lo[k]..hi[k] LOOP
            t := extract(epoch FROM ts[i])::float8;
            IF k = 2 THEN
                -- latest step-1 time <= t
                a := lo[1]; b := hi[1] + 1;
                WHILE a < b LOOP
                    mid := (a + b) / 2;
                    IF extract(epoch FROM ts[mid])::float8 <= t THEN a := mid + 1; ELSE b := mid; END IF;
                END LOOP;
                CONTINUE WHEN a = lo[1];
                s := extract(epoch FROM ts[a - 1])::float8;
            ELSE
                WHILE p < p_len AND p_u[p + 1] <= t LOOP
                    p := p + 1;
                END LOOP;
                CONTINUE WHEN p = 0;
                s := p_s[p];
            END IF;
            CONTINUE WHEN t - s > win OR (c_len > 0 AND c_s[c_len] = s);
            c_len := c_len + 1;
            c_u[c_len] := t;
            c_s[c_len] := s;
            IF k = 2 THEN
                c_t[(c_len - 1) * n + 1] := s;
            ELSE
                FOR j IN 1..k - 1 LOOP
                    c_t[(c_len - 1) * n + j] := p_t[(p - 1) * n + j];
                END LOOP;
            END IF;
            c_t[(c_len - 1) * n + k] := t;
        END LOOP;
        EXIT WHEN c_len = 0;
        best := k;
        FOR j IN 1..k LOOP
            best_times[j] := c_t[j];
        END LOOP;
        p_u := c_u; p_s := c_s; p_t := c_t; p_len := c_len;
    END LOOP;
    RETURN array_prepend(best::float8, best_times);
END
$$;
