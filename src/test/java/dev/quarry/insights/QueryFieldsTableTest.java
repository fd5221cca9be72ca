package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quarry.query.HogQLQuery;
import dev.quarry.query.schema.BreakdownFilter;
import dev.quarry.query.schema.CompareFilter;
import dev.quarry.query.schema.DateRange;
import dev.quarry.query.schema.DisplayOnly;
import dev.quarry.query.schema.EventsNode;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.PropertyGroupFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 §1, as a table: every field of every query node Quarry parses (the records of each query kind the
 * {@code /query} dispatcher answers, and their nested filters and series nodes), with what Quarry does with it.
 * The records declare PostHog's schema fields (posthog/schema.py), so a field not declared is already a 400 naming
 * it ({@code QuerySchema}, {@code FAIL_ON_UNKNOWN_PROPERTIES}); this table keeps the declared ones from being parsed
 * and dropped. Each field is one of:
 * <ul>
 * <li>{@code H} honoured: its accessor is read by main code (checked below);</li>
 * <li>{@code R} refused unless at its "off" value: a {@code QuerySchema.unsupported(…, "<field>", …)} names it
 * (checked below; the requests are in IgnoredFieldsTest, RetentionBreakdownTest, PathsQueryTest, FunnelSchemaTest);</li>
 * <li>{@code D} display only: PostHog's runner for the kind does not read it either (the reason is in the row);</li>
 * <li>{@code M} the node's metadata: {@code kind} (the dispatcher's tag), {@code response} (an output field),
 * {@code version} (schema version, upgraded by PostHog's frontend only), {@code tags} / {@code name} (labels for
 * PostHog's query log), {@code modifiers} (checked as PostHog's HogQLQueryModifiers, echoed);</li>
 * <li>{@code T} a field of a property filter type Quarry refuses whole ("Unsupported property filter type");</li>
 * <li>{@code *} a {@code @JsonAnySetter} map that takes only {@link DisplayOnly#CHART}, PostHog's chart fields.</li>
 * </ul>
 * A field added to a record later without a row here fails {@link #everyDeclaredFieldHasARow}.
 */
class QueryFieldsTableTest {
    private static final String META = "kind=M response=M version=M tags=M modifiers=M";
    private static final String INSIGHT_META = META + " name=M"
            // a colour theme id for the frontend; no runner reads it
            + " dataColorTheme=D"
            + " aggregation_group_type_index=R samplingFactor=R useSessionsTable=R conversionGoal=R";

    /** JSON field → status, per record. */
    private static final Map<Class<?>, String> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put(TrendsQuery.class, INSIGHT_META + " dateRange=H properties=H filterTestAccounts=H series=H"
                + " interval=H trendsFilter=H breakdownFilter=H compareFilter=H");
        TABLE.put(TrendsQuery.TrendsFilter.class, "display=H formula=H formulaNodes=H formulas=H"
                + " smoothingIntervals=R breakdown_histogram_bin_count=R displayOnly=*");
        TABLE.put(TrendsQuery.FormulaNode.class, "formula=H custom_name=H");
        // funnels aggregate by groups (FunnelGroupsTest); the other kinds refuse it
        TABLE.put(FunnelsQuery.class, INSIGHT_META.replace("aggregation_group_type_index=R",
                "aggregation_group_type_index=H") + " series=H funnelsFilter=H breakdownFilter=H dateRange=H"
                + " interval=H properties=H filterTestAccounts=H");
        TABLE.put(FunnelsFilter.class, "funnelVizType=H funnelOrderType=H funnelWindowInterval=H"
                + " funnelWindowIntervalUnit=H funnelWindowDays=H exclusions=H breakdownAttributionType=H"
                + " breakdownAttributionValue=H funnelFromStep=H funnelToStep=H binCount=H"
                + " funnelAggregateByHogQL=R chart=*");
        TABLE.put(RetentionQuery.class, INSIGHT_META.replace("aggregation_group_type_index=R",
                "aggregation_group_type_index=H") + " dateRange=H properties=H filterTestAccounts=H"
                + " retentionFilter=H breakdownFilter=H");
        // retentionReference, meanRetentionCalculation, showMean, showTrendLines, selectedInterval, display and
        // dashboardDisplay choose how the frontend draws the table (retention_query_runner.py reads none of them)
        TABLE.put(RetentionQuery.RetentionFilter.class, "period=H totalIntervals=H retentionType=H targetEntity=H"
                + " returningEntity=H cumulative=H minimumOccurrences=H timeWindowMode=R aggregationType=H"
                + " retentionCustomBrackets=R aggregationProperty=H aggregationPropertyType=H retentionReference=D"
                + " display=D dashboardDisplay=D meanRetentionCalculation=D showMean=D showTrendLines=D"
                + " selectedInterval=D chartStyle=D goalLines=D cohortLabelStartIndex=D");
        // name, custom_name, order, uuid label the entity in the frontend's picker
        TABLE.put(RetentionQuery.RetentionEntity.class, "id=H type=H kind=H event=H properties=H name=D"
                + " custom_name=D order=D uuid=D");
        TABLE.put(StickinessQuery.class, INSIGHT_META + " dateRange=H properties=H filterTestAccounts=H series=H"
                + " interval=H intervalCount=H stickinessFilter=H compareFilter=H breakdownFilter=R");
        TABLE.put(StickinessQuery.StickinessFilter.class, "computedAs=H stickinessCriteria=H chart=*");
        TABLE.put(StickinessQuery.StickinessCriteria.class, "operator=H value=H");
        // lifecycleFilter holds only chart fields (showLegend, showValuesOnSeries, stacked, toggledLifecycles)
        TABLE.put(LifecycleQuery.class, INSIGHT_META.replace("aggregation_group_type_index=R",
                "aggregation_group_type_index=H") + " dateRange=H properties=H filterTestAccounts=H series=H"
                + " interval=H lifecycleFilter=D breakdownFilter=R");
        TABLE.put(LifecycleQuery.LifecycleFilter.class, "chart=*");
        TABLE.put(PathsQuery.class, INSIGHT_META + " dateRange=H properties=H filterTestAccounts=H pathsFilter=H"
                + " funnelPathsFilter=R");
        // pathReplacements applies the project's path_cleaning_filters (paths_query_runner.py); a Quarry project
        // has none, so PostHog would apply none either. showFullUrls only changes the drawing.
        TABLE.put(PathsQuery.PathsFilter.class, "edgeLimit=H endPoint=H excludeEvents=H includeEventTypes=H"
                + " localPathCleaningFilters=H maxEdgeWeight=H minEdgeWeight=H pathDropoffKey=H pathEndKey=H"
                + " pathGroupings=H pathReplacements=D pathStartKey=H pathsHogQLExpression=H startPoint=H stepLimit=H"
                + " showFullUrls=D");
        TABLE.put(PathsQuery.PathCleaningFilter.class, "alias=H regex=H");
        TABLE.put(FunnelCorrelationQuery.class, META + " source=H funnelCorrelationType=H funnelCorrelationNames=H"
                + " funnelCorrelationExcludeNames=H funnelCorrelationEventNames=H funnelCorrelationExcludeEventNames=H"
                + " funnelCorrelationEventExcludePropertyNames=H");
        TABLE.put(ActorsQuery.class, META + " source=H select=H search=H properties=H fixedProperties=H orderBy=H"
                + " limit=H offset=H");
        // includeRecordings asks for matched_recordings: Quarry has no recordings, the column is always []
        TABLE.put(FunnelsActorsQuery.class, META + " source=H funnelStep=H funnelStepBreakdown=H"
                + " funnelTrendsEntrancePeriodStart=H funnelTrendsDropOff=H funnelCustomSteps=H includeRecordings=D"
                + " limit=H offset=H");
        TABLE.put(InsightActorsQuery.class, META + " source=H day=H series=H breakdown=H compare=H status=H"
                + " interval=H operator=R includeRecordings=D");
        TABLE.put(FunnelCorrelationActorsQuery.class, META + " source=H funnelCorrelationPersonConverted=H"
                + " funnelCorrelationPersonEntity=H funnelCorrelationPropertyValues=H includeRecordings=D limit=H"
                + " offset=H");
        TABLE.put(EventsQuery.class, META + " select=H where=H properties=H fixedProperties=H event=H events=R"
                + " personId=H after=H before=H filterTestAccounts=H orderBy=H limit=H offset=H actionId=H source=R");
        TABLE.put(HogQLQuery.class, META + " name=M query=H values=H variables=H filters=H explain=R"
                + " sendRawQuery=R connectionId=R");
        // variableId ties a variable to a saved insight variable's definition; Quarry keeps none and reads
        // code_name, which PostHog's frontend always sends beside it
        TABLE.put(HogQLQuery.HogQLVariable.class, "code_name=H value=H isNull=H variableId=D");
        TABLE.put(HogQLQuery.HogQLFilters.class, "properties=H dateRange=H filterTestAccounts=H");
        TABLE.put(EventsNode.class, "kind=H event=H name=H custom_name=H math=H math_property=H"
                + " math_property_type=R math_hogql=H math_group_type_index=H math_multiplier=R"
                + " math_property_revenue_currency=R properties=H fixedProperties=H limit=R orderBy=R"
                + " optionalInFunnel=R response=M version=M funnelFromStep=H funnelToStep=H id=H");
        TABLE.put(BreakdownFilter.class, "breakdown=H breakdown_type=H breakdown_limit=H"
                + " breakdown_hide_other_aggregation=H breakdown_normalize_url=R breakdown_histogram_bin_count=R"
                + " breakdown_group_type_index=R breakdown_path_cleaning=R breakdowns=H");
        TABLE.put(BreakdownFilter.Entry.class, "property=H type=H normalize_url=R histogram_bin_count=R"
                + " group_type_index=R");
        TABLE.put(CompareFilter.class, "compare=H compare_to=H");
        TABLE.put(DateRange.class, "date_from=H date_to=H explicitDate=H");
        // a node's modifiers: the four that change PostHog's values where Quarry has one rule are refused off it; the
        // rest tune ClickHouse plans (D). personsOnEventsMode's *_properties_on_events modes (event-time person
        // properties), materializationMode's legacy_null_as_string and personsJoinMode are echoed, not acted on: the
        // README's known differences
        TABLE.put(dev.quarry.query.schema.HogQLQueryModifiers.class, "convertToProjectTimezone=R"
                + " bounceRateDurationSeconds=R bounceRatePageViewMode=R customChannelTypeRules=R"
                + " dataWarehouseEventsModifiers=D debug=D formatCsvAllowDoubleQuotes=D inCohortVia=D"
                + " materializationMode=D optimizeJoinedFilters=D optimizeProjections=D personsArgMaxVersion=D"
                + " personsJoinMode=D personsOnEventsMode=D propertyGroupsMode=D s3TableUseInvalidColumns=D"
                + " sessionTableVersion=D sessionsV2JoinMode=D timings=D useMaterializedViews=D"
                + " usePreaggregatedTableTransforms=D usePresortedEventsTable=D useWebAnalyticsPreAggregatedTables=D");
        // property filters (posthog/hogql/property.py property_to_expr): label is the UI's name for the filter,
        // cohort_name the cohort's (the id in value is what is read), a hogql filter's value is not read
        TABLE.put(PropertyGroupFilter.class, "type=H values=H");
        for (Class<?> keyed : PropertyFilter.Keyed.class.getPermittedSubclasses()) {
            String rows = keyed == PropertyFilter.HogQL.class ? "key=H label=D type=M value=D"
                    : List.of(PropertyFilter.Event.class, PropertyFilter.Person.class, PropertyFilter.Session.class,
                            PropertyFilter.Cohort.class, PropertyFilter.Element.class).contains(keyed) ? "key=H operator=H type=M value=H label=D"
                    // every other type is refused whole: "Unsupported property filter type" (hogql.PropertyFilters)
                    : Stream.of(keyed.getRecordComponents()).map(c -> jsonName(c) + "=T")
                            .collect(Collectors.joining(" "));
            TABLE.put(keyed, keyed == PropertyFilter.Cohort.class ? rows + " cohort_name=D" : rows);
        }
    }

    private static String main;
    private static final Map<Class<?>, String> OWN = new LinkedHashMap<>();

    @BeforeAll
    static void read() {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<Path> java = files.filter(p -> p.toString().endsWith(".java")).toList();
            StringBuilder all = new StringBuilder();
            for (Path p : java) {
                all.append(Files.readString(p)).append('\n');
            }
            main = all.toString();
            for (Class<?> type : TABLE.keySet()) {
                Class<?> top = type;
                while (top.getEnclosingClass() != null) {
                    top = top.getEnclosingClass();
                }
                String file = top.getName().replace('.', '/') + ".java";
                OWN.put(type, code(Files.readString(Path.of("src/main/java", file))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source without its comment lines. */
    private static String code(String source) {
        return source.lines().filter(l -> {
            String t = l.strip();
            return !(t.startsWith("*") || t.startsWith("/*") || t.startsWith("//"));
        }).collect(Collectors.joining("\n"));
    }

    private static Map<String, String> rows(Class<?> type) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String cell : TABLE.get(type).trim().split("\\s+")) {
            String[] kv = cell.split("=");
            rows.put(kv[0], kv[1]);
        }
        return rows;
    }

    private static String jsonName(RecordComponent c) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }

    @Test
    void everyDeclaredFieldHasARow() {
        List<String> problems = new ArrayList<>();
        for (Class<?> type : TABLE.keySet()) {
            TreeSet<String> declared = new TreeSet<>();
            for (RecordComponent c : type.getRecordComponents()) {
                declared.add(jsonName(c));
            }
            TreeSet<String> listed = new TreeSet<>(rows(type).keySet());
            if (!declared.equals(listed)) {
                TreeSet<String> missing = new TreeSet<>(declared);
                missing.removeAll(listed);
                TreeSet<String> extra = new TreeSet<>(listed);
                extra.removeAll(declared);
                problems.add(type.getSimpleName() + ": no row for " + missing + ", row without field " + extra);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void honouredFieldsAreReadAndRefusedOnesAreNamed() {
        List<String> problems = new ArrayList<>();
        for (Class<?> type : TABLE.keySet()) {
            Map<String, String> rows = rows(type);
            for (RecordComponent c : type.getRecordComponents()) {
                String field = jsonName(c);
                String status = rows.get(field);
                if (status == null) {
                    continue; // reported by everyDeclaredFieldHasARow
                }
                switch (status) {
                    case "H" -> {
                        // the accessor anywhere, or the component by name in its own record's code (declaration aside)
                        boolean read = main.contains("." + c.getName() + "()")
                                || count(OWN.get(type), c.getName()) > 1;
                        if (!read) {
                            problems.add(type.getSimpleName() + "." + field + " is marked honoured but never read");
                        }
                    }
                    case "R" -> {
                        boolean named = main.lines().anyMatch(l -> l.contains("unsupported(")
                                && l.contains("\"" + field + "\""));
                        if (!named) {
                            problems.add(type.getSimpleName() + "." + field + " is marked refused but no "
                                    + "QuerySchema.unsupported names it");
                        }
                    }
                    case "*" -> {
                        if (c.getAccessor().getAnnotation(JsonAnySetter.class) == null
                                && !OWN.get(type).contains("DisplayOnly.check(" + c.getName())) {
                            problems.add(type.getSimpleName() + "." + field + " is no display-only map");
                        }
                    }
                    case "T" -> {
                        if (!main.contains("Unsupported property filter type")) {
                            problems.add(type.getSimpleName() + " is marked refused as a type, but nothing refuses it");
                        }
                    }
                    case "D", "M" -> {
                    }
                    default -> problems.add(type.getSimpleName() + "." + field + ": unknown status " + status);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The chart fields a display-only map takes are fields PostHog's runners do not read: none is a computed one. */
    @Test
    void chartFieldsAreNoComputedField() {
        for (String computed : List.of("formula", "formulas", "smoothingIntervals", "compare", "breakdown",
                "interval", "funnelVizType", "funnelOrderType", "binCount", "exclusions", "computedAs",
                "stickinessCriteria", "period", "totalIntervals")) {
            assertTrue(!DisplayOnly.CHART.contains(computed), computed);
        }
    }

    private static int count(String text, String word) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(word)
                + "\\b").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
