package dev.quarry.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.auth.RequestAuth;
import dev.quarry.auth.RequiresScopes;
import dev.quarry.dates.RelativeDates;
import dev.quarry.web.QueryValues;
import dev.quarry.web.ApiPaths;
import dev.quarry.web.Csv;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * GET usage: the project's metered calls and billable units per endpoint group per day or month (UTC), with
 * totals, its plan and what this month has used of it. JSON, or CSV with {@code format=csv}. Not held to the
 * project's quota, so a project over quota can still see why.
 */
@Path(ApiPaths.PROJECT + "/usage")
@Produces(MediaType.APPLICATION_JSON)
@RequiresScopes(anyOf = {"project:read", "query:read"})
public class UsageResource {
    private final RequestAuth auth;
    private final Usage usage;
    private final Limits limits;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public UsageResource(RequestAuth auth, Usage usage, Limits limits, ObjectMapper mapper) {
        this.auth = auth;
        this.usage = usage;
        this.limits = limits;
        this.mapper = mapper;
    }

    static boolean isUsagePath(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.startsWith("/api/projects/") && p.endsWith("/usage") && p.chars().filter(c -> c == '/').count() == 4;
    }

    @GET
    public Uni<Response> get(@QueryParam("date_from") String dateFrom, @QueryParam("date_to") String dateTo,
                             @QueryParam("interval") String intervalParam, @QueryParam("format") String format) {
        boolean csv = Csv.requested(format);
        String interval = intervalParam == null || intervalParam.isBlank() ? "day" : intervalParam;
        if (!interval.equals("day") && !interval.equals("month")) {
            throw new ValidationException("interval must be day or month", "interval");
        }
        ZonedDateTime now = clock.instant().atZone(ZoneOffset.UTC);
        ZonedDateTime from = RelativeDates.parse(dateFrom == null ? "mStart" : dateFrom, now, false, "date_from");
        ZonedDateTime to = RelativeDates.parse(dateTo, now, true, "date_to");
        from = from == null ? now.minusYears(10) : from;
        to = to == null ? now : to;
        from = interval.equals("day") ? from.truncatedTo(ChronoUnit.DAYS)
                : from.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        if (from.isAfter(to)) {
            throw new ValidationException("date_from must not be after date_to", "date_from");
        }
        long teamId = auth.teamId();
        OffsetDateTime fromUtc = from.toOffsetDateTime();
        OffsetDateTime toUtc = to.toOffsetDateTime();
        return usage.series(teamId, interval, fromUtc, toUtc).flatMap(series -> {
            if (csv) {
                return Uni.createFrom().item(Csv.response(csvRows(series)));
            }
            return Uni.combine().all().unis(limits.plan(teamId), usage.monthToDate(teamId)).asTuple()
                    .map(planAndUsed -> Response.ok(body(series, interval, fromUtc, toUtc, planAndUsed.getItem1(),
                            planAndUsed.getItem2())).type(MediaType.APPLICATION_JSON).build());
        });
    }

    private List<JsonNode> csvRows(List<Usage.Entry> series) {
        List<JsonNode> rows = new ArrayList<>();
        series.forEach(entry -> rows.add(entry.toJson(mapper)));
        totalsByGroup(series).values().forEach(total -> rows.add(total.toJson(mapper)));
        return rows;
    }

    private ObjectNode body(List<Usage.Entry> series, String interval, OffsetDateTime from, OffsetDateTime to,
                            Plan plan, Map<EndpointGroup, Long> used) {
        ObjectNode body = mapper.createObjectNode();
        body.put("date_from", QueryValues.timestamp(from));
        body.put("date_to", QueryValues.timestamp(to));
        body.put("interval", interval);
        body.put("timezone", "UTC");
        series.forEach(entry -> body.withArray("results").add(entry.toJson(mapper)));
        if (series.isEmpty()) {
            body.putArray("results");
        }
        Map<EndpointGroup, Usage.Entry> byGroup = totalsByGroup(series);
        long calls = 0;
        long billable = 0;
        long units = 0;
        ObjectNode groups = mapper.createObjectNode();
        for (Usage.Entry total : byGroup.values()) {
            calls += total.calls();
            billable += total.billableCalls();
            units += total.units();
            ObjectNode node = total.toJson(mapper);
            node.remove("date");
            node.remove("endpoint_group");
            groups.set(total.group().id(), node);
        }
        ObjectNode totals = body.putObject("totals");
        totals.put("calls", calls);
        totals.put("billable_calls", billable);
        totals.put("failed_calls", calls - billable);
        totals.put("billable_units", units);
        totals.set("by_endpoint_group", groups);
        ObjectNode planNode = body.putObject("plan");
        planNode.put("id", plan.id());
        ObjectNode quotas = planNode.putObject("monthly_quotas");
        ObjectNode monthToDate = planNode.putObject("billable_calls_this_month");
        for (EndpointGroup group : EndpointGroup.values()) {
            quotas.put(group.id(), plan.quota(group));
            monthToDate.put(group.id(), used.getOrDefault(group, 0L));
        }
        ObjectNode rates = planNode.putObject("rate_limits_per_key");
        rates.put("hogql_per_hour", plan.hogqlPerHour());
        rates.put("query_per_minute", plan.queryPerMinute());
        rates.put("query_per_hour", plan.queryPerHour());
        rates.put("persons_per_minute", plan.personsPerMinute());
        rates.put("persons_per_hour", plan.personsPerHour());
        return body;
    }

    /** Per group over the whole range, in group order, every group present (zeros where no calls). */
    private static Map<EndpointGroup, Usage.Entry> totalsByGroup(List<Usage.Entry> series) {
        Map<EndpointGroup, Usage.Entry> totals = new EnumMap<>(EndpointGroup.class);
        for (EndpointGroup group : EndpointGroup.values()) {
            totals.put(group, new Usage.Entry("total", group, 0, 0, 0));
        }
        for (Usage.Entry entry : series) {
            Usage.Entry sum = totals.get(entry.group());
            totals.put(entry.group(), new Usage.Entry("total", entry.group(), sum.calls() + entry.calls(),
                    sum.billableCalls() + entry.billableCalls(), sum.units() + entry.units()));
        }
        return totals;
    }
}
