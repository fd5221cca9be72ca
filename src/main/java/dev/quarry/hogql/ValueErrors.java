package dev.quarry.hogql;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The HogQL 400 for a value PostgreSQL refused while running a compiled HogQL statement (a data exception, SQLSTATE
 * class 22, or an invalid regular expression): an error in ClickHouse's terms — its error's code name as {@code code},
 * as PostHog's ExposedCHQueryError shows ClickHouse errors ({@code value_is_out_of_range_of_data_type},
 * {@code cannot_compile_regexp}, {@code argument_out_of_bound}, …) — and a message saying what is wrong in HogQL's
 * words, never PostgreSQL's text (which names Quarry's SQL types: {@code bigint}, {@code interval}). PostgreSQL's text
 * stays in the query log. Where ClickHouse would wrap or saturate the value instead (a huge {@code addDays} or
 * {@code toIntervalDay}, a shift past 64 bits) the message says that Quarry refuses the value.
 */
public final class ValueErrors {
    private ValueErrors() {
    }

    /**
     * One refused value: {@code code} is a ClickHouse error code name in lower case, {@code message} the detail the
     * API answers.
     */
    @RegisterForReflection
    public record ValueError(String code, String message) {
    }

    static final String OUT_OF_RANGE = "value_is_out_of_range_of_data_type";
    static final String BAD_REGEXP = "cannot_compile_regexp";
    static final String OUT_OF_BOUND = "argument_out_of_bound";
    static final String BAD_ARGUMENTS = "bad_arguments";
    static final String TOO_LARGE_STRING = "too_large_string_size";

    /**
     * The HogQL error for PostgreSQL's SQLSTATE and message, or null when the state is no value error (not class
     * 22, which includes 2201B, invalid_regular_expression). The message is read only to tell apart kinds sharing a state; none of its text is answered.
     */
    public static ValueError of(String sqlState, String postgresMessage) {
        String state = sqlState == null ? "" : sqlState;
        String text = postgresMessage == null ? "" : postgresMessage;
        if (state.equals("53200") && text.startsWith("quarry: the statement collected")) {
            // the collection budget (V116_1): what ClickHouse's per-query memory limit stops
            return new ValueError("memory_limit_exceeded", "The query collected more than 256 MiB into arrays "
                    + "(groupArray, groupUniqArray, argMax, argMin, string_agg, json_agg): collect fewer or shorter "
                    + "values, or aggregate them instead");
        }
        if (state.equals("53200") && text.startsWith("quarry: a value built by the statement")) {
            // one built value past its bound (V117_1): ClickHouse's memory limit, before anything multiplies it
            return new ValueError("memory_limit_exceeded", "The query built a value of more than 64 MiB (a string "
                    + "or an array, e.g. from concat, replaceAll, groupArray or arrayMap): build smaller values, or "
                    + "aggregate them instead");
        }
        if (state.equals("53200") && text.startsWith("quarry: the statement's values use")) {
            // the backend's memory while large values are built (V118_1): ClickHouse's per-query memory limit
            return new ValueError("memory_limit_exceeded", "The query's values used more than 1 GiB of memory at "
                    + "once (many large strings or arrays in one row, e.g. from concat, repeat or arrayMap): build "
                    + "smaller values, or aggregate them instead");
        }
        if ((state.equals("53200") && !text.startsWith("out of shared memory"))
                || (state.equals("XX000") && text.startsWith("invalid memory alloc request size"))) {
            // ("out of shared memory" is the server's lock table, full for everyone: a 503, not this query's fault)
            // one value (typically a regular expression whose nested repetitions expand past 1 GB) needed more
            // memory than PostgreSQL allows a single allocation: ClickHouse's memory limit error, not a server fault
            return new ValueError("memory_limit_exceeded", "The query needed more memory than a single value may use "
                    + "(for example a regular expression whose nested repetitions expand too far)");
        }
        if (!state.startsWith("22")) {
            return null;
        }
        if (state.equals("22023") && text.startsWith("quarry: range of more than")) {
            // range's bound (V119_1); ClickHouse's own is function_range_max_elements_in_block
            return new ValueError(OUT_OF_BOUND, "A call to function range (or the table function numbers) would "
                    + "produce more than 1000000 elements, the most Quarry allows");
        }
        if (state.equals("22023") && text.startsWith("quarry: string of more than")) {
            // repeat's and the pads' bound (V122_1); ClickHouse's own are 1,000,000 repetitions and a 1 GiB pad
            return new ValueError(TOO_LARGE_STRING, "A call to function repeat, leftPad or rightPad would produce a "
                    + "string of more than 1000000 characters, the most Quarry allows");
        }
        return switch (state) {
            // PostgreSQL raises 22008 for an interval past its range too ("interval out of range")
            case "22015" -> interval();
            case "22008" -> text.startsWith("interval") ? interval()
                    : text.contains("field value") ? new ValueError(OUT_OF_RANGE, "A date's year, month or day (or a "
                    + "time's hour, minute or second) is not a valid calendar value")
                    : new ValueError(OUT_OF_RANGE, "A date or time value is out of the supported range (4713 BC to "
                    + "294276 AD for a DateTime here; ClickHouse would wrap or saturate it)");
            case "22003" -> text.contains("bigint") || text.contains("integer") || text.contains("smallint")
                    ? new ValueError(OUT_OF_RANGE, "An integer value is out of the range this function computes in "
                    + "(Int64, or Int32 for a position or a count): a UInt64 past 9223372036854775807 or a huge "
                    + "argument (ClickHouse would wrap it modulo 2^64 or refuse it)")
                    : new ValueError(OUT_OF_RANGE, "A numeric value is out of the range of its type");
            case "2201G" -> text.contains("count") ? new ValueError(OUT_OF_BOUND, "The number of buckets must be "
                    + "greater than zero") : new ValueError(OUT_OF_BOUND, "The lower and upper bounds must differ and be "
                    + "finite");
            case "2201B" -> new ValueError(BAD_REGEXP, "Invalid regular expression: the pattern does not compile "
                    + "(check its quantifiers, brackets and escapes)");
            case "22012" -> new ValueError("illegal_division", "Division by zero");
            case "22009" -> new ValueError(BAD_ARGUMENTS, "Invalid time zone: a numeric or out-of-range time zone "
                    + "offset; use a zone name such as 'Europe/Berlin' or 'UTC'");
            case "2202E" -> text.contains("empty arrays") ? new ValueError(BAD_ARGUMENTS, "An aggregate's array "
                    + "argument is empty, and arrays of arrays cannot hold empty arrays here (argMin, argMax, "
                    + "groupArray of [])") : new ValueError(OUT_OF_BOUND, "An array index or size is out of bounds");
            case "22007" -> new ValueError("cannot_parse_datetime", "A value is not a valid date or time, "
                    + "or its format is not one the function reads");
            case "22P02" -> new ValueError("cannot_parse_text", "A value cannot be read as the type the function needs");
            case "22023" -> invalidParameter(text);
            case "22001" -> new ValueError("too_large_string_size", "A string is longer than its type allows");
            case "22004" -> new ValueError(BAD_ARGUMENTS, "An argument is NULL where the function needs a value");
            default -> new ValueError(BAD_ARGUMENTS, "An argument value is not valid for this function");
        };
    }

    private static ValueError interval() {
        return new ValueError(OUT_OF_RANGE, "An interval is out of the supported range (about 178 million years; "
                + "ClickHouse's Int64 intervals reach further): a huge addX / subtractX / toIntervalX / make_interval "
                + "argument");
    }

    /** SQLSTATE 22023 (invalid_parameter_value) covers several kinds: a time zone, a bound, a count, a step. */
    private static ValueError invalidParameter(String text) {
        if (text.contains("time zone")) {
            return new ValueError(BAD_ARGUMENTS, "Invalid time zone: use a zone name such as 'Europe/Berlin' or "
                    + "'UTC'");
        }
        if (text.contains("bound")) {
            return new ValueError(OUT_OF_BOUND, "The lower and upper bounds must differ (and be finite)");
        }
        if (text.contains("count") || text.contains("greater than zero")) {
            return new ValueError(OUT_OF_BOUND, "A count argument must be greater than zero");
        }
        if (text.contains("step")) {
            return new ValueError(OUT_OF_BOUND, "A step argument must not be zero");
        }
        return new ValueError(BAD_ARGUMENTS, "An argument value is not valid for this function");
    }
}
