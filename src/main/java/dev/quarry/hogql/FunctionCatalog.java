package dev.quarry.hogql;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PostHog's HogQL function list (posthog/hogql/functions/mapping.py at PostHog commit 00a2cdc, by its groups), and
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

    static {
        group("arithmetic",
            "plus", "minus", "multiply", "divide", "intDiv", "intDivOrZero", "modulo", "moduloOrZero",
            "positiveModulo", "negate", "abs", "gcd", "lcm", "max2", "min2", "multiplyDecimal", "divideDecimal");
        group("arrays and strings",
            "empty", "notEmpty", "length", "reverse");
        group("arrays",
            "array", "range", "arrayConcat", "arrayElement", "has", "hasAll", "hasAny", "hasSubstr", "indexOf",
            "arrayCount", "countEqual", "arrayEnumerate", "arrayEnumerateUniq", "arrayPopBack", "arrayPopFront",
            "arrayPushBack", "arrayPushFront", "arrayResize", "arraySlice", "arraySort", "arrayReverseSort",
            "arrayUniq", "arrayJoin", "arrayDifference", "arrayDistinct", "arrayEnumerateDense", "arrayIntersect",
            "arrayReverse", "arrayFilter", "arrayFlatten", "arrayCompact", "arrayZip", "arrayAUC", "arrayMap",
            "arrayFill", "arraySplit", "arrayReverseFill", "arrayReverseSplit", "arrayExists", "arrayAll",
            "arrayFirst", "arrayLast", "arrayFirstIndex", "arrayLastIndex", "arrayMin", "arrayMax", "arraySum",
            "arrayAvg", "arrayCumSum", "arrayCumSumNonNegative", "arrayProduct");
        group("comparison",
            "equals", "notEquals", "less", "greater", "lessOrEquals", "greaterOrEquals");
        group("logical",
            "and", "or", "xor", "not");
        group("type conversions",
            "toInt", "toFloat", "toDecimal", "toDate", "toDateTime", "toUUID", "toString", "toJSONString",
            "parseDateTime", "parseDateTimeBestEffort");
        group("dates and times",
            "toTimeZone", "timeZoneOf", "timeZoneOffset", "toYear", "toQuarter", "toMonth", "toDayOfYear",
            "toDayOfMonth", "toDayOfWeek", "toHour", "toMinute", "toSecond", "toUnixTimestamp",
            "toUnixTimestamp64Milli", "toStartOfYear", "toStartOfISOYear", "toStartOfQuarter", "toStartOfMonth",
            "toLastDayOfMonth", "toMonday", "toStartOfWeek", "toStartOfDay", "toLastDayOfWeek", "toStartOfHour",
            "toStartOfMinute", "toStartOfSecond", "toStartOfFiveMinutes", "toStartOfTenMinutes",
            "toStartOfFifteenMinutes", "toTime", "toISOYear", "toISOWeek", "toWeek", "toYearWeek", "age", "dateDiff",
            "dateTrunc", "dateAdd", "dateSub", "timeStampAdd", "timeStampSub", "now", "NOW", "nowInBlock", "today",
            "yesterday", "timeSlot", "toYYYYMM", "toYYYYMMDD", "toYYYYMMDDhhmmss", "addYears", "addMonths",
            "addWeeks", "addDays", "addHours", "addMinutes", "addSeconds", "addQuarters", "subtractYears",
            "subtractMonths", "subtractWeeks", "subtractDays", "subtractHours", "subtractMinutes", "subtractSeconds",
            "subtractQuarters", "timeSlots", "formatDateTime", "dateName", "monthName", "fromUnixTimestamp",
            "toModifiedJulianDay", "fromModifiedJulianDay", "toIntervalSecond", "toIntervalMinute", "toIntervalHour",
            "toIntervalDay", "toIntervalWeek", "toIntervalMonth", "toIntervalQuarter", "toIntervalYear");
        group("strings",
            "lengthUTF8", "leftPad", "rightPad", "leftPadUTF8", "rightPadUTF8", "lower", "upper", "lowerUTF8",
            "upperUTF8", "isValidUTF8", "toValidUTF8", "repeat", "format", "reverseUTF8", "concat", "substring",
            "substringUTF8", "appendTrailingCharIfAbsent", "convertCharset", "base58Encode", "base58Decode",
            "tryBase58Decode", "base64Encode", "base64Decode", "tryBase64Decode", "endsWith", "startsWith", "trim",
            "trimLeft", "trimRight", "encodeXMLComponent", "decodeXMLComponent", "extractTextFromHTML", "ascii",
            "concatWithSeparator");
        group("searching in strings",
            "position", "positionCaseInsensitive", "positionUTF8", "positionCaseInsensitiveUTF8",
            "multiSearchAllPositions", "multiSearchAllPositionsUTF8", "multiSearchFirstPosition",
            "multiSearchFirstIndex", "multiSearchAny", "match", "multiMatchAny", "multiMatchAnyIndex",
            "multiMatchAllIndices", "multiFuzzyMatchAny", "multiFuzzyMatchAnyIndex", "multiFuzzyMatchAllIndices",
            "extract", "extractAll", "extractAllGroupsHorizontal", "extractAllGroupsVertical", "like", "ilike",
            "notLike", "notILike", "ngramDistance", "ngramSearch", "countSubstrings",
            "countSubstringsCaseInsensitive", "countSubstringsCaseInsensitiveUTF8", "countMatches", "regexpExtract");
        group("replacing in strings",
            "replace", "replaceAll", "replaceOne", "replaceRegexpAll", "replaceRegexpOne", "regexpQuoteMeta",
            "translate", "translateUTF8");
        group("conditional",
            "if", "multiIf");
        group("mathematical",
            "e", "pi", "exp", "log", "ln", "exp2", "log2", "exp10", "log10", "sqrt", "cbrt", "erf", "erfc", "lgamma",
            "tgamma", "sin", "cos", "tan", "asin", "acos", "atan", "pow", "power", "intExp2", "intExp10", "cosh",
            "acosh", "sinh", "asinh", "atanh", "atan2", "hypot", "log1p", "sign", "degrees", "radians", "factorial",
            "width_bucket");
        group("rounding",
            "floor", "ceil", "trunc", "round", "roundBankers", "roundToExp2", "roundDuration", "roundAge", "roundDown");
        group("maps",
            "map", "mapFromArrays", "mapAdd", "mapSubtract", "mapPopulateSeries", "mapContains", "mapKeys",
            "mapValues", "mapContainsKeyLike", "mapExtractKeyLike", "mapApply", "mapFilter", "mapUpdate");
        group("splitting strings",
            "splitByChar", "splitByString", "splitByRegexp", "splitByWhitespace", "splitByNonAlpha",
            "arrayStringConcat", "alphaTokens", "extractAllGroups", "ngrams", "tokens");
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
            "isValidJSON", "JSONHas", "JSONLength", "JSONArrayLength", "JSONType", "JSONExtractUInt",
            "JSONExtractInt", "JSONExtractFloat", "JSONExtractBool", "JSONExtractString", "JSONExtractKey",
            "JSONExtractKeys", "JSONExtractRaw", "JSONExtractArrayRaw", "JSONExtractKeysAndValuesRaw");
        group("in",
            "in", "notIn");
        group("geo",
            "greatCircleDistance", "geoDistance", "greatCircleAngle", "pointInEllipses", "pointInPolygon",
            "geohashEncode", "geohashDecode", "geohashesInBox");
        group("nullable",
            "isNull", "isNotNull", "coalesce", "ifNull", "nullIf", "assumeNotNull", "toNullable");
        group("tuples",
            "tuple", "tupleElement", "untuple", "tupleHammingDistance", "tupleToNameValuePairs", "tuplePlus",
            "tupleMinus", "tupleMultiply", "tupleDivide", "tupleNegate", "tupleMultiplyByNumber",
            "tupleDivideByNumber", "dotProduct");
        group("other",
            "isFinite", "isInfinite", "ifNotFinite", "isNaN", "bar", "transform", "formatReadableDecimalSize",
            "formatReadableSize", "formatReadableQuantity", "formatReadableTimeDelta", "least", "greatest");
        group("time window",
            "tumble", "hop", "tumbleStart", "tumbleEnd", "hopStart", "hopEnd");
        group("distance",
            "L1Norm", "L2Norm", "LinfNorm", "LpNorm", "L1Distance", "L2Distance", "LinfDistance", "LpDistance",
            "L1Normalize", "L2Normalize", "LinfNormalize", "LpNormalize", "cosineDistance");
        group("window functions",
            "rank", "dense_rank", "row_number", "first_value", "last_value", "nth_value", "lagInFrame", "leadInFrame");
        group("aggregates",
            "count", "COUNT", "countIf", "countDistinctIf", "min", "minIf", "max", "maxIf", "sum", "sumIf", "avg",
            "avgIf", "any", "anyIf", "stddevPop", "stddevPopIf", "stddevSamp", "stddevSampIf", "varPop", "varPopIf",
            "varSamp", "varSampIf", "covarPop", "covarPopIf", "covarSamp", "covarSampIf", "anyHeavy", "anyHeavyIf",
            "anyLast", "anyLastIf", "argMin", "argMinIf", "argMax", "argMaxIf", "argMinMerge", "avgWeighted",
            "avgWeightedIf", "groupArray", "groupUniqArray", "groupArrayInsertAt", "groupArrayInsertAtIf",
            "groupArrayMovingAvg", "groupArrayMovingAvgIf", "groupArrayMovingSum", "groupArrayMovingSumIf",
            "groupBitAnd", "groupBitAndIf", "groupBitOr", "groupBitOrIf", "groupBitXor", "groupBitXorIf",
            "groupBitmap", "groupBitmapIf", "groupBitmapAnd", "groupBitmapAndIf", "groupBitmapOr", "groupBitmapOrIf",
            "groupBitmapXor", "groupBitmapXorIf", "sumWithOverflow", "sumWithOverflowIf", "deltaSum", "deltaSumIf",
            "deltaSumTimestamp", "deltaSumTimestampIf", "sumMap", "sumMapIf", "minMap", "minMapIf", "maxMap",
            "maxMapIf", "skewSamp", "skewSampIf", "skewPop", "skewPopIf", "kurtSamp", "kurtSampIf", "kurtPop",
            "kurtPopIf", "uniq", "uniqIf", "uniqExact", "uniqExactIf", "uniqHLL12", "uniqHLL12If", "uniqTheta",
            "uniqThetaIf", "median", "medianIf", "medianExact", "medianExactIf", "medianExactLow",
            "medianExactLowIf", "medianExactHigh", "medianExactHighIf", "medianExactWeighted",
            "medianExactWeightedIf", "medianTiming", "medianTimingIf", "medianTimingWeighted",
            "medianTimingWeightedIf", "medianDeterministic", "medianDeterministicIf", "medianTDigest",
            "medianTDigestIf", "medianTDigestWeighted", "medianTDigestWeightedIf", "medianBFloat16",
            "medianBFloat16If", "quantile", "quantileIf", "quantiles", "quantilesIf", "simpleLinearRegression",
            "simpleLinearRegressionIf", "contingency", "contingencyIf", "cramersV", "cramersVIf",
            "cramersVBiasCorrected", "cramersVBiasCorrectedIf", "theilsU", "theilsUIf", "maxIntersections",
            "maxIntersectionsIf", "maxIntersectionsPosition", "maxIntersectionsPositionIf");
        group("posthog",
            "sparkline", "hogql_lookupDomainType", "hogql_lookupPaidDomainType", "hogql_lookupPaidSourceType",
            "hogql_lookupPaidMediumType", "hogql_lookupOrganicDomainType", "hogql_lookupOrganicSourceType",
            "hogql_lookupOrganicMediumType");
    }

    private FunctionCatalog() {}

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
