package dev.quarry.query;

import java.util.Set;

/** The query kinds of PostHog's schema: anything else is a parse error, a kind without a runner is unsupported. */
public final class QueryKinds {
    public static final Set<String> SCHEMA_KINDS = Set.of(
            "HogQLQuery", "HogQLMetadata", "HogQLAutocomplete", "HogQuery", "EventsQuery", "ActorsQuery",
            "PersonsQuery", "InsightActorsQuery", "InsightActorsQueryOptions", "FunnelsActorsQuery",
            "FunnelCorrelationActorsQuery", "StickinessActorsQuery", "TrendsQuery", "FunnelsQuery",
            "RetentionQuery", "PathsQuery", "StickinessQuery", "LifecycleQuery", "FunnelCorrelationQuery",
            "CalendarHeatmapQuery", "SessionsTimelineQuery", "WebOverviewQuery", "WebStatsTableQuery",
            "WebGoalsQuery", "WebExternalClicksTableQuery", "WebVitalsQuery", "SessionAttributionExplorerQuery",
            "ErrorTrackingQuery", "ExperimentFunnelsQuery", "ExperimentTrendsQuery", "ExperimentQuery",
            "RecordingsQuery", "DatabaseSchemaQuery", "SuggestedQuestionsQuery", "TeamTaxonomyQuery",
            "EventTaxonomyQuery", "ActorsPropertyTaxonomyQuery", "DataVisualizationNode", "DataTableNode",
            "SavedInsightNode", "InsightVizNode", "EventsNode", "ActionsNode", "PersonsNode", "GroupsQuery");

    private QueryKinds() {
    }
}
