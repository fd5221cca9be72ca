package dev.quarry.deploy;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Reflection registration for the native image, written out rather than left to discovery: Quarkus registers the
 * types that JAX-RS resource methods declare, but not what travels inside a {@code Response}, an exception mapper's
 * body, {@code JsonBodyWriter}'s one-buffer output, the SQS job body or the query cache, and the HogQL AST is
 * listed so that any future JSON view of it (metadata, debugging) works the same in native as on the JVM.
 *
 * <p>The rule is simple: every JAX-RS resource class and every non-private record and enum of the application is
 * here. {@code NativeReflectionTest}
 * fails when a new one is missing, so a native build cannot silently drop a field from a JSON answer.
 */
@RegisterForReflection(targets = {
        // JAX-RS resources: AuthFilter reads @RequiresScopes from their methods through ResourceInfo
        dev.quarry.auth.CurrentKeyResource.class,
        dev.quarry.auth.CurrentUserResource.class,
        dev.quarry.capture.CaptureResource.class,
        dev.quarry.plugins.PluginConfigResource.class,
        dev.quarry.projects.OperatorResource.class,
        dev.quarry.projects.ProjectResource.class,
        dev.quarry.query.QueryResource.class,
        // dev.quarry.auth
        dev.quarry.auth.CurrentKeyResource.KeyView.class,
        dev.quarry.auth.CurrentUserResource.OrganizationRef.class,
        dev.quarry.auth.CurrentUserResource.TeamRef.class,
        dev.quarry.auth.CurrentUserResource.UserView.class,
        dev.quarry.auth.KeySource.class,
        dev.quarry.auth.PresentedKey.class,
        // dev.quarry.capture
        dev.quarry.capture.CaptureBatch.class,
        dev.quarry.capture.CapturedEvent.class,
        // dev.quarry.data
        dev.quarry.data.Accounts.Organization.class,
        dev.quarry.data.Accounts.User.class,
        dev.quarry.data.ApiKey.class,
        dev.quarry.data.Team.class,
        // dev.quarry.hogql
        dev.quarry.hogql.CTE.class,
        dev.quarry.hogql.CompileSettings.class,
        dev.quarry.hogql.CompiledQuery.class,
        dev.quarry.hogql.Expr.Alias.class,
        dev.quarry.hogql.Expr.Window.class,
        dev.quarry.hogql.Expr.And.class,
        dev.quarry.hogql.Expr.Arithmetic.class,
        dev.quarry.hogql.Expr.ArrayAccess.class,
        dev.quarry.hogql.Expr.ArrayLit.class,
        dev.quarry.hogql.Expr.Between.class,
        dev.quarry.hogql.Expr.Call.class,
        dev.quarry.hogql.Expr.Case.class,
        dev.quarry.hogql.Expr.Compare.class,
        dev.quarry.hogql.Expr.Constant.class,
        dev.quarry.hogql.Expr.Field.class,
        dev.quarry.hogql.Expr.Interval.class,
        dev.quarry.hogql.Expr.IsNull.class,
        dev.quarry.hogql.Expr.Negate.class,
        dev.quarry.hogql.Expr.Not.class,
        dev.quarry.hogql.Expr.Or.class,
        dev.quarry.hogql.Expr.Placeholder.class,
        dev.quarry.hogql.Expr.Star.class,
        dev.quarry.hogql.Expr.TupleLit.class,
        dev.quarry.hogql.Functions.Spec.class,
        dev.quarry.hogql.HogQLCompiler.Validation.class,
        dev.quarry.hogql.HogQLCompiler.ValidationError.class,
        dev.quarry.hogql.JoinExpr.class,
        dev.quarry.hogql.PostgresPrinter.Frag.class,
        dev.quarry.hogql.PostgresPrinter.Printed.class,
        dev.quarry.hogql.PropertyFilters.Context.class,
        dev.quarry.hogql.Resolver.Column.class,
        dev.quarry.hogql.Resolver.ColumnRef.class,
        dev.quarry.hogql.Resolver.ExprRef.class,
        dev.quarry.hogql.Resolver.PersonFieldRef.class,
        dev.quarry.hogql.Resolver.PersonIdRef.class,
        dev.quarry.hogql.Resolver.SubColumnRef.class,
        dev.quarry.hogql.Schema.FieldDef.class,
        dev.quarry.hogql.Schema.Kind.class,
        dev.quarry.hogql.Schema.TableDef.class,
        dev.quarry.hogql.SelectQuery.class,
        dev.quarry.hogql.SelectQuery.LimitBy.class,
        dev.quarry.hogql.SelectQuery.OrderExpr.class,
        dev.quarry.hogql.SelectUnion.class,
        dev.quarry.hogql.Token.class,
        dev.quarry.hogql.Token.Kind.class,
        // dev.quarry.plugins
        dev.quarry.plugins.Counted.class,
        dev.quarry.plugins.LogEntryBatch.class,
        dev.quarry.plugins.LogFilter.class,
        dev.quarry.plugins.NewPluginConfig.class,
        dev.quarry.plugins.PluginConfig.class,
        dev.quarry.plugins.PluginConfigResource.Stored.class,
        dev.quarry.plugins.PluginLogEntry.class,
        // dev.quarry.projects
        dev.quarry.projects.DemoData.Summary.class,
        dev.quarry.projects.OperatorResource.CreateKey.class,
        dev.quarry.projects.OperatorResource.CreateProject.class,
        dev.quarry.projects.OperatorResource.KeyView.class,
        dev.quarry.projects.OperatorResource.ProjectCreated.class,
        dev.quarry.projects.OperatorResource.SeedDemoData.class,
        dev.quarry.projects.ProjectProvisioning.IssuedKey.class,
        dev.quarry.projects.ProjectProvisioning.ProvisionedProject.class,
        // added with persons, cohorts, insights, funnels and metering
        dev.quarry.cohorts.Cohort.class,
        dev.quarry.cohorts.CohortResource.class,
        dev.quarry.cohorts.Cohorts.Page.class,
        dev.quarry.cohorts.InternalCohortResource.class,
        dev.quarry.metering.QueryCost.class,
        dev.quarry.metering.UsageResource.class,
        dev.quarry.metering.Meter.Call.class,
        dev.quarry.metering.EndpointGroup.class,
        dev.quarry.metering.Plan.class,
        dev.quarry.metering.Usage.Entry.class,
        dev.quarry.persons.PersonsResource.class,
        dev.quarry.persons.PersonActors.Page.class,
        dev.quarry.persons.Persons.ResetOutcome.class,
        dev.quarry.insights.HogQLPart.class,
        dev.quarry.insights.TrendsQueryRunner.Plan.class,
        dev.quarry.insights.LifecycleQueryRunner.Plan.class,
        dev.quarry.insights.funnels.FunnelActors.Page.class,
        dev.quarry.insights.funnels.FunnelPlan.Attribution.class,
        dev.quarry.insights.funnels.FunnelPlan.OrderType.class,
        dev.quarry.insights.funnels.FunnelPlan.class,
        dev.quarry.insights.funnels.FunnelPlan.Breakdown.class,
        dev.quarry.insights.funnels.FunnelPlan.Exclusion.class,
        dev.quarry.insights.funnels.FunnelPlan.VizType.class,
        dev.quarry.insights.DateRange.class,
        dev.quarry.insights.RetentionQueryRunner.Plan.class,
        dev.quarry.insights.RetentionBreakdown.class,
        dev.quarry.insights.PathsQueryRunner.Plan.class,
        dev.quarry.insights.PathsQueryRunner.Step.class,
        dev.quarry.insights.ActorsQueryRunner.Cell.class,
        dev.quarry.insights.Interval.class,
        dev.quarry.insights.Series.class,
        dev.quarry.insights.Breakdown.class,
        dev.quarry.insights.StickinessQueryRunner.Plan.class,
        // dev.quarry.query
        dev.quarry.query.AsyncQueryJob.class,
        dev.quarry.query.QueryCache.Entry.class,
        dev.quarry.query.QueryContext.class,
        dev.quarry.query.QueryReply.class,
        dev.quarry.query.QueryRequest.class,
        dev.quarry.query.RefreshMode.class,
        // dev.quarry.web
        dev.quarry.web.ApiError.class,
        dev.quarry.web.FunctionGroups.Group.class,
        dev.quarry.web.FunctionGroups.Owned.class,
        dev.quarry.web.FunctionGroups.Route.class,
        dev.quarry.web.LimitOffset.class,
        dev.quarry.web.LimitOffset.Page.class
}, classNames = {
        // package-private in dev.quarry.capture
        "dev.quarry.capture.PersonResolution$Merge",
        "dev.quarry.capture.PersonResolution$Outcome",
})
public final class NativeReflection {
    private NativeReflection() {
    }
}
