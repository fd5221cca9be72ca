package dev.quarry.persons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.capture.CaptureBatch;
import dev.quarry.capture.CapturePayloadParser;
import dev.quarry.capture.EventIngestor;
import dev.quarry.data.Team;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Person edits from the API, done the way PostHog does them. A property set is a {@code $set} event and a
 * property delete a {@code $delete_person_property} event with {@code $unset}, for the person's first distinct id,
 * sent through capture's own parser and ingestor: the same person processing (property versions, merges, locks)
 * as any SDK event, stored synchronously so the change is visible when the call returns. Bulk deletion removes
 * persons (their distinct ids stay taken, as for DELETE persons/:id) and, when asked, their events.
 */
@ApplicationScoped
public class PersonEdits {
    private final Pool pool;
    private final EventIngestor ingestor;
    private final CapturePayloadParser parser;
    private final ObjectMapper mapper;
    @jakarta.inject.Inject Clock clock;

    public PersonEdits(Pool pool, EventIngestor ingestor, ObjectMapper mapper) {
        this.pool = pool;
        this.ingestor = ingestor;
        this.parser = new CapturePayloadParser(mapper);
        this.mapper = mapper;
    }

    /**
     * The person's first distinct id (in stored order, as the persons list shows them; PostHog's edits use
     * {@code distinct_ids[0]}) in a list; empty when
     * unknown. One row is read, whatever number of ids the person has.
     */
    public Uni<List<String>> firstDistinctId(long teamId, UUID person) {
        return pool.preparedQuery("SELECT distinct_id FROM person_distinct_ids d JOIN persons p "
                        + "ON p.team_id = d.team_id AND p.uuid = d.person_id WHERE d.team_id = $1 AND d.person_id = $2 "
                        + "ORDER BY d.created_order NULLS FIRST, d.distinct_id LIMIT 1")
                .execute(Tuple.of(teamId, person))
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getString(0)));
                    return out;
                });
    }

    /** {@code $set} of one property, as PostHog's update_property. */
    public Uni<Void> setProperty(Team team, String distinctId, String key, JsonNode value) {
        ObjectNode properties = mapper.createObjectNode();
        properties.set(key, value);
        return setProperties(team, distinctId, properties);
    }

    /** {@code $set} of properties, as PostHog's person update ({@code PATCH persons/:id}). */
    public Uni<Void> setProperties(Team team, String distinctId, ObjectNode properties) {
        ObjectNode event = event("$set", distinctId);
        event.putObject("properties").set("$set", properties);
        return ingest(team, event);
    }

    /** {@code $unset} of properties, as PostHog's delete_property. */
    public Uni<Void> unsetProperties(Team team, String distinctId, List<String> keys) {
        ObjectNode event = event("$delete_person_property", distinctId);
        ArrayNode unset = event.putObject("properties").putArray("$unset");
        keys.forEach(unset::add);
        return ingest(team, event);
    }

    /** Logs {@code activity} for the team's person {@code person} (when it still exists), by {@code userId}. */
    public Uni<Void> logActivity(long teamId, UUID person, long userId, String activity, ObjectNode detail) {
        return PersonActivity.log(pool, teamId, person, userId, activity, detail);
    }

    private ObjectNode event(String name, String distinctId) {
        ObjectNode event = mapper.createObjectNode();
        event.put("event", name);
        event.put("distinct_id", distinctId);
        event.put("timestamp", clock.instant().toString());
        return event;
    }

    private Uni<Void> ingest(Team team, ObjectNode event) {
        ObjectNode body = mapper.createObjectNode();
        body.put("api_key", team.apiToken());
        body.putArray("batch").add(event);
        Instant now = clock.instant();
        CaptureBatch batch = parser.parse(body.toString().getBytes(StandardCharsets.UTF_8), null, null, now);
        return ingestor.ingest(team, batch.events()).replaceWithVoid();
    }

    /**
     * Deletes the team's persons given by uuid or by distinct id, in one transaction. With {@code deleteEvents} their
     * events go too (those stored for persons merged into them included); with {@code keepPerson} only the events go.
     * Either way the project's cached legacy person lists are dropped ({@link PersonActors#dropCachedLists}). A deleted
     * person's uuid is retired, as for DELETE persons/:id (a person made later for one of its distinct ids gets
     * another, so the deleted person's events do not become the new one's), and each deletion is logged
     * ({@code deleted}, by {@code userId}).
     * @return how many persons matched
     */
    public Uni<Integer> bulkDelete(long teamId, List<UUID> uuids, List<String> distinctIds, boolean deleteEvents,
                                   boolean keepPerson, long userId) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT uuid FROM persons WHERE team_id = $1 AND "
                                + "(uuid = ANY($2) OR uuid IN (SELECT person_id FROM person_distinct_ids "
                                + "WHERE team_id = $1 AND distinct_id = ANY($3))) FOR UPDATE")
                .execute(Tuple.of(teamId, uuids.toArray(UUID[]::new), distinctIds.toArray(String[]::new)))
                .flatMap(rows -> {
                    List<UUID> found = new ArrayList<>();
                    rows.forEach(r -> found.add(r.getUUID(0)));
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    UUID[] ids = found.toArray(UUID[]::new);
                    Uni<Void> events = !deleteEvents ? Uni.createFrom().voidItem()
                            : conn.preparedQuery("DELETE FROM events WHERE team_id = $1 AND (person_id = ANY($2) OR "
                                    + "person_id IN (SELECT old_person_id FROM person_overrides WHERE team_id = $1 "
                                    + "AND override_person_id = ANY($2)))")
                            .execute(Tuple.of(teamId, ids)).replaceWithVoid();
                    Uni<Void> persons = keepPerson ? Uni.createFrom().voidItem()
                            : conn.preparedQuery("DELETE FROM cohort_people WHERE team_id = $1 AND person_id = ANY($2)")
                            .execute(Tuple.of(teamId, ids))
                            .flatMap(x -> PersonActivity.logDeleted(conn, teamId, ids, userId))
                            .flatMap(x -> conn.preparedQuery("WITH gone AS (DELETE FROM persons WHERE team_id = $1 "
                                            + "AND uuid = ANY($2) RETURNING team_id, uuid) INSERT INTO "
                                            + "retired_person_uuids (team_id, uuid) SELECT team_id, uuid FROM gone "
                                            + "ON CONFLICT DO NOTHING")
                                    .execute(Tuple.of(teamId, ids)))
                            .replaceWithVoid();
                    return events.flatMap(x -> persons).flatMap(x -> PersonActors.dropCachedLists(conn, teamId))
                            .map(x -> found.size());
                }));
    }
}
