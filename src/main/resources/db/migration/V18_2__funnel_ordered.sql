-- quarry_funnel_ordered: the ordered funnel of V7's quarry_funnel for the common case it is cheap to do without
-- walking every event: steps that no event can match twice (distinct event names) and no exclusions. Same answer
-- as quarry_funnel(…, mode 0, '') on the same events; the HogQL compiler emits it for the internal
-- #funnel_ordered:
--   quarry_funnel_ordered(array_agg(epoch ORDER BY step, epoch), array_agg(step ORDER BY step, epoch), n, window)
--
-- ts     the actor's step event times in epoch seconds, grouped by step (1..n) and sorted within a step
-- steps  the step (1-based) of each element of ts
-- n      number of steps; win: the conversion window in seconds (inclusive)
--
-- Returns float8[n + 1]: [furthest step reached, t1, …, tn] (NULL past the furthest step), NULL when no step-1 event.
--
-- Why it is the same as the per-event scan: a step-1 event always replaces slot 1, so the attempt a step-2 event at
-- u extends is the latest step-1 event at or before u (same-time events sort in step order). Slot k's start only
-- grows with time, so the attempt slot k holds when a step-(k+1) event arrives at t is the one copied by the latest
-- step-k event at or before t that was within its window, with the step times of the first copy of that start (a
-- slot is not re-copied while it holds the same start). The counted attempt is the first to reach the furthest
-- step, i.e. the earliest valid event of that step. Per level this reads only that step's events (binary search in
-- step 1's), so the many repeated step-1 events ($pageview) cost nothing beyond the sort.
CREATE FUNCTION quarry_funnel_ordered(ts float8[], steps int[], n int, win float8)
    RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    m int := coalesce(array_length(ts, 1), 0);
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
    IF m = 0 OR n < 1 THEN
        RETURN NULL;
    END IF;
    -- each step's slice of ts: steps is sorted, so find its bounds by binary search
    FOR k IN 1..n LOOP
        a := 1; b := m + 1;                       -- first index with steps[i] >= k
        WHILE a < b LOOP
            mid := (a + b) / 2;
            IF steps[mid] < k THEN a := mid + 1; ELSE b := mid; END IF;
        END LOOP;
        lo[k] := a;
        a := lo[k]; b := m + 1;                   -- first index with steps[i] > k
        WHILE a < b LOOP
            mid := (a + b) / 2;
            IF steps[mid] <= k THEN a := mid + 1; ELSE b := mid; END IF;
        END LOOP;
        hi[k] := a - 1;
    END LOOP;
    IF hi[1] < lo[1] THEN
        RETURN NULL;
    END IF;
    best := 1;
    best_times := array_fill(NULL::float8, ARRAY[n]);
    best_times[1] := ts[lo[1]];
    FOR k IN 2..n LOOP
        c_u := '{}'; c_s := '{}'; c_t := '{}'; c_len := 0;
        p := 0;
        FOR i IN lo[k]..hi[k] LOOP
            t := ts[i];
            IF k = 2 THEN
                -- latest step-1 time <= t
                a := lo[1]; b := hi[1] + 1;
                WHILE a < b LOOP
                    mid := (a + b) / 2;
                    IF ts[mid] <= t THEN a := mid + 1; ELSE b := mid; END IF;
                END LOOP;
                CONTINUE WHEN a = lo[1];
                s := ts[a - 1];
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

-- quarry_funnel_strict: V7's strict funnel (mode 1) for steps no event matches twice, without exclusions: the same
-- answer from one pass with three comparisons per event. Emitted for the internal #funnel_strict:
--   quarry_funnel_strict(array_agg(epoch ORDER BY epoch, order), array_agg(step ORDER BY epoch, order), n, window)
-- steps: 1..n for a step event, 0 for any other event (every event of the actor in the range is passed: in a strict
-- funnel any event between two steps breaks the attempt). An attempt is then a run of consecutive events doing
-- steps 1, 2, … k with the last within the window of the first; the counted one is the first run to reach the
-- furthest step. Returns [furthest step, t1, …, tn] like quarry_funnel, NULL when no step-1 event.
CREATE FUNCTION quarry_funnel_strict(ts float8[], steps int[], n int, win float8)
    RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    m int := coalesce(array_length(ts, 1), 0);
    run int := 0;
    start int := 0;
    best int := 0;
    best_start int := 0;
    k int;
    i int;
    result float8[];
BEGIN
    FOR i IN 1..m LOOP
        k := steps[i];
        IF k = 1 THEN
            run := 1;
            start := i;
        ELSIF k > 1 AND k = run + 1 AND ts[i] - ts[start] <= win THEN
            run := k;
        ELSE
            run := 0;
        END IF;
        IF run > best THEN
            best := run;
            best_start := start;
            EXIT WHEN best = n;
        END IF;
    END LOOP;
    IF best = 0 THEN
        RETURN NULL;
    END IF;
    result := array_fill(NULL::float8, ARRAY[n + 1]);
    result[1] := best;
    FOR i IN 1..best LOOP
        result[i + 1] := ts[best_start + i - 1];
    END LOOP;
    RETURN result;
END
$$;
