-- Strict funnels as PostHog's funnel UDF (funnel-udf/src/steps.rs) runs them, in the per-event scan (V7, V122_3)
-- and in its compact form (V41_1):
-- 1. After an event, the attempts at the steps the event matches are kept and every other one is cleared (the UDF
--    clears the entered steps the event's steps do not contain). Before, only the slot the event had just set was
--    kept, so a repeated step broke the attempt: A, B, B, C now reaches C, as in PostHog.
-- 2. In a group of same-timestamp events that do not all match the same steps, nothing is cleared (the UDF processes
--    such a group's step events in step order as an ordered funnel and drops its other events: "We ignore strict
--    steps and exclusions in this case"): A and X at the same second, then B, reaches B.
-- Everything else is V122_3's scan. quarry_funnel_strict_positions (the compact form for distinct step events without
-- exclusions) follows an attempt through repeats of the step it reached; where an attempt would end, or not start, at
-- an event of such a mixed group, it hands the actor to quarry_funnel, whose per-event scan implements the group rule
-- (checked only there, so an actor's other events cost nothing more). quarry_funnel_strict (V18_2), no longer called by
-- any statement and with the old rule, is dropped.
CREATE OR REPLACE FUNCTION quarry_funnel(ts float8[], masks bigint[], n int, win float8, mode int, excl text)
    RETURNS float8[] LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
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
    group_end int := 0; group_mixed boolean := false;
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
        IF i > group_end THEN
            -- a new timestamp: are its events not all the same steps and exclusions?
            group_end := i;
            group_mixed := false;
            WHILE group_end < m AND ts[group_end + 1] = t LOOP
                group_end := group_end + 1;
                IF masks[group_end] <> mk THEN
                    group_mixed := true;
                END IF;
            END LOOP;
        END IF;
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
            CONTINUE WHEN group_mixed OR (mk >> (n + e - 1)) & 1 = 0;
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
        IF mode = 1 AND NOT group_mixed THEN
            FOR k IN 1..n LOOP
                IF (mk >> (k - 1)) & 1 = 0 THEN
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

-- quarry_funnel_strict_positions's input handed to the per-event scan: epoch seconds (the statement's own conversion)
-- and step masks.
CREATE FUNCTION quarry_funnel_strict_as_scan(ts timestamptz[], steps int[], n int, win float8)
    RETURNS float8[] LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT quarry_funnel(ARRAY(SELECT extract(epoch FROM t)::float8 FROM unnest(ts) WITH ORDINALITY AS u(t, i) ORDER BY i),
                         ARRAY(SELECT CASE WHEN s > 0 THEN 1::bigint << (s - 1) ELSE 0::bigint END
                               FROM unnest(steps) WITH ORDINALITY AS u(s, i) ORDER BY i),
                         n, win, 1, '')
$$;

CREATE OR REPLACE FUNCTION quarry_funnel_strict_positions(ts timestamptz[], steps int[], n int, win float8)
    RETURNS float8[] LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
DECLARE
    first1 int := array_position(steps, 1);
    m int := coalesce(array_length(steps, 1), 0);
    best int := 1;
    -- each step's position in the current attempt and in the best one (repeats can sit between them)
    cur int[];
    best_pos int[];
    p int; j int; k int; q int;
    mixed boolean;
    s0 float8;
    result float8[];
BEGIN
    IF first1 IS NULL OR n < 1 THEN
        RETURN NULL;
    END IF;
    best_pos := ARRAY[first1];
    IF n > 1 THEN
        FOREACH p IN ARRAY array_positions(steps, 2) LOOP
            CONTINUE WHEN p = 1;
            IF steps[p - 1] <> 1 THEN
                -- no attempt starts here, unless a same-timestamp group that mixes steps (or a step and another
                -- event) is involved, which resets nothing in PostHog's UDF: the per-event scan decides then
                q := p - 1;
                mixed := ts[q] = ts[p] AND steps[q] <> 2;
                WHILE NOT mixed AND q > 1 AND ts[q - 1] = ts[p - 1] LOOP
                    q := q - 1;
                    mixed := steps[q] <> steps[p - 1];
                END LOOP;
                IF mixed THEN
                    RETURN quarry_funnel_strict_as_scan(ts, steps, n, win);
                END IF;
                CONTINUE;
            END IF;
            s0 := extract(epoch FROM ts[p - 1])::float8;
            CONTINUE WHEN extract(epoch FROM ts[p])::float8 - s0 > win;
            k := 2;
            cur := ARRAY[p - 1, p];
            j := p + 1;
            WHILE k < n AND j <= m LOOP
                -- a repeat of the step reached keeps the attempt (it neither advances nor clears it)
                IF steps[j] <> k THEN
                    IF steps[j] <> k + 1 THEN
                        -- the attempt ends here, unless this event is in a same-timestamp group that mixes steps
                        q := j;
                        mixed := false;
                        WHILE NOT mixed AND q > 1 AND ts[q - 1] = ts[j] LOOP
                            q := q - 1;
                            mixed := steps[q] <> steps[j];
                        END LOOP;
                        q := j;
                        WHILE NOT mixed AND q < m AND ts[q + 1] = ts[j] LOOP
                            q := q + 1;
                            mixed := steps[q] <> steps[j];
                        END LOOP;
                        IF mixed THEN
                            RETURN quarry_funnel_strict_as_scan(ts, steps, n, win);
                        END IF;
                        EXIT;
                    END IF;
                    EXIT WHEN extract(epoch FROM ts[j])::float8 - s0 > win;
                    k := k + 1;
                    cur[k] := j;
                END IF;
                j := j + 1;
            END LOOP;
            IF k > best THEN
                best := k;
                best_pos := cur;
                EXIT WHEN best = n;
            END IF;
        END LOOP;
    END IF;
    result := array_fill(NULL::float8, ARRAY[n + 1]);
    result[1] := best;
    FOR j IN 1..best LOOP
        result[j + 1] := extract(epoch FROM ts[best_pos[j]])::float8;
    END LOOP;
    RETURN result;
END
$$;

DROP FUNCTION quarry_funnel_strict(float8[], int[], int, float8);
