package dev.quarry.insights;

import static dev.quarry.insights.InsightTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The persons list as PostHog's frontend asks for it: an {@code ActorsQuery} without a source whose select is
 * {@code ['person_display_name -- Person', 'id', 'created_at', 'person.$delete']}. PostHog reads the column before its
 * {@code --} label, answers it as {@code {display_name, id}} (the first display-name property the person has, else the
 * id) and keeps the labelled name in {@code columns}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PersonsListActorsQueryTest {
    private static Project team;

    /** dn1 has an email, dn2 only a name, dn3 neither; created in that order (capture order). */
    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Persons list");
        Capture.to(team).event("$pageview", "dn1", "2024-02-01T10:00:00Z",
                Map.of("$set", Map.of("email", "zed@example.com", "name", "Zed"))).send();
        Capture.to(team).event("$pageview", "dn2", "2024-02-01T11:00:00Z", Map.of("$set", Map.of("name", "Amy")))
                .send();
        Capture.to(team).event("$pageview", "dn3", "2024-02-01T12:00:00Z").send();
    }

    @Test
    void personDisplayNameIsDisplayNameAndIdUnderItsLabel() {
        JsonPath body = query(team, Map.of("kind", "ActorsQuery",
                "select", List.of("person_display_name -- Person", "id", "created_at", "person.$delete"),
                "orderBy", List.of("person_display_name -- Person ASC")));
        assertEquals(List.of("person_display_name -- Person", "id", "created_at", "person.$delete"),
                body.getList("columns"));
        List<String> ids = body.getList("results.collect { it[1] }");
        List<String> names = body.getList("results.collect { it[0].display_name }");
        assertEquals(ids, body.getList("results.collect { it[0].id }"));
        // dn3 has no display-name property: its display name is its id; ordered by the display name (byte order)
        String dn3 = ids.get(names.indexOf(names.stream().filter(n -> !n.equals("Amy") && !n.equals("zed@example.com"))
                .findFirst().orElseThrow()));
        assertEquals(List.of("Amy", "zed@example.com", dn3).stream().sorted().toList(), names);
        // search, as the persons page sends it, with the labelled column
        JsonPath found = query(team, Map.of("kind", "ActorsQuery",
                "select", List.of("person_display_name -- Person", "properties.email -- Email"), "search", "zed@"));
        assertEquals(List.of(List.of("zed@example.com", "zed@example.com")),
                found.getList("results.collect { [it[0].display_name, it[1]] }"));
        assertEquals(List.of("person_display_name -- Person", "properties.email -- Email"), found.getList("columns"));
    }

    /**
     * {@code select: ["actor_id"]} (PostHog's actors columns name the person's id so; its runner accepts it): the
     * person's uuid, the same as {@code id}, under the label asked for, and orderable by it.
     */
    @Test
    void actorIdIsThePersonsId() {
        JsonPath body = query(team, Map.of("kind", "ActorsQuery", "select", List.of("actor_id", "id"),
                "orderBy", List.of("actor_id")));
        assertEquals(List.of("actor_id", "id"), body.getList("columns"));
        List<String> actorIds = body.getList("results.collect { it[0] }");
        assertEquals(3, actorIds.size());
        assertEquals(actorIds, body.getList("results.collect { it[1] }"));
        assertEquals(actorIds.stream().sorted().toList(), actorIds);
        assertEquals("String", body.getList("types").get(0));
    }
}
