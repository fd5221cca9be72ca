-- quarry_funnel_strict_positions: quarry_funnel_strict (V18_2) without a PL/pgSQL statement per event, same answers.
-- A strict funnel passes every event of an actor in the date range (any event between two steps breaks the
-- attempt), so the old loop ran a few interpreted statements per event (333 k events for the anchor benchmark's
-- 1 M, ten times that at 10 M), and the statement converted every event's time to epoch seconds (a numeric,
-- turned into float8 through its text form). Measured on the anchor benchmark's strict funnel (load ≈ 30): array
-- building with the conversion 1.3–1.7 s, without it ≈ 0.7 s; the loop ≈ 1 s more.
-- Now the statement passes timestamps:
--   quarry_funnel_strict_positions(array_agg(timestamp ORDER BY timestamp, order), array_agg(step ORDER BY …), n, win)
-- and the function finds what it needs with the built-in (C) array_position / array_positions: an attempt of two
-- or more steps must have a step-2 event right after a step-1 event, so only step-2 events are visited, each run
-- followed forward while the next events do steps 3, 4, … within the window of its start; an actor without one
-- answers from its first step-1 event. Times are converted to epoch seconds only where compared or returned (the
-- same conversion as before, so every window comparison is the same floating-point operation on the same values).
-- Returns quarry_funnel_strict's answer: [furthest step, t1, …, tn] of the first run to reach the furthest step
-- (NULL past it), NULL when no step-1 event. VOLATILE for V29_1's reason.
CREATE FUNCTION quarry_funnel_strict_positions(ts timestamptz[], steps int[], n int, win float8)
    RETURNS float8[] LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
DECLARE
    first1 int := array_position(steps, 1);
    m int := coalesce(array_length(steps, 1), 0);
    best int := 1;
    best_start int;
    p int; j int; k int;
    s0 float8;
    result float8[];
BEGIN
    IF first1 IS NULL OR n < 1 THEN
        RETURN NULL;
    END IF;
    best_start := first1;
    IF n > 1 THEN
        FOREACH p IN ARRAY array_positions(steps, 2) LOOP
            CONTINUE WHEN p = 1;
            CONTINUE WHEN steps[p - 1] <> 1;
            s0 := extract(epoch FROM ts[p - 1])::float8;
            CONTINUE WHEN extract(epoch FROM ts[p])::float8 - s0 > win;
            k := 2;
            j := p + 1;
            WHILE k < n AND j <= m LOOP
                EXIT WHEN steps[j] <> k + 1 OR extract(epoch FROM ts[j])::float8 - s0 > win;
                k := k + 1;
                j := j + 1;
            END LOOP;
            IF k > best THEN
                best := k;
                best_start := p - 1;
                EXIT WHEN best = n;
            END IF;
        END LOOP;
    END IF;
    result := array_fill(NULL::float8, ARRAY[n + 1]);
    result[1] := best;
    FOR j IN 1..best LOOP
        result[j + 1] := extract(epoch FROM ts[best_start + j - 1])::float8;
    END LOOP;
    RETURN result;
END
$$;
