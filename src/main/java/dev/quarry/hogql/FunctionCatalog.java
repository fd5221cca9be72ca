package dev.quarry.hogql;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PostHog's HogQL function list (posthog/hogql/functions/: mapping.py with the clickhouse/*.py modules it merges,
 * aggregations.py with its generated combinator names, posthog.py and udfs.py, as of PostHog's master in December 2026;
 * by their groups, names beginning with an underscore left out as PostHog leaves them out), and
 * for each name whether Quarry supports it. A PostHog name Quarry does not support is refused with a 400 that names
 * it ({@link #refusal}); the README's coverage table counts these groups (a test keeps the two in step).
 */
public final class FunctionCatalog {
    private static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();
    private static final Map<String, String> GROUP_OF = new java.util.HashMap<>();

    private static void group(String name, String... functions) {
        GROUPS.put(name, List.of(functions));
        for (String f : functions) {
            GROUP_OF.putIfAbsent(f.toLowerCase(Locale.ROOT), name);
        }
    }

    /** The aggregates PostHog combines with suffixes ({@code sumArray}, {@code avgOrNullIf}, …). */
    private static final List<String> COMBINED = List.of("avg", "sum", "min", "max", "count", "countDistinct", "median");
    /** Each combinator suffix and the suffixes allowed after it (PostHog's aggregations.py COMBINATORS). */
    private static final Map<String, List<String>> SUFFIXES = new LinkedHashMap<>();

    static {
        List<String> after = List.of("If", "OrDefault", "OrNull");
        SUFFIXES.put("If", List.of());
        for (String s : List.of("Array", "Map", "State", "Merge", "ForEach")) {
            SUFFIXES.put(s, after);
        }
        SUFFIXES.put("OrDefault", List.of("If"));
        SUFFIXES.put("OrNull", List.of("If"));
        SUFFIXES.put("ArgMin", after);
        SUFFIXES.put("ArgMax", after);
    }

    static {
        group("arithmetic",
            "plus", "minus", "multiply", "divide", "intDiv", "intDivOrZero", "modulo", "moduloOrZero",
            "positiveModulo", "negate", "abs", "gcd", "lcm", "max2", "min2", "multiplyDecimal", "divideDecimal");
        group("arrays and strings",
            "empty", "notEmpty", "isEmpty", "isNotEmpty", "length", "reverse");
        group("arrays",
            "array", "range", "arrayConcat", "arrayElement", "has", "hasAll", "hasAny", "hasSubstr", "indexOf",
            "arrayCount", "countEqual", "arrayEnumerate", "arrayEnumerateUniq", "arrayPopBack", "arrayPopFront",
            "arrayPushBack", "arrayPushFront", "arrayResize", "arraySlice", "arraySort", "arrayReverseSort",
            "arrayUniq", "arrayJoin", "arrayDifference", "arrayDistinct", "arrayEnumerateDense", "arrayIntersect",
            "arrayReduce", "arrayReverse", "arrayFilter", "arrayFlatten", "arrayCompact", "arrayZip", "arrayAUC",
            "arrayMap", "arrayFill", "arrayFold", "arrayWithConstant", "arraySplit", "arrayReverseFill",
            "arrayReverseSplit", "arrayRotateLeft", "arrayRotateRight", "arrayExists", "arrayAll", "arrayFirst",
            "arrayLast", "arrayFirstIndex", "arrayLastIndex", "arrayMin", "arrayMax", "arraySum", "arrayAvg",
            "arrayCumSum", "arrayCumSumNonNegative", "arrayProduct", "arrayStringConcat", "generateSeries");
        group("comparison",
            "equals", "notEquals", "less", "greater", "lessOrEquals", "greaterOrEquals");
        group("logical",
            "and", "or", "xor", "not");
        group("type conversions",
            "hex", "unhex", "reinterpretAsUInt8", "reinterpretAsUInt16", "reinterpretAsUInt32", "reinterpretAsUInt64",
            "reinterpretAsUInt128", "reinterpretAsUInt256", "reinterpretAsInt8", "reinterpretAsInt16",
            "reinterpretAsInt32", "reinterpretAsInt64", "reinterpretAsInt128", "reinterpretAsInt256",
            "reinterpretAsFloat32", "reinterpretAsFloat64", "reinterpretAsUUID", "toInt", "toIntOrZero", "toFloat",
            "toFloatOrZero", "toFloatOrDefault", "toDecimal", "toUUID", "toUUIDOrDefault", "toString",
            "toNullableString", "toBool", "toJSONString", "parseDateTime", "parseDateTimeBestEffort", "toTypeName",
            "cityHash64", "UUIDv7ToDateTime", "toDate", "to_date", "toDateTime", "toDateTime64", "toDateTimeUS");
        group("dates and times",
            "timeZoneOf", "timeZoneOffset", "toYear", "toQuarter", "toMonth", "toDayOfYear", "toDayOfMonth",
            "toDayOfWeek", "toHour", "toMinute", "toSecond", "toUnixTimestamp", "toUnixTimestamp64Milli",
            "fromUnixTimestamp64Milli", "toStartOfInterval", "toStartOfYear", "toStartOfISOYear",
            "toStartOfQuarter", "toStartOfMonth", "toLastDayOfMonth", "toMonday", "toStartOfWeek", "toStartOfDay",
            "toLastDayOfWeek", "toStartOfHour", "toStartOfMinute", "toStartOfSecond", "toStartOfFiveMinutes",
            "toStartOfTenMinutes", "toStartOfFifteenMinutes", "toTime", "toISOYear", "toISOWeek", "toWeek",
            "toYearWeek", "age", "dateAdd", "dateSub", "date_bin", "date_add", "date_subtract", "date_diff",
            "dateDiff", "timeStampAdd", "timeStampSub", "nowInBlock", "rowNumberInBlock", "rowNumberInAllBlocks",
            "timeSlot", "toYYYYMM", "toYYYYMMDD", "toYYYYMMDDhhmmss", "addYears", "addMonths", "addWeeks",
            "addDays", "addHours", "addMinutes", "addSeconds", "addQuarters", "subtractYears", "subtractMonths",
            "subtractWeeks", "subtractDays", "subtractHours", "subtractMinutes", "subtractSeconds",
            "subtractQuarters", "timeSlots", "formatDateTime", "dateName", "monthName", "fromUnixTimestamp",
            "toModifiedJulianDay", "fromModifiedJulianDay", "toIntervalSecond", "toIntervalMinute",
            "toIntervalHour", "toIntervalDay", "toIntervalWeek", "toIntervalMonth", "toIntervalQuarter",
            "toIntervalYear", "now", "yesterday", "current_timestamp", "today", "current_date", "date_part",
            "date_trunc", "dateTrunc", "to_timestamp", "to_char", "make_timestamp", "make_date", "make_interval",
            "make_timestamptz", "timezone", "toTimeZone");
        group("strings",
            "left", "right", "lengthUTF8", "leftPad", "rightPad", "leftPadUTF8", "rightPadUTF8", "lower", "upper",
            "lowerUTF8", "upperUTF8", "isValidUTF8", "toValidUTF8", "format", "reverseUTF8", "concat", "substring",
            "substringUTF8", "appendTrailingCharIfAbsent", "convertCharset", "base58Encode", "base58Decode",
            "tryBase58Decode", "base64Encode", "base64Decode", "tryBase64Decode", "endsWith", "startsWith",
            "encodeXMLComponent", "decodeXMLComponent", "extractTextFromHTML", "ascii", "concatWithSeparator",
            "repeat", "initcap", "lpad", "rpad", "split_part", "ltrim", "trimLeft", "rtrim", "trimRight", "btrim",
            "trim");
        group("searching in strings",
            "position", "positionCaseInsensitive", "positionUTF8", "positionCaseInsensitiveUTF8",
            "multiSearchAllPositions", "multiSearchAllPositionsUTF8", "multiSearchFirstPosition",
            "multiSearchFirstIndex", "multiSearchAny", "multiSearchAllPositionsCaseInsensitive",
            "multiSearchAllPositionsCaseInsensitiveUTF8", "multiSearchAnyUTF8", "multiSearchAnyCaseInsensitive",
            "multiSearchAnyCaseInsensitiveUTF8", "multiSearchFirstIndexUTF8", "multiSearchFirstIndexCaseInsensitive",
            "multiSearchFirstIndexCaseInsensitiveUTF8", "multiSearchFirstPositionUTF8",
            "multiSearchFirstPositionCaseInsensitive", "multiSearchFirstPositionCaseInsensitiveUTF8", "match",
            "multiMatchAny", "multiMatchAnyIndex", "multiMatchAllIndices", "multiFuzzyMatchAny",
            "multiFuzzyMatchAnyIndex", "multiFuzzyMatchAllIndices", "extract", "extractAll",
            "extractAllGroupsHorizontal", "extractAllGroupsVertical", "extractGroups", "like", "ilike", "notLike",
            "notILike", "locate", "ngramDistance", "ngramDistanceCaseInsensitive", "ngramDistanceUTF8",
            "ngramDistanceCaseInsensitiveUTF8", "ngramSearch", "ngramSearchCaseInsensitive", "ngramSearchUTF8",
            "ngramSearchCaseInsensitiveUTF8", "countSubstrings", "countSubstringsCaseInsensitive",
            "countSubstringsCaseInsensitiveUTF8", "countMatches", "countMatchesCaseInsensitive", "hasSubsequence",
            "hasSubsequenceCaseInsensitive", "hasSubsequenceUTF8", "hasSubsequenceCaseInsensitiveUTF8", "hasToken",
            "hasTokenCaseInsensitive", "hasTokenOrNull", "hasTokenCaseInsensitiveOrNull", "hasAllTokens",
            "hasAnyTokens", "regexpExtract");
        group("replacing in strings",
            "replace", "replaceAll", "replaceOne", "replaceRegexpAll", "replaceRegexpOne", "regexpQuoteMeta",
            "translate", "translateUTF8");
        group("conditional",
            "if", "multiIf");
        group("mathematical",
            "e", "pi", "exp", "log", "ln", "exp2", "log2", "exp10", "log10", "sqrt", "cbrt", "erf", "erfc", "lgamma",
            "tgamma", "sin", "cos", "tan", "asin", "acos", "atan", "pow", "power", "intExp2", "intExp10", "cosh",
            "acosh", "sinh", "asinh", "atanh", "atan2", "hypot", "log1p", "sign", "degrees", "radians", "factorial",
            "width_bucket", "rand");
        group("rounding",
            "floor", "ceil", "trunc", "round", "roundBankers", "roundToExp2", "roundDuration", "roundAge", "roundDown");
        group("maps",
            "map", "mapFromArrays", "mapAdd", "mapSubtract", "mapPopulateSeries", "mapContains", "mapKeys",
            "mapValues", "mapContainsKeyLike", "mapExtractKeyLike", "mapApply", "mapFilter", "mapUpdate");
        group("splitting strings",
            "splitByChar", "splitByString", "splitByRegexp", "splitByWhitespace", "splitByNonAlpha", "alphaTokens",
            "extractAllGroups", "ngrams", "tokens");
        group("bit",
            "bitAnd", "bitOr", "bitXor", "bitNot", "bitShiftLeft", "bitShiftRight", "bitRotateLeft",
            "bitRotateRight", "bitSlice", "bitTest", "bitTestAll", "bitTestAny", "bitCount", "bitHammingDistance");
        group("bitmap",
            "bitmapBuild", "bitmapToArray", "bitmapSubsetInRange", "bitmapSubsetLimit", "subBitmap",
            "bitmapContains", "bitmapHasAny", "bitmapHasAll", "bitmapCardinality", "bitmapMin", "bitmapMax",
            "bitmapTransform", "bitmapAnd", "bitmapOr", "bitmapXor", "bitmapAndnot", "bitmapAndCardinality",
            "bitmapOrCardinality", "bitmapXorCardinality", "bitmapAndnotCardinality");
        group("urls",
            "protocol", "domain", "domainWithoutWWW", "topLevelDomain", "firstSignificantSubdomain",
            "cutToFirstSignificantSubdomain", "cutToFirstSignificantSubdomainWithWWW", "port", "path", "pathFull",
            "queryString", "fragment", "queryStringAndFragment", "extractURLParameter", "extractURLParameters",
            "extractURLParameterNames", "URLHierarchy", "URLPathHierarchy", "encodeURLComponent",
            "decodeURLComponent", "encodeURLFormComponent", "decodeURLFormComponent", "netloc", "cutWWW",
            "cutQueryString", "cutFragment", "cutQueryStringAndFragment", "cutURLParameter");
        group("json",
            "isValidJSON", "JSONHas", "JSONLength", "JSONArrayLength", "JSONType", "JSONExtract", "JSONExtractUInt",
            "JSONExtractInt", "JSONExtractFloat", "JSONExtractBool", "JSONExtractString", "JSONExtractKey",
            "JSONExtractKeys", "JSONExtractRaw", "JSONExtractArrayRaw", "JSONExtractKeysAndValues",
            "JSONExtractKeysAndValuesRaw", "JSON_VALUE");
        group("in",
            "in", "notIn");
        group("geo",
            "greatCircleDistance", "geoDistance", "greatCircleAngle", "pointInEllipses", "pointInPolygon",
            "geohashEncode", "geohashDecode", "geohashesInBox", "h3IsValid", "h3GetResolution", "h3GetBaseCell",
            "h3EdgeAngle", "h3EdgeLengthM", "h3EdgeLengthKm", "geoToH3", "h3ToGeo", "h3ToGeoBoundary", "h3kRing",
            "h3HexAreaM2", "h3HexAreaKm2", "h3IndexesAreNeighbors", "h3ToChildren", "h3ToParent", "h3ToString",
            "stringToH3", "h3IsResClassIII", "h3IsPentagon", "h3GetFaces", "h3CellAreaM2", "h3CellAreaRads2",
            "h3ToCenterChild", "h3ExactEdgeLengthM", "h3ExactEdgeLengthKm", "h3ExactEdgeLengthRads",
            "h3NumHexagons", "h3PointDistM", "h3PointDistKm", "h3PointDistRads", "h3GetRes0Indexes",
            "h3GetPentagonIndexes", "h3Line", "h3Distance", "h3HexRing", "h3GetUnidirectionalEdge",
            "h3UnidirectionalEdgeIsValid", "h3GetOriginIndexFromUnidirectionalEdge",
            "h3GetDestinationIndexFromUnidirectionalEdge", "h3GetIndexesFromUnidirectionalEdge",
            "h3GetUnidirectionalEdgesFromHexagon", "h3GetUnidirectionalEdgeBoundary");
        group("nullable",
            "isNull", "isNotNull", "coalesce", "ifNull", "nullIf", "assumeNotNull", "toNullable");
        group("tuples",
            "tuple", "tupleElement", "untuple", "tupleHammingDistance", "tupleToNameValuePairs", "tuplePlus",
            "tupleMinus", "tupleMultiply", "tupleDivide", "tupleNegate", "tupleMultiplyByNumber",
            "tupleDivideByNumber", "dotProduct");
        group("other",
            "isFinite", "isInfinite", "ifNotFinite", "isNaN", "bar", "transform", "formatReadableDecimalSize",
            "formatReadableSize", "formatReadableQuantity", "formatReadableTimeDelta", "least", "greatest",
            "indexHint", "extractIPv4Substrings", "languageCodeToName");
        group("time window",
            "tumble", "hop", "tumbleStart", "tumbleEnd", "hopStart", "hopEnd");
        group("distance",
            "L1Norm", "L2Norm", "LinfNorm", "LpNorm", "L1Distance", "L2Distance", "LinfDistance", "LpDistance",
            "L1Normalize", "L2Normalize", "LinfNormalize", "LpNormalize", "cosineDistance");
        group("window functions",
            "rank", "dense_rank", "row_number", "first_value", "last_value", "nth_value", "lagInFrame", "leadInFrame",
            "lag", "lead");
        group("aggregates",
            "count", "countIf", "countState", "countMerge", "countStateIf", "countDistinct", "countDistinctIf",
            "countMapIf", "min", "minIf", "max", "maxIf", "sum", "sumForEach", "minForEach", "sumIf", "avg", "avgIf",
            "avgMap", "avgMapIf", "avgMapState", "avgMapMerge", "avgMapMergeIf", "any", "anyIf", "stddevPop",
            "stddevPopIf", "stddevSamp", "stddevSampIf", "varPop", "varPopIf", "varSamp", "varSampIf", "covarPop",
            "covarPopIf", "covarSamp", "covarSampIf", "corr", "array_agg", "groupArray", "json_agg", "string_agg",
            "every", "anyHeavy", "anyHeavyIf", "anyLast", "anyLastIf", "argMin", "argMinIf", "argMax", "argMaxIf",
            "argMinMerge", "argMaxMerge", "argMinState", "argMaxState", "sumForEachState", "sumForEachMerge",
            "avgState", "avgStateIf", "avgMerge", "avgMergeIf", "avgWeighted", "avgWeightedIf", "avgArray", "topK",
            "groupArrayIf", "groupUniqArray", "groupUniqArrayIf", "groupUniqArrayArray", "groupUniqArrayArrayIf",
            "groupArrayInsertAt", "groupArrayInsertAtIf", "groupArrayMovingAvg", "groupArrayMovingAvgIf",
            "groupArrayMovingSum", "groupArrayMovingSumIf", "groupArraySample", "groupArraySampleIf", "groupBitAnd",
            "groupBitAndIf", "groupBitOr", "groupBitOrIf", "groupBitXor", "groupBitXorIf", "groupBitmap",
            "groupBitmapIf", "groupBitmapState", "groupBitmapAnd", "groupBitmapAndIf", "groupBitmapAndState",
            "groupBitmapOr", "groupBitmapOrIf", "groupBitmapOrState", "groupBitmapXor", "groupBitmapXorIf",
            "sumWithOverflow", "sumWithOverflowIf", "deltaSum", "deltaSumIf", "deltaSumTimestamp",
            "deltaSumTimestampIf", "sumMap", "sumMapIf", "sumMapMerge", "sumMapMergeIf", "minMap", "minMapIf",
            "maxMap", "maxMapIf", "sumMerge", "sumMergeIf", "sumState", "sumStateIf", "medianArray", "skewSamp",
            "skewSampIf", "skewPop", "skewPopIf", "kurtSamp", "kurtSampIf", "kurtPop", "kurtPopIf", "uniq", "uniqIf",
            "uniqExact", "uniqExactState", "uniqExactMerge", "uniqExactIf", "uniqHLL12", "uniqHLL12If", "uniqTheta",
            "uniqThetaIf", "uniqMerge", "uniqMergeIf", "uniqMap", "uniqMapMerge", "uniqMapMergeIf", "uniqState",
            "uniqStateIf", "uniqUpToMerge", "median", "medianIf", "medianExact", "medianExactIf", "medianExactLow",
            "medianExactLowIf", "medianExactHigh", "medianExactHighIf", "medianExactWeighted",
            "medianExactWeightedIf", "medianTiming", "medianTimingIf", "medianTimingWeighted",
            "medianTimingWeightedIf", "medianDeterministic", "medianDeterministicIf", "medianTDigest",
            "medianTDigestIf", "medianTDigestWeighted", "medianTDigestWeightedIf", "medianBFloat16",
            "medianBFloat16If", "percentile_cont", "percentile_disc", "quantile", "quantileIf", "quantiles",
            "quantilesIf", "quantilesState", "quantilesStateIf", "quantilesMerge", "quantilesMergeIf",
            "quantileExact", "simpleLinearRegression", "simpleLinearRegressionIf", "contingency", "contingencyIf",
            "cramersV", "cramersVIf", "cramersVBiasCorrected", "cramersVBiasCorrectedIf", "theilsU", "theilsUIf",
            "maxIntersections", "maxIntersectionsIf", "maxIntersectionsPosition", "maxIntersectionsPositionIf",
            "windowFunnel", "md5");
        group("aggregate combinators", combinatorNames());
        group("posthog",
            "sparkline", "matchesAction", "recordingButton", "explainCSPReport", "sortablesemver", "embedText",
            "lookupDomainType", "lookupPaidSourceType", "lookupPaidMediumType", "lookupOrganicSourceType",
            "lookupOrganicMediumType", "convertCurrency", "getSurveyResponse", "uniqueSurveySubmissionsFilter",
            "getTrafficType", "getTrafficCategory", "isLikelyBot", "getBotType", "getBotName", "getBotOperator");
        group("user-defined functions",
            "aggregate_funnel", "aggregate_funnel_array", "aggregate_funnel_cohort", "aggregate_funnel_trends",
            "aggregate_funnel_array_trends", "aggregate_funnel_cohort_trends", "aggregate_funnel_json",
            "aggregate_funnel_array_json", "aggregate_funnel_cohort_json", "aggregate_funnel_trends_json",
            "aggregate_funnel_array_trends_json", "aggregate_funnel_cohort_trends_json", "aggregate_funnel_test",
            "aggregate_funnel_array_trends_test");
    }

    /**
     * The names PostHog generates from {@link #COMBINED} and its combinator suffixes (each suffix once, each followed
     * only by the suffixes it allows), less those the aggregates group lists by name.
     */
    private static String[] combinatorNames() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String base : COMBINED) {
            combine(base, List.of(), names);
        }
        names.removeIf(n -> GROUP_OF.containsKey(n.toLowerCase(Locale.ROOT)));
        return names.toArray(String[]::new);
    }

    private static void combine(String base, List<String> used, java.util.Set<String> out) {
        if (!used.isEmpty()) {
            out.add(base + String.join("", used));
        }
        List<String> next = used.isEmpty() ? List.copyOf(SUFFIXES.keySet()) : SUFFIXES.get(used.get(used.size() - 1));
        for (String s : next) {
            if (!used.contains(s)) {
                List<String> more = new java.util.ArrayList<>(used);
                more.add(s);
                combine(base, more, out);
            }
        }
    }

    private FunctionCatalog() {}

    /**
     * The name of PostHog's list most like {@code name}, as Python's {@code difflib.get_close_matches(name, names, 1)}
     * picks it (PostHog suggests it for an unknown function): the highest Ratcliff/Obershelp similarity
     * {@code 2·matches / (len(a) + len(b))}, at least 0.6; null when none is that close.
     */
    public static String closest(String name) {
        String best = null;
        double bestScore = 0.6;
        for (List<String> names : GROUPS.values()) {
            for (String candidate : names) {
                double score = 2.0 * matches(candidate, 0, candidate.length(), name, 0, name.length())
                        / (candidate.length() + name.length());
                if (score > bestScore || score == bestScore && best != null && candidate.compareTo(best) > 0
                        || score == bestScore && best == null) {
                    best = candidate;
                    bestScore = score;
                }
            }
        }
        return best;
    }

    /** Characters matched by Ratcliff/Obershelp: the longest common block, then the same on each side of it. */
    private static int matches(String a, int alo, int ahi, String b, int blo, int bhi) {
        int besti = alo;
        int bestj = blo;
        int size = 0;
        for (int i = alo; i < ahi; i++) {
            for (int j = blo; j < bhi; j++) {
                int k = 0;
                while (i + k < ahi && j + k < bhi && a.charAt(i + k) == b.charAt(j + k)) {
                    k++;
                }
                if (k > size) {
                    besti = i;
                    bestj = j;
                    size = k;
                }
            }
        }
        if (size == 0) {
            return 0;
        }
        return size + matches(a, alo, besti, b, blo, bestj) + matches(a, besti + size, ahi, b, bestj + size, bhi);
    }

    /** PostHog's function names by group, in PostHog's order. */
    public static Map<String, List<String>> groups() {
        return Collections.unmodifiableMap(GROUPS);
    }

    /** True when Quarry compiles this PostHog function (with PostHog's meaning). */
    public static boolean supported(String name) {
        Functions.Spec s = Functions.lookup(name);
        return s != null && !s.name().startsWith("#");
    }

    /**
     * The 400 message for a PostHog function Quarry does not support (e.g. "HogQL function \"bitmapBuild\" (bit maps) is
     * not supported by Quarry"), or null when the name is not one of PostHog's.
     */
    public static String refusal(String name) {
        String group = GROUP_OF.get(name.toLowerCase(Locale.ROOT));
        if (group == null) {
            return null;
        }
        return "HogQL function \"" + name + "\" (" + group + ") is not supported by Quarry";
    }
}
