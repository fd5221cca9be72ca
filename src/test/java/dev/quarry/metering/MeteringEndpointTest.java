package dev.quarry.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Metering, usage, quotas and rate limits over HTTP. Each test makes its own projects, so counts are exact. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class MeteringEndpointTest {
    @Inject
    Pool pool;

    private static String hogql(String query) {
        return "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"" + query + "\"},\"refresh\":\"force_blocking\"}";
    }

    private static Response post(Project project, String key, String path, String body) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json").body(body)
                .post("/api/projects/" + project.id() + path);
    }

    private static Response get(Project project, String key, String path) {
        return given().header("Authorization", "Bearer " + key).get("/api/projects/" + project.id() + path);
    }

    private static JsonPath usage(Project project) {
        return get(project, project.key(), "/usage/?date_from=-1d").then().statusCode(200).extract().jsonPath();
    }

    private void plan(Project project, String planId, String columns, Object... limits) {
        StringBuilder placeholders = new StringBuilder();
        List<Object> values = new ArrayList<>(List.of(planId));
        for (int i = 0; i < limits.length; i++) {
            placeholders.append(", $").append(i + 2);
            values.add(limits[i]);
        }
        pool.preparedQuery("INSERT INTO plans (id, " + columns + ") VALUES ($1" + placeholders + ")")
                .execute(Tuple.from(values)).await().indefinitely();
        pool.preparedQuery("INSERT INTO team_plans (team_id, plan_id) VALUES ($1, $2)")
                .execute(Tuple.of(project.id(), planId)).await().indefinitely();
    }

    /** Runs n copies of a request at once from n threads; the statuses. */
    private static List<Integer> parallel(int n, HttpRequest request) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(threads.submit(() -> client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }
            return statuses;
        } finally {
            threads.shutdown();
        }
    }

    private static HttpRequest.Builder request(Project project, String path) {
        return HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/api/projects/"
                + project.id() + path)).header("Authorization", "Bearer " + project.key());
    }

    /** Fixed windows: a burst that must land in one minute window does not start in the last seconds of one. */
    private static void awayFromMinuteEdge() throws InterruptedException {
        int second = LocalTime.now(ZoneOffset.UTC).getSecond();
        if (second >= 50) {
            Thread.sleep((61 - second) * 1000L);
        }
    }

    private static long count(List<Integer> statuses, int status) {
        return statuses.stream().filter(s -> s == status).count();
    }

    @Test
    void aKnownMixOfCallsIsCountedExactlyOnceIncludingConcurrentOnes() throws Exception {
        Project project = TestProjects.create("Metering mix");
        // capture: 3 batches of the project's token (200), billable
        for (int i = 0; i < 3; i++) {
            Capture.to(project).event("$pageview", "alice", Instant.now().toString(), Map.of("$browser", "Chrome")).send();
        }
        // query: 2 good HogQL (200) + 1 syntax error (400, not billable)
        post(project, project.key(), "/query/", hogql("select 1")).then().statusCode(200);
        post(project, project.key(), "/query/", hogql("select event from events")).then().statusCode(200);
        post(project, project.key(), "/query/", hogql("select from where")).then().statusCode(400);
        // persons: 1 good + 1 missing parameter (400) + 20 in parallel: 200, or 429 past the project's cap on
        // queries running at once (quarry.query.max-concurrent-per-team); a 429 is counted but not billable
        get(project, project.key(), "/persons/values/?key=$browser").then().statusCode(200);
        get(project, project.key(), "/persons/cohorts/").then().statusCode(400);
        List<Integer> statuses = parallel(20, request(project, "/persons/values/?key=$browser").GET().build());
        long ok = count(statuses, 200);
        assertEquals(20, ok + count(statuses, 429), statuses.toString());
        assertTrue(ok >= 3, statuses.toString());
        // plugins: 1 list (200); bootstrap: the project itself (200) through /api/environments/
        get(project, project.key(), "/plugin_configs/").then().statusCode(200);
        given().header("Authorization", "Bearer " + project.key()).get("/api/environments/" + project.id() + "/")
                .then().statusCode(200);

        JsonPath usage = usage(project);
        assertEquals(3, usage.getInt("totals.by_endpoint_group.capture.calls"));
        assertEquals(3, usage.getInt("totals.by_endpoint_group.capture.billable_calls"));
        assertEquals(3, usage.getInt("totals.by_endpoint_group.query.calls"));
        assertEquals(2, usage.getInt("totals.by_endpoint_group.query.billable_calls"));
        assertEquals(1, usage.getInt("totals.by_endpoint_group.query.failed_calls"));
        assertEquals(2, usage.getInt("totals.by_endpoint_group.query.billable_units"));
        assertEquals(22, usage.getInt("totals.by_endpoint_group.persons.calls"));
        assertEquals(1 + ok, usage.getInt("totals.by_endpoint_group.persons.billable_calls"));
        assertEquals(1, usage.getInt("totals.by_endpoint_group.plugins.calls"));
        assertEquals(1, usage.getInt("totals.by_endpoint_group.bootstrap.calls"));
        assertEquals(30, usage.getInt("totals.calls"));
        assertEquals(8 + ok, usage.getInt("totals.billable_calls"));
        assertEquals(8 + ok, usage.getInt("totals.billable_units"));
        assertEquals("day", usage.getString("interval"));
        assertEquals(8 + ok, usage.getInt("plan.billable_calls_this_month.capture")
                + usage.getInt("plan.billable_calls_this_month.query")
                + usage.getInt("plan.billable_calls_this_month.persons")
                + usage.getInt("plan.billable_calls_this_month.plugins")
                + usage.getInt("plan.billable_calls_this_month.bootstrap"));
        assertEquals("default", usage.getString("plan.id"));
        assertEquals(120, usage.getInt("plan.rate_limits_per_key.hogql_per_hour"));

        // the usage call itself is a bootstrap call, counted for the next one
        JsonPath again = usage(project);
        assertEquals(2, again.getInt("totals.by_endpoint_group.bootstrap.calls"));
        assertEquals(31, again.getInt("totals.calls"));

        // by month: the same totals in one interval
        JsonPath monthly = get(project, project.key(), "/usage/?interval=month&date_from=-1d").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(32, monthly.getInt("totals.calls"));
        assertTrue(monthly.getList("results.date", String.class).stream().allMatch(d -> d.endsWith("-01")));
    }

    @Test
    void queryResponsesCarryWhatTheyCostAndRowsAreBilledPerTenThousand() {
        Project project = TestProjects.create("Metering cost");
        post(project, project.key(), "/query/", hogql("select 1")).then().statusCode(200)
                .body("rows_read", nullValue()).body("db_ms", greaterThanOrEqualTo(0)).body("billable_units", equalTo(1));
        // 20,000 rows: 1 + 2 units
        String commas = ",".repeat(19_999);
        post(project, project.key(), "/query/", hogql("select arrayJoin(splitByChar(',', '" + commas + "')) limit 20000"))
                .then().statusCode(200).body("results.size()", equalTo(20_000)).body("billable_units", equalTo(3));
        // a failed query is not billed and carries no cost fields (PostHog's error body)
        post(project, project.key(), "/query/", hogql("select nope from events")).then().statusCode(400)
                .body("type", equalTo("validation_error"));
        JsonPath usage = usage(project);
        assertEquals(3, usage.getInt("totals.by_endpoint_group.query.calls"));
        assertEquals(4, usage.getInt("totals.by_endpoint_group.query.billable_units"));
        Number dbMs = pool.preparedQuery("SELECT max(db_ms), max(rows_returned) FROM api_calls WHERE team_id = $1")
                .execute(Tuple.of(project.id())).await().indefinitely().iterator().next().getLong(1);
        assertEquals(20_000L, dbMs.longValue());
    }

    @Test
    void failedAuthIsRecordedButInNoProjectsUsage() {
        Project mine = TestProjects.create("Metering isolation A");
        Project other = TestProjects.create("Metering isolation B");
        post(other, other.key(), "/query/", hogql("select 1")).then().statusCode(200);
        long unattributedBefore = unattributed();
        // A's key on B: 403, and B's numbers never appear to A
        get(other, mine.key(), "/usage/").then().statusCode(403);
        given().header("Authorization", "Bearer " + mine.key()).get("/api/projects/999999999/usage/")
                .then().statusCode(404);
        given().get("/api/projects/" + mine.id() + "/usage/").then().statusCode(401);
        get(mine, mine.key(), "/usage/?date_from=-1d").then().statusCode(200).body("totals.calls", equalTo(0))
                .body("results.size()", equalTo(0));
        // B sees its query and none of A's refused attempts
        JsonPath b = usage(other);
        assertEquals(1, b.getInt("totals.calls"));
        assertEquals(1, b.getInt("totals.by_endpoint_group.query.calls"));
        assertEquals(3, unattributed() - unattributedBefore, "the 401, 403 and 404 are recorded without a project");
        // a browser's CORS preflight: recorded without a project, never billed
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "POST")
                .options("/api/projects/" + mine.id() + "/query/").then().statusCode(200);
        assertEquals(4, unattributed() - unattributedBefore);
        io.vertx.mutiny.sqlclient.Row preflight = pool.query("SELECT billable, units FROM api_calls WHERE method = 'OPTIONS' "
                + "ORDER BY id DESC LIMIT 1").execute().await().indefinitely().iterator().next();
        assertEquals(false, preflight.getBoolean(0));
        assertEquals(0L, preflight.getLong(1));
    }

    private long unattributed() {
        return pool.query("SELECT count(*) FROM api_calls WHERE team_id = 0").execute().await().indefinitely()
                .iterator().next().getLong(0);
    }

    @Test
    void usageNeedsProjectReadOrQueryRead() {
        Project project = TestProjects.create("Metering scopes");
        get(project, project.keyWith("project:read"), "/usage/").then().statusCode(200);
        get(project, project.keyWith("query:read"), "/usage/").then().statusCode(200);
        get(project, project.keyWith("query:write"), "/usage/").then().statusCode(200);
        get(project, project.keyWith("person:read"), "/usage/").then().statusCode(403)
                .body("detail", equalTo("API key missing required scope 'project:read' or 'query:read'"));
        get(project, project.key(), "/usage/?interval=week").then().statusCode(400).body("attr", equalTo("interval"));
        get(project, project.key(), "/usage/?date_from=2026-02-01&date_to=2026-01-01").then().statusCode(400)
                .body("attr", equalTo("date_from"));
        get(project, project.key(), "/usage/?date_from=yesterday").then().statusCode(400).body("attr", equalTo("date_from"));
        get(project, project.key(), "/usage/?format=xml").then().statusCode(404).body("code", equalTo("not_found"));
    }

    @Test
    void csvHasOneRowPerDayAndGroupThenTotals() {
        Project project = TestProjects.create("Metering csv");
        post(project, project.key(), "/query/", hogql("select 1")).then().statusCode(200);
        post(project, project.key(), "/query/", hogql("select")).then().statusCode(400);
        String today = Instant.now().atZone(ZoneOffset.UTC).toLocalDate().toString();
        String csv = get(project, project.key(), "/usage/?date_from=-1d&format=csv").then().statusCode(200)
                .contentType(containsString("text/csv")).extract().asString();
        assertEquals(String.join("\r\n",
                "date,endpoint_group,calls,billable_calls,failed_calls,billable_units",
                today + ",query,2,1,1,1",
                "total,capture,0,0,0,0",
                "total,query,2,1,1,1",
                "total,persons,0,0,0,0",
                "total,plugins,0,0,0,0",
                "total,bootstrap,0,0,0,0") + "\r\n", csv);
    }

    @Test
    void overTheMonthlyQuotaIs429WithRetryAfterUntilNextMonth() {
        Project project = TestProjects.create("Metering quota");
        plan(project, "test-quota-" + project.id(), "query_calls_per_month, capture_calls_per_month", 2L, 1L);
        post(project, project.key(), "/query/", hogql("select 1")).then().statusCode(200);
        post(project, project.key(), "/query/", hogql("select")).then().statusCode(400); // not billable: not counted
        post(project, project.key(), "/query/", hogql("select 2")).then().statusCode(200);
        Response refused = post(project, project.key(), "/query/", hogql("select 3"));
        refused.then().statusCode(429).body("type", equalTo("throttled_error")).body("code", equalTo("throttled"))
                .body("detail", containsString("Monthly quota of 2 query calls"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        long untilNextMonth = java.time.Duration.between(Instant.now(), Instant.now().atZone(ZoneOffset.UTC)
                .toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC)).toSeconds();
        assertTrue(Math.abs(retryAfter - untilNextMonth) <= 5, retryAfter + " vs " + untilNextMonth);
        // other groups are not affected; capture has its own quota, checked once the token names the project
        get(project, project.key(), "/persons/values/?key=$browser").then().statusCode(200);
        Capture.to(project).event("$pageview", "alice", Instant.now().toString()).send();
        given().contentType("application/json").body(Map.of("api_key", project.apiToken(), "event", "$pageview",
                        "distinct_id", "alice")).post("/capture/").then().statusCode(429)
                .header("Retry-After", notNullValue()).body("type", equalTo("throttled_error"));
        // the usage endpoint still answers, and shows the refused calls as failed
        JsonPath usage = usage(project);
        assertEquals(4, usage.getInt("totals.by_endpoint_group.query.calls"));
        assertEquals(2, usage.getInt("totals.by_endpoint_group.query.billable_calls"));
        assertEquals(2, usage.getInt("totals.by_endpoint_group.capture.calls"));
        assertEquals(1, usage.getInt("totals.by_endpoint_group.capture.billable_calls"));
        assertEquals(2, usage.getInt("plan.monthly_quotas.query"));
    }

    /**
     * A saved insight answered fresh counts against the key's query rate limits as POST query does (a breaker refreshed
     * insights unthrottled past a plan of 2 HogQL calls an hour); answered from its cache it does not.
     */
    @Test
    void insightRefreshesCountAgainstTheQueryRateLimits() throws Exception {
        awayFromMinuteEdge();
        Project project = TestProjects.create("Metering insight refresh");
        plan(project, "test-insight-rate-" + project.id(), "hogql_per_hour, query_per_minute", 2, 3);
        String key = project.key();
        int hogqlInsight = post(project, key, "/insights/", "{\"name\":\"h\",\"query\":{\"kind\":\"DataVisualizationNode\","
                + "\"source\":{\"kind\":\"HogQLQuery\",\"query\":\"select 1\"}}}").then().statusCode(201)
                .extract().path("id");
        get(project, key, "/insights/" + hogqlInsight + "/?refresh=force_blocking").then().statusCode(200);
        get(project, key, "/insights/" + hogqlInsight + "/?refresh=force_blocking").then().statusCode(200);
        get(project, key, "/insights/" + hogqlInsight + "/?refresh=force_blocking").then().statusCode(429)
                .body("type", equalTo("throttled_error")).body("detail", containsString("2 hogql calls per hour"));
        // the cached answer is read without a calculation
        get(project, key, "/insights/" + hogqlInsight + "/").then().statusCode(200);
        // a list refreshing its page spends one per insight
        get(project, key, "/insights/?refresh=force_blocking").then().statusCode(429);
    }

    /**
     * A static cohort filled from a query runs it, so it counts against the key's query rate limits as POST query
     * does (a breaker ran HogQL through cohorts 240 times a minute past a plan of 1 HogQL call an hour): on create and
     * on an edit that adds a query's persons.
     */
    @Test
    void cohortsFromAQueryCountAgainstTheQueryRateLimits() throws Exception {
        awayFromMinuteEdge();
        Project project = TestProjects.create("Metering cohort from query");
        plan(project, "test-cohort-rate-" + project.id(), "hogql_per_hour, query_per_minute", 1, 10);
        String key = project.key();
        String body = "{\"name\":\"q\",\"is_static\":true,\"query\":{\"kind\":\"HogQLQuery\","
                + "\"query\":\"select person_id from events\"}}";
        int id = post(project, key, "/cohorts/", body).then().statusCode(201).extract().path("id");
        post(project, key, "/cohorts/", body).then().statusCode(429).body("type", equalTo("throttled_error"))
                .body("detail", containsString("1 hogql calls per hour"));
        given().header("Authorization", "Bearer " + key).contentType("application/json")
                .body("{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"select person_id from events\"}}")
                .patch("/api/projects/" + project.id() + "/cohorts/" + id + "/").then().statusCode(429);
        // a cohort without a query runs none and is not limited by the query windows
        post(project, key, "/cohorts/", "{\"name\":\"plain\",\"is_static\":true}").then().statusCode(201);
    }

    @Test
    void rateLimitsPerKeyWithRetryAfterForHogQLOtherQueriesAndPersons() throws Exception {
        awayFromMinuteEdge();
        Project project = TestProjects.create("Metering rate");
        plan(project, "test-rate-" + project.id(), "hogql_per_hour, query_per_minute, persons_per_minute", 2, 3, 2);
        String key = project.key();
        post(project, key, "/query/", hogql("select 1")).then().statusCode(200);
        post(project, key, "/query/HogQLQuery/", hogql("select 1")).then().statusCode(200);
        Response hogqlRefused = post(project, key, "/query/", hogql("select 1"));
        hogqlRefused.then().statusCode(429).body("type", equalTo("throttled_error"))
                .body("detail", containsString("2 hogql calls per hour"));
        long retry = Long.parseLong(hogqlRefused.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 3600, String.valueOf(retry));
        // other query calls have their own budget: 3 a minute (status reads count too)
        for (int i = 0; i < 3; i++) {
            get(project, key, "/query/unknown-id/").then().statusCode(404);
        }
        Response queryRefused = get(project, key, "/query/unknown-id/");
        queryRefused.then().statusCode(429).body("detail", containsString("3 query calls per minute"));
        retry = Long.parseLong(queryRefused.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 60, String.valueOf(retry));
        // persons: 2 a minute
        get(project, key, "/persons/values/?key=a").then().statusCode(200);
        get(project, key, "/persons/values/?key=a").then().statusCode(200);
        get(project, key, "/persons/values/?key=a").then().statusCode(429).header("Retry-After", notNullValue());
        // limits are per key: another key of the project starts afresh; plugins are not rate limited
        String second = project.keyWith("*");
        post(project, second, "/query/", hogql("select 1")).then().statusCode(200);
        get(project, second, "/persons/values/?key=a").then().statusCode(200);
        for (int i = 0; i < 5; i++) {
            get(project, key, "/plugin_configs/").then().statusCode(200);
        }
        JsonPath usage = usage(project);
        assertEquals(3, usage.getInt("totals.by_endpoint_group.persons.billable_calls"));
        assertEquals(4, usage.getInt("totals.by_endpoint_group.persons.calls"));
    }

    @Test
    void concurrentCallsAcrossTheLimitAreCountedExactly() throws Exception {
        Project project = TestProjects.create("Metering concurrent");
        plan(project, "test-concurrent-" + project.id(), "persons_per_hour", 7);
        // a persons-group call that runs no user statement and has no at-once limit of its own, so that only the rate
        // limit can refuse it (the per-project cap on statements at once may 429 concurrent persons/values calls, see
        // above; cohort lists run two at once per project)
        List<Integer> statuses = parallel(20, request(project, "/groups_types/").GET().build());
        assertEquals(7, count(statuses, 200), statuses.toString());
        assertEquals(13, count(statuses, 429), statuses.toString());
        JsonPath usage = usage(project);
        assertEquals(20, usage.getInt("totals.by_endpoint_group.persons.calls"));
        assertEquals(7, usage.getInt("totals.by_endpoint_group.persons.billable_calls"));
        assertEquals(7, usage.getInt("totals.by_endpoint_group.persons.billable_units"));
    }
}
