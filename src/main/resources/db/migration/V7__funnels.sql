-- quarry_funnel: the per-actor funnel scan (contract Part A 10), one call per actor (and breakdown value) over
-- the actor's events in time order. The HogQL compiler emits it for the internal function #funnel:
--   quarry_funnel(array_agg(epoch ORDER BY timestamp, step order), array_agg(mask ORDER BY …), n, window, mode, excl)
--
-- ts     event times in epoch seconds, sorted (same-timestamp events in step order)
-- masks  per event: bit k-1 set when the event matches step k (k = 1..n); bit n+j-1 when it matches exclusion j
-- n      number of steps; win: the conversion window in seconds (inclusive)
-- mode   0 ordered, 1 strict, 2 unordered
-- excl   exclusions as text "from,to,from,to…" (0-based funnelFromStep, funnelToStep), '' when none
--
-- Returns float8[n + 1]: [furthest step reached (-1 when the counted attempt was excluded), t1, …, tn] with the
-- counted attempt's step times (NULL past the furthest step). Unordered funnels give the step times in the order
-- the steps were done.
--
-- Ordered and strict: slot k holds the attempt currently at step k (its start and its step times). A step-1 event
-- opens a new attempt in slot 1, replacing the one there. A step-k event copies the attempt in slot k-1 to slot k
-- when it lies within the window from that attempt's start and that attempt has not reached step k yet (slot k
-- holds a different start). Within one event steps are taken from the last to the first, so one event never
-- serves as two consecutive steps of one attempt. The result is the first attempt to reach the furthest step;
-- the scan stops at the first complete attempt. Strict: after each event, every slot this event did not set is
-- cleared (any event that is not the next step resets). Exclusion j (from f to t) marks an attempt excluded when
-- the exclusion event happens within the window while the attempt is at a step in f+1 .. t (1-based) and has not
-- reached step t+1; an excluded attempt extends no further, and a later attempt reaching the same step replaces
-- it as the result. When the counted attempt is excluded the actor leaves the funnel (PostHog drops such actors).
--
-- Unordered: every step event is tried as the start; from it, in time order within the window, each event is
-- assigned to the lowest step it matches that is not yet done. The attempt doing the most distinct steps wins
-- (earliest start on ties). An attempt with an exclusion event between its first and last step is not counted.
CREATE OR REPLACE FUNCTION quarry_funnel(ts float8[], masks bigint[], n int, win float8, mode int, excl text)
    RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    m int := coalesce(array_length(ts, 1), 0);
    ex int[] := CASE WHEN excl IS NULL OR excl = '' THEN '{}'::int[] ELSE string_to_array(excl, ',')::int[] END;
    ne int := coalesce(array_length(ex, 1), 0) / 2;
    s_start float8[] := array_fill(NULL::float8, ARRAY[n + 1]);
    s_excl boolean[] := array_fill(false, ARRAY[n + 1]);
    s_times float8[] := array_fill(NULL::float8, ARRAY[n * n]);
    best int := 0;
    best_start float8;
    best_excl boolean := false;
    best_times float8[] := array_fill(NULL::float8, ARRAY[n]);
    cur_times float8[];
    stepbits bigint := (1::bigint << n) - 1;
    exclbits bigint;
    i int; j int; k int; l int; e int; cnt int;
    t float8; mk bigint; set_now bigint; used bigint; free bigint; bit bigint;
    first_t float8; last_t float8; excluded boolean;
    result float8[];
BEGIN
    IF m = 0 OR n < 1 THEN
        RETURN NULL;
    END IF;
    IF mode = 2 THEN
        exclbits := (~stepbits);
        FOR i IN 1..m LOOP
            CONTINUE WHEN masks[i] & stepbits = 0;
            used := 0; cnt := 0; cur_times := array_fill(NULL::float8, ARRAY[n]);
            first_t := ts[i];
            FOR j IN i..m LOOP
                EXIT WHEN ts[j] - first_t > win;
                free := masks[j] & stepbits & ~used;
                IF free <> 0 THEN
                    bit := free & (-free);
                    used := used | bit;
                    cnt := cnt + 1;
                    cur_times[cnt] := ts[j];
                    last_t := ts[j];
                    EXIT WHEN cnt = n;
                END IF;
            END LOOP;
            IF cnt > best THEN
                excluded := false;
                IF ne > 0 AND cnt > 1 THEN
                    FOR j IN i..m LOOP
                        EXIT WHEN ts[j] >= last_t;
                        IF ts[j] > first_t AND masks[j] & exclbits <> 0 THEN
                            excluded := true;
                            EXIT;
                        END IF;
                    END LOOP;
                END IF;
                IF NOT excluded THEN
                    best := cnt;
                    best_times := cur_times;
                END IF;
            END IF;
            EXIT WHEN best = n;
        END LOOP;
        IF best = 0 THEN
            RETURN NULL;
        END IF;
        RETURN array_prepend(best::float8, best_times);
    END IF;

    FOR i IN 1..m LOOP
        t := ts[i];
        mk := masks[i];
        set_now := 0;
        FOR k IN REVERSE n..1 LOOP
            CONTINUE WHEN (mk >> (k - 1)) & 1 = 0;
            IF k = 1 THEN
                s_start[1] := t;
                s_excl[1] := false;
                s_times[1] := t;
                set_now := set_now | 1;
                IF best < 1 OR (best = 1 AND best_excl) THEN
                    best := 1; best_start := t; best_excl := false; best_times[1] := t;
                END IF;
            ELSE
                CONTINUE WHEN s_start[k - 1] IS NULL OR s_excl[k - 1] OR t - s_start[k - 1] > win
                    OR s_start[k] IS NOT DISTINCT FROM s_start[k - 1];
                s_start[k] := s_start[k - 1];
                s_excl[k] := false;
                FOR j IN 1..k - 1 LOOP
                    s_times[(k - 1) * n + j] := s_times[(k - 2) * n + j];
                END LOOP;
                s_times[(k - 1) * n + k] := t;
                set_now := set_now | (1::bigint << (k - 1));
                IF k > best OR (k = best AND best_excl) THEN
                    best := k; best_start := s_start[k]; best_excl := false;
                    FOR j IN 1..k LOOP
                        best_times[j] := s_times[(k - 1) * n + j];
                    END LOOP;
                END IF;
            END IF;
        END LOOP;
        FOR e IN 1..ne LOOP
            CONTINUE WHEN (mk >> (n + e - 1)) & 1 = 0;
            FOR l IN ex[2 * e - 1] + 1 .. ex[2 * e] LOOP
                IF l >= 1 AND l < n AND s_start[l] IS NOT NULL AND NOT s_excl[l] AND t - s_start[l] <= win
                        AND s_start[l + 1] IS DISTINCT FROM s_start[l] THEN
                    s_excl[l] := true;
                    IF best = l AND best_start = s_start[l] THEN
                        best_excl := true;
                    END IF;
                END IF;
            END LOOP;
        END LOOP;
        IF mode = 1 THEN
            FOR k IN 1..n LOOP
                IF (set_now >> (k - 1)) & 1 = 0 THEN
                    s_start[k] := NULL;
                    s_excl[k] := false;
                END IF;
            END LOOP;
        END IF;
        EXIT WHEN best = n;
    END LOOP;
    IF best = 0 THEN
        RETURN NULL;
    END IF;
    IF best_excl THEN
        RETURN array_prepend((-1)::float8, array_fill(NULL::float8, ARRAY[n]));
    END IF;
    FOR j IN best + 1 .. n LOOP
        best_times[j] := NULL;
    END LOOP;
    RETURN array_prepend(best::float8, best_times);
END
$$;
