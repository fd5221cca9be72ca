package dev.quarry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quarry.auth.PersonalApiKeyTokens;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Panache entities against the schema the migrations build (Hibernate never validates it at start): every
 * entity's columns are read, and what the repositories hand out equals what the database holds, read with plain SQL.
 * Called from the test thread, so this also covers callers without a Vert.x context (data.Sessions).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EntityMappingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool pool;
    @Inject
    Teams teams;
    @Inject
    ApiKeys apiKeys;
    @Inject
    Accounts accounts;
    @Inject
    dev.quarry.cohorts.Cohorts cohorts;
    @Inject
    dev.quarry.insights.saved.Insights insights;

    @Test
    void everyEntityReadsItsTable() {
        long team = TestProjects.create("Mapping").id();
        // One row in each table that a new project leaves empty.
        for (String insert : List.of(
                "INSERT INTO team_plans (team_id, plan_id, query_per_minute) VALUES ($1, 'default', 7)",
                "INSERT INTO plugin_configs (team_id, plugin_id, enabled, \"order\", config) VALUES ($1, 3, true, 1, '{\"a\": 1}')",
                "INSERT INTO event_definitions (team_id, id, name, tags) VALUES ($1, gen_random_uuid(), 'mapped', '{t}')",
                "INSERT INTO property_definitions (team_id, id, name, type, property_type, is_numerical) "
                        + "VALUES ($1, gen_random_uuid(), 'mapped', 1, 'Numeric', true)",
                "INSERT INTO cohorts (team_id, name, query) VALUES ($1, 'mapped', '{\"kind\": \"ActorsQuery\"}')",
                "INSERT INTO insights (team_id, short_id, query, tags) VALUES ($1, 'mapped1', '{\"kind\": \"InsightVizNode\"}', '{a}')",
                "INSERT INTO activity_log (team_id, id, scope, item_id, activity, detail) "
                        + "VALUES ($1, gen_random_uuid(), 'Insight', '1', 'created', '{}')")) {
            pool.preparedQuery(insert).execute(Tuple.of(team)).await().atMost(WAIT);
        }
        for (String entity : List.of("OrganizationEntity", "UserEntity", "TeamEntity", "PersonalApiKeyEntity", "PlanEntity",
                "TeamPlanEntity", "PluginConfigEntity", "EventDefinitionEntity", "PropertyDefinitionEntity", "CohortEntity",
                "InsightEntity", "ActivityLogEntity")) {
            PanacheEntityBase first = Sessions.read(() -> io.quarkus.hibernate.reactive.panache.Panache.getSession()
                    .flatMap(session -> session.createSelectionQuery("from " + entity, PanacheEntityBase.class)
                            .setMaxResults(1).getSingleResultOrNull())).await().atMost(WAIT);
            assertNotNull(first, entity + " read no row");
        }
    }

    @Test
    void repositoriesHandOutWhatTheTablesHold() {
        TestProjects.Project project = TestProjects.create("Mapping values", "Europe/Paris");
        pool.preparedQuery("UPDATE teams SET week_start_day = 1, test_account_filters = "
                        + "'[{\"key\": \"email\", \"type\": \"person\", \"value\": \"@x.com\", \"operator\": \"not_icontains\"}]', "
                        + "person_display_name_properties = '[\"email\", \"name\"]' WHERE id = $1")
                .execute(Tuple.of(project.id())).await().atMost(WAIT);

        Team team = teams.findById(project.id()).await().atMost(WAIT);
        Row raw = pool.preparedQuery("SELECT uuid, organization_id, name, api_token, timezone, week_start_day, "
                        + "test_account_filters::text, person_display_name_properties::text FROM teams WHERE id = $1")
                .execute(Tuple.of(project.id())).await().atMost(WAIT).iterator().next();
        assertEquals(new Team(project.id(), raw.getUUID(0), raw.getUUID(1), raw.getString(2), raw.getString(3),
                raw.getString(4), raw.getInteger(5), raw.getString(6), raw.getString(7)), team);
        assertEquals(project.apiToken(), team.apiToken());
        assertEquals("Europe/Paris", team.timezone());
        assertEquals(team, teams.findByApiToken(project.apiToken()).await().atMost(WAIT));
        assertNull(teams.findById(Long.MAX_VALUE).await().atMost(WAIT));

        // A settings update writes the JSON text back as jsonb.
        Team updated = teams.update(project.id(), "Renamed", "UTC", 0, "[]", null).await().atMost(WAIT);
        assertEquals("Renamed", updated.name());
        Row after = pool.preparedQuery("SELECT name, week_start_day, jsonb_typeof(test_account_filters), "
                        + "person_display_name_properties IS NULL FROM teams WHERE id = $1")
                .execute(Tuple.of(project.id())).await().atMost(WAIT).iterator().next();
        assertEquals("Renamed", after.getString(0));
        assertEquals(0, after.getInteger(1));
        assertEquals("array", after.getString(2));
        assertEquals(true, after.getBoolean(3));

        String secureValue = PersonalApiKeyTokens.secureValue(project.key());
        ApiKey key = apiKeys.findBySecureValue(secureValue).await().atMost(WAIT);
        Row rawKey = pool.preparedQuery("SELECT k.id, k.label, k.mask_value, k.scopes, k.scoped_teams, "
                        + "k.scoped_organizations, k.created_at, k.last_used_at, u.id, u.uuid, u.distinct_id, u.email, "
                        + "u.first_name, u.organization_id, u.is_active FROM personal_api_keys k JOIN users u "
                        + "ON u.id = k.user_id WHERE k.secure_value = $1")
                .execute(Tuple.of(secureValue)).await().atMost(WAIT).iterator().next();
        assertEquals(new ApiKey(rawKey.getString(0), rawKey.getString(1), rawKey.getString(2),
                Arrays.asList(rawKey.getArrayOfStrings(3)), Arrays.asList(rawKey.getArrayOfLongs(4)),
                Arrays.asList(rawKey.getArrayOfStrings(5)), rawKey.getOffsetDateTime(6), rawKey.getOffsetDateTime(7),
                rawKey.getLong(8), rawKey.getUUID(9), rawKey.getString(10), rawKey.getString(11),
                rawKey.getString(12), rawKey.getUUID(13), rawKey.getBoolean(14)), key);
        assertEquals(List.of("*"), key.scopes());
        assertEquals(project.ownerUserId(), key.userId());

        // The auth filter's one statement: key, user and the project, or no project for an unknown id.
        ApiKeys.KeyAndTeam found = apiKeys.findWithTeam(secureValue, project.id()).await().atMost(WAIT);
        assertEquals(key, found.key());
        assertEquals(teams.findById(project.id()).await().atMost(WAIT), found.team());
        ApiKeys.KeyAndTeam noTeam = apiKeys.findWithTeam(secureValue, Long.MAX_VALUE).await().atMost(WAIT);
        assertEquals(key, noTeam.key());
        assertNull(noTeam.team());
        assertNull(apiKeys.findWithTeam("sha256$nothing", project.id()).await().atMost(WAIT));

        Accounts.Organization organization = accounts.findOrganization(team.organizationId()).await().atMost(WAIT);
        assertEquals("Mapping values organization", organization.name());
        assertEquals(project.ownerUserId(), accounts.firstUserOf(team.organizationId()).await().atMost(WAIT));
        assertEquals(key.userEmail(), accounts.findUserByEmail(key.userEmail()).await().atMost(WAIT).email());
    }

    /**
     * Cohorts through their entity: what is stored is what plain SQL reads (jsonb as jsonb), an edit changes only the
     * fields given and moves the version on, the calculation's columns are left as the calculation wrote them, and
     * another team never reaches the row.
     */
    @Test
    void cohortsHandOutWhatTheTableHolds() {
        long team = TestProjects.create("Mapping cohorts").id();
        long other = TestProjects.create("Mapping cohorts, other team").id();
        String filters = "{\"properties\": {\"type\": \"OR\", \"values\": []}}";
        dev.quarry.cohorts.Cohort created = cohorts.insert(team, null, "Mapped", "described", filters, null, false)
                .await().atMost(WAIT);
        Row raw = pool.preparedQuery("SELECT team_id, id, name, description, filters::text, query::text, groups::text, "
                        + "is_static, deleted, is_calculating, last_calculation, errors_calculating, count, created_at, "
                        + "jsonb_typeof(filters), jsonb_typeof(groups), version, last_error_at FROM cohorts WHERE id = $1")
                .execute(Tuple.of(created.id())).await().atMost(WAIT).iterator().next();
        dev.quarry.cohorts.Cohort expected = new dev.quarry.cohorts.Cohort(raw.getLong(0), raw.getLong(1), raw.getString(2),
                raw.getString(3), raw.getString(4), raw.getString(5), raw.getString(6), raw.getBoolean(7),
                raw.getBoolean(8), raw.getBoolean(9), raw.getOffsetDateTime(10), raw.getInteger(11), raw.getInteger(12),
                raw.getOffsetDateTime(13), null, raw.getInteger(16), raw.getOffsetDateTime(17));
        assertEquals(expected, created);
        assertEquals(expected, cohorts.find(team, created.id()).await().atMost(WAIT));
        assertEquals("object", raw.getString(14));
        assertEquals("array", raw.getString(15));
        assertNull(created.count());
        assertNull(cohorts.find(other, created.id()).await().atMost(WAIT));
        assertNull(cohorts.update(other, created.id(), "Taken", null, null, null, true).await().atMost(WAIT));

        // The calculation's columns, written by the calculation: an edit leaves them as they are.
        pool.preparedQuery("UPDATE cohorts SET count = 42, errors_calculating = 2 WHERE id = $1")
                .execute(Tuple.of(created.id())).await().atMost(WAIT);
        dev.quarry.cohorts.Cohort renamed = cohorts.update(team, created.id(), "Renamed", null, null, "[{\"a\": 1}]", null)
                .await().atMost(WAIT);
        Row after = pool.preparedQuery("SELECT name, description, filters::text, groups::text, count, errors_calculating, "
                        + "version, deleted FROM cohorts WHERE id = $1")
                .execute(Tuple.of(created.id())).await().atMost(WAIT).iterator().next();
        assertEquals("Renamed", after.getString(0));
        assertEquals("described", after.getString(1));
        assertEquals(raw.getString(4), after.getString(2));
        assertEquals("[{\"a\": 1}]", after.getString(3));
        assertEquals(42, after.getInteger(4));
        assertEquals(2, after.getInteger(5));
        assertEquals(raw.getInteger(16) + 1, after.getInteger(6));
        assertEquals(false, after.getBoolean(7));
        assertEquals("Renamed", renamed.name());
        assertEquals(42, renamed.count());

        dev.quarry.cohorts.Cohort staticOne = cohorts.insert(team, null, "Static", "", null, null, true).await().atMost(WAIT);
        assertEquals(0, staticOne.count());
        assertNull(staticOne.filters());
        assertEquals("[]", staticOne.groups());
        dev.quarry.cohorts.Cohorts.Page page = cohorts.list(team, 1, 0).await().atMost(WAIT);
        assertEquals(2, page.count());
        assertEquals(List.of(staticOne.id()), page.rows().stream().map(dev.quarry.cohorts.Cohort::id).toList());
    }

    /**
     * Saved insights through their entity: what is stored is what plain SQL reads (users joined, the latest view from
     * insight_viewed), the creation and each edit write their activity entry in the same transaction, search takes
     * % and _ literally, and another team never reaches the row.
     */
    @Test
    void insightsHandOutWhatTheTableHolds() {
        TestProjects.Project project = TestProjects.create("Mapping insights");
        long team = project.id();
        long user = project.ownerUserId();
        long other = TestProjects.create("Mapping insights, other team").id();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        dev.quarry.insights.saved.Insights.Changes changes = new dev.quarry.insights.saved.Insights.Changes("100% sure",
                true, null, false, "about it", true, json.createObjectNode().put("kind", "InsightVizNode"),
                List.of("a", "b"), true, true, null);
        dev.quarry.insights.saved.Insight created = insights.create(team, user, changes).await().atMost(WAIT);
        pool.preparedQuery("INSERT INTO insight_viewed (team_id, insight_id, user_id, last_viewed_at) "
                        + "VALUES ($1, $2, $3, '2026-01-02T03:04:05.123456Z')")
                .execute(Tuple.of(team, created.id(), user)).await().atMost(WAIT);
        dev.quarry.insights.saved.Insight found = insights.find(team, created.id()).await().atMost(WAIT);
        Row raw = pool.preparedQuery("SELECT i.short_id, i.name, i.description, i.query::text, i.tags, i.favorited, "
                        + "i.saved, i.deleted, i.created_at, i.last_modified_at, u.uuid::text, u.email, "
                        + "jsonb_typeof(i.query) FROM insights i JOIN users u ON u.id = i.created_by_id "
                        + "WHERE i.team_id = $1 AND i.id = $2")
                .execute(Tuple.of(team, created.id())).await().atMost(WAIT).iterator().next();
        assertEquals(raw.getString(0), found.shortId());
        assertEquals("100% sure", found.name());
        assertEquals(raw.getString(2), found.description());
        assertEquals(raw.getString(3), found.query());
        assertEquals("object", raw.getString(12));
        assertEquals(List.of("a", "b"), found.tags());
        assertEquals(Arrays.asList(raw.getArrayOfStrings(4)), found.tags());
        assertEquals(true, found.favorited() && found.saved() && !found.deleted());
        assertEquals(raw.getOffsetDateTime(8), found.createdAt());
        assertEquals(raw.getOffsetDateTime(9), found.lastModifiedAt());
        assertEquals(raw.getString(10), found.createdBy().uuid());
        assertEquals(raw.getString(11), found.lastModifiedBy().email());
        assertEquals(java.time.OffsetDateTime.parse("2026-01-02T03:04:05.123456Z").toInstant(),
                found.lastViewedAt().toInstant());
        assertEquals(found, insights.findByShortId(team, found.shortId()).await().atMost(WAIT));
        assertNull(insights.find(other, created.id()).await().atMost(WAIT));
        assertNull(insights.update(other, created.id(), user, changes).await().atMost(WAIT));

        // % is a literal character in a search, not a wildcard
        assertEquals(1, insights.list(team, search("100%"), 10, 0).await().atMost(WAIT).count());
        assertEquals(List.of("exact"), insights.list(team, search("100%"), 10, 0).await().atMost(WAIT).results().stream()
                .map(dev.quarry.insights.saved.Insights.Listed::searchMatchType).toList());
        assertEquals(0, insights.list(team, search("0%1"), 10, 0).await().atMost(WAIT).results().stream()
                .filter(l -> "exact".equals(l.searchMatchType())).count());
        assertEquals(0, insights.list(other, search(null), 10, 0).await().atMost(WAIT).count());

        dev.quarry.insights.saved.Insight renamed = insights.update(team, created.id(), user,
                new dev.quarry.insights.saved.Insights.Changes("Renamed", true, null, false, null, false, null, null,
                        null, null, null)).await().atMost(WAIT);
        assertEquals("Renamed", renamed.name());
        assertEquals("about it", renamed.description());
        assertEquals(List.of("a", "b"), renamed.tags());
        List<String> logged = pool.preparedQuery("SELECT activity || ':' || jsonb_typeof(detail) FROM activity_log "
                        + "WHERE team_id = $1 AND item_id = $2 ORDER BY created_at")
                .execute(Tuple.of(team, Long.toString(created.id()))).await().atMost(WAIT)
                .stream().map(r -> r.getString(0)).toList();
        assertEquals(List.of("created:object", "updated:object"), logged);
        assertEquals(List.of("updated", "created"), insights.activity(team, Long.toString(created.id()), 10, 0)
                .await().atMost(WAIT).stream().map(dev.quarry.insights.saved.Insights.Activity::activity).toList());
    }

    /**
     * Lookups made concurrently from one request's context (cohort recalculation merges them) each get their own
     * session: sharing one, Hibernate Reactive refused all but the first.
     */
    @Test
    void concurrentLookupsFromOneContextAllAnswer() throws Throwable {
        long id = TestProjects.create("Concurrent lookups").id();
        List<Team> found = io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> io.smallrye.mutiny.Multi
                .createFrom().range(0, 8)
                .onItem().transformToUni(i -> teams.findById(id)).merge(8)
                .collect().asList());
        assertEquals(8, found.size());
        found.forEach(team -> assertEquals(id, team.id()));
    }

    private static dev.quarry.insights.saved.InsightListFilter search(String term) {
        java.util.Map<String, String> parameters = new java.util.HashMap<>();
        if (term != null) {
            parameters.put("search", term);
        }
        return dev.quarry.insights.saved.InsightListFilter.parse(parameters, java.time.ZonedDateTime.now(), null,
                new com.fasterxml.jackson.databind.ObjectMapper());
    }
}
