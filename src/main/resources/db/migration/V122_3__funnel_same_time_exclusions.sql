-- quarry_funnel (V7), ordered and strict: an exclusion event at the same timestamp as events of other steps is
-- ignored, as PostHog's funnel UDF ignores exclusions (and strict resets) in a group of same-timestamp events that do
-- not all match the same steps ("We ignore strict steps and exclusions in this case"): a person who did A, then X and
-- B in the same second, reaches B whatever the exclusion X covers. Before, an exclusion over steps 0 → 2 dropped such
-- a person while one over 0 → 1 did not (the auditor's D14). Everything else is V7's scan, still VOLATILE (V29_1).
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
