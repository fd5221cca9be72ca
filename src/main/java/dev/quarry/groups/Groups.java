package dev.quarry.groups;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.quarry.web.LimitOffset;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** A project's group types and groups, as capture stored them from {@code $groups} and {@code $groupidentify}. */
@ApplicationScoped
public class Groups {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private final Pool pool;
    private final ObjectMapper mapper;

    public Groups(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** PostHog's group type mapping: the type's name, its index 0…4 ($group_N), optional display names. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record GroupType(String groupType, int groupTypeIndex, String nameSingular, String namePlural) {
    }

    /** PostHog's serialized group. created_at is ISO-8601 UTC with microseconds. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Group(int groupTypeIndex, String groupKey, JsonNode groupProperties, String createdAt) {
    }

    public record Found(long count, List<Group> rows) {
    }

    public Uni<List<GroupType>> types(long teamId) {
        return pool.preparedQuery("SELECT group_type, group_type_index, name_singular, name_plural "
                        + "FROM group_type_mappings WHERE team_id = $1 ORDER BY group_type_index")
                .execute(Tuple.of(teamId))
                .map(rows -> {
                    List<GroupType> types = new ArrayList<>();
                    rows.forEach(row -> types.add(new GroupType(row.getString(0), row.getInteger(1),
                            row.getString(2), row.getString(3))));
                    return types;
                });
    }

    /**
     * What one group is counted as beyond its properties when a page is bounded (its key, dates, the JSON around
     * them): an estimate, on the high side.
     */
    private static final int GROUP_OVERHEAD_BYTES = 200;

    /**
     * Groups of one type, newest first; {@code search} (or null) must occur in the key or the properties. The page's
     * keys are chosen first (without the properties), then their properties read in order up to the first group past
     * an answer's size ({@link dev.quarry.web.ResponseLimit#MAX_ENCODED_BYTES}, counted from the stored length of each
     * group's properties as text, V125_62): a page of 1,000 groups of 900 kB properties
     * sorted and read 900 MB for 14 s before the answer was refused.
     *
     * @throws dev.quarry.web.ResponseTooLargeException 400 when the page would pass what an answer may carry
     */
    public Uni<Found> list(long teamId, int groupTypeIndex, String search, LimitOffset page) {
        String filter = "team_id = $1 AND group_type_index = $2 AND ($3::text IS NULL OR strpos(group_key, $3) > 0 "
                + "OR strpos(lower(group_properties::text), lower($3)) > 0)";
        Tuple args = Tuple.of(teamId, groupTypeIndex, search);
        long bound = dev.quarry.web.ResponseLimit.MAX_ENCODED_BYTES;
        // the stored text length (V125_62): pg_column_size counts compressed bytes, 100 times fewer for repetitive text
        String size = "(g.properties_bytes + " + GROUP_OVERHEAD_BYTES + ")";
        String pageSql = "SELECT group_type_index, group_key, group_properties::text, created_at, page_bytes FROM ("
                + "SELECT g.group_type_index, g.group_key, g.group_properties, g.created_at, " + size + " AS row_bytes, "
                + "sum" + size + " OVER (ORDER BY k.created_at DESC, k.group_key ROWS BETWEEN UNBOUNDED PRECEDING AND "
                + "CURRENT ROW) AS page_bytes "
                + "FROM (SELECT group_key, created_at FROM groups WHERE " + filter
                + " ORDER BY created_at DESC, group_key LIMIT $4 OFFSET $5) k "
                + "JOIN groups g ON g.team_id = $1 AND g.group_type_index = $2 AND g.group_key = k.group_key) bounded "
                + "WHERE page_bytes - row_bytes <= " + bound + " ORDER BY created_at DESC, group_key";
        return pool.preparedQuery("SELECT count(*) FROM groups WHERE " + filter).execute(args)
                .flatMap(count -> pool.preparedQuery(pageSql)
                        .execute(Tuple.of(teamId, groupTypeIndex, search, page.limit(), page.offset()))
                        // parsed on a worker: a page may hold an answer's worth of properties
                        .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                        .map(rows -> {
                            List<Group> groups = new ArrayList<>();
                            long read = 0;
                            for (Row row : rows) {
                                read = row.getLong(4);
                                groups.add(new Group(row.getInteger(0), row.getString(1), json(row.getString(2)),
                                        row.getOffsetDateTime(3).withOffsetSameInstant(ZoneOffset.UTC)
                                                .format(TIMESTAMP)));
                            }
                            if (read > bound) {
                                throw new dev.quarry.web.ResponseTooLargeException(read, bound);
                            }
                            return new Found(count.iterator().next().getLong(0), groups);
                        }));
    }

    private JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return mapper.createObjectNode();
        }
    }
}
