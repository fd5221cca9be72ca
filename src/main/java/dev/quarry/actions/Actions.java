package dev.quarry.actions;

import dev.quarry.data.Sessions;
import dev.quarry.web.ValidationException;
import dev.quarry.data.ActivityLogEntries;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Action rows of one team, through {@link ActionEntity} (every query binds the team). */
@ApplicationScoped
public class Actions {
    private static final String WITH_USER = "from ActionEntity a left join fetch a.createdBy ";
    private final Clock clock;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public Actions(Clock clock, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.clock = clock;
        this.mapper = mapper;
    }

    /** PostHog's activity log scope of actions. */
    static final String SCOPE = "Action";

    /** One page of a team's live actions and how many match in all. */
    public record Page(long count, List<Action> rows) {
    }

    /** What a list asks for: a name search (case-insensitive substring; null for none), a creator, an ordering. */
    public record Listing(String search, Long createdBy, String orderBy) {
    }

    /** The orderings a list takes (DRF's {@code ordering}); others fall back to the default, as DRF ignores them. */
    static String orderBy(String ordering) {
        return switch (ordering == null ? "" : ordering) {
            case "name" -> "a.name asc nulls first, a.id desc";
            case "-name" -> "a.name desc nulls last, a.id desc";
            case "created_at", "last_calculated_at" -> "a.createdAt asc, a.id asc";
            default -> "a.createdAt desc, a.name asc, a.id desc"; // PostHog: -last_calculated_at, name
        };
    }

    /** The team's action (deleted ones too) with its creator, or null. */
    public Uni<Action> find(long teamId, long id) {
        return Sessions.read(() -> ActionEntity.<ActionEntity>find(WITH_USER + "where a.teamId = ?1 and a.id = ?2",
                teamId, id).firstResult()).map(e -> e == null ? null : Action.from(e));
    }

    /** Live actions in the listing's order: {@code limit} rows from {@code offset}, with the number matching. */
    public Uni<Page> list(long teamId, Listing listing, int limit, int offset) {
        StringBuilder where = new StringBuilder("where a.teamId = :team and a.deleted = false");
        Parameters params = Parameters.with("team", teamId);
        if (listing.search() != null && !listing.search().isEmpty()) {
            where.append(" and lower(coalesce(a.name, '')) like :search escape '\\'");
            params.and("search", "%" + listing.search().toLowerCase(java.util.Locale.ROOT)
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        if (listing.createdBy() != null) {
            where.append(" and a.createdById = :creator");
            params.and("creator", listing.createdBy());
        }
        return Sessions.read(() -> ActionEntity.count("from ActionEntity a " + where, params)
                .flatMap(total -> ActionEntity.<ActionEntity>find(WITH_USER + where + " order by "
                                + orderBy(listing.orderBy()), params)
                        .range(offset, offset + limit - 1).list()
                        .map(rows -> new Page(total, rows.stream().map(Action::from).toList()))));
    }

    /** A live action of the team with this name other than {@code except}, or null. */
    public Uni<Long> namedLike(long teamId, String name, Long except) {
        return Sessions.read(() -> ActionEntity.<ActionEntity>find("teamId = ?1 and deleted = false and name = ?2 "
                        + "and id <> ?3 order by id", teamId, name, except == null ? -1L : except).firstResult())
                .map(e -> e == null ? null : e.id);
    }

    /**
     * PostHog's 400 for a name another live action of the project has (ActionSerializer.validate: code {@code unique},
     * attr {@code name}, "This project already has an action with this name, ID {id}").
     */
    static ValidationException nameTaken(Long otherId) {
        return new ValidationException("unique", "This project already has an action with this name, ID " + otherId,
                "name");
    }

    /**
     * The write, with a violation of the live-name index (V90_1: a concurrent create or rename took the name between
     * the check and the write) answered as {@link #nameTaken} for the action that holds the name now.
     */
    private <T> Uni<T> nameChecked(Uni<T> write, long teamId, Edit edit, Long self) {
        return write.onFailure(Sessions::isUniqueViolation).recoverWithUni(failure -> {
            // an edit that keeps the name (e.g. restoring a deleted action) collides under the name it has
            Uni<String> name = edit.name() != null || self == null ? Uni.createFrom().item(edit.name())
                    : find(teamId, self).map(Action::name);
            return name.flatMap(n -> namedLike(teamId, n, self)).map(other -> {
                throw nameTaken(other);
            });
        });
    }

    /** What a create or an edit sets: null fields are left as they are (an edit) or take their default (a create). */
    public record Edit(String name, boolean nameGiven, String description, String steps, String tags,
                       Boolean postToSlack, String slackMessageFormat, OffsetDateTime pinnedAt, boolean pinnedGiven,
                       Boolean deleted) {
    }

    /** Stores a new action created now by {@code userId}. */
    public Uni<Action> insert(long teamId, Long userId, Edit edit) {
        ActionEntity e = new ActionEntity();
        e.teamId = teamId;
        e.createdById = userId;
        e.createdAt = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
        e.updatedAt = e.createdAt;
        apply(e, edit);
        return nameChecked(Sessions.write(() -> e.<ActionEntity>persist()
                        .call(saved -> ActivityLogEntries.add(teamId, SCOPE, Long.toString(saved.id), userId, "created",
                                ActivityLogEntries.detail(saved.name, null)))), teamId, edit, null)
                .flatMap(saved -> find(teamId, saved.id));
    }

    /**
     * Edits the team's action (locked for the edit), made by {@code userId}; null when the team has no such action.
     * What changed is logged as PostHog's activity ({@code updated}, or {@code deleted} when the edit deletes the
     * action) in the same transaction.
     */
    public Uni<Action> update(long teamId, long id, Long userId, Edit edit) {
        return nameChecked(Sessions.write(() -> ActionEntity.<ActionEntity>find("teamId = ?1 and id = ?2", teamId, id)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                        .flatMap(e -> {
                            if (e == null) {
                                return Uni.createFrom().<ActionEntity>nullItem();
                            }
                            Snapshot before = Snapshot.of(e, mapper);
                            apply(e, edit);
                            e.updatedAt = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
                            com.fasterxml.jackson.databind.node.ArrayNode changes = before.changes(Snapshot.of(e, mapper),
                                    mapper);
                            if (changes.isEmpty()) {
                                return Uni.createFrom().item(e);
                            }
                            com.fasterxml.jackson.databind.node.ObjectNode detail = ActivityLogEntries.detail(e.name, null);
                            detail.set("changes", changes);
                            String activity = e.deleted && !before.deleted() ? "deleted" : "updated";
                            return ActivityLogEntries.add(teamId, SCOPE, Long.toString(id), userId, activity, detail)
                                    .replaceWith(e);
                        }).call(Panache::flush)), teamId, edit, id)
                .flatMap(e -> e == null ? Uni.createFrom().nullItem() : find(teamId, id));
    }

    /** What an edit can change, as PostHog's activity log compares it. */
    private record Snapshot(String name, String description, com.fasterxml.jackson.databind.JsonNode steps,
                            com.fasterxml.jackson.databind.JsonNode tags, boolean postToSlack, String slackMessageFormat,
                            String pinnedAt, boolean deleted) {
        static Snapshot of(ActionEntity e, com.fasterxml.jackson.databind.ObjectMapper mapper) {
            return new Snapshot(e.name, e.description, json(mapper, e.steps), json(mapper, e.tags), e.postToSlack,
                    e.slackMessageFormat, e.pinnedAt == null ? null : dev.quarry.web.DrfDateTime.format(e.pinnedAt),
                    e.deleted);
        }

        com.fasterxml.jackson.databind.node.ArrayNode changes(Snapshot after,
                                                              com.fasterxml.jackson.databind.ObjectMapper mapper) {
            com.fasterxml.jackson.databind.node.ArrayNode changes = mapper.createArrayNode();
            ActivityLogEntries.change(changes, SCOPE, "name", name, after.name);
            ActivityLogEntries.change(changes, SCOPE, "description", description, after.description);
            ActivityLogEntries.change(changes, SCOPE, "steps", steps, after.steps);
            ActivityLogEntries.change(changes, SCOPE, "tags", tags, after.tags);
            ActivityLogEntries.change(changes, SCOPE, "post_to_slack", postToSlack, after.postToSlack);
            ActivityLogEntries.change(changes, SCOPE, "slack_message_format", slackMessageFormat,
                    after.slackMessageFormat);
            ActivityLogEntries.change(changes, SCOPE, "pinned_at", pinnedAt, after.pinnedAt);
            ActivityLogEntries.change(changes, SCOPE, "deleted", deleted, after.deleted);
            return changes;
        }

        private static com.fasterxml.jackson.databind.JsonNode json(com.fasterxml.jackson.databind.ObjectMapper mapper,
                                                                    String text) {
            if (text == null) {
                return mapper.nullNode();
            }
            try {
                return mapper.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                return mapper.getNodeFactory().textNode(text);
            }
        }
    }

    private static void apply(ActionEntity e, Edit edit) {
        if (edit.nameGiven()) {
            e.name = edit.name();
        }
        if (edit.description() != null) {
            e.description = edit.description();
        }
        if (edit.steps() != null) {
            e.steps = edit.steps();
        }
        if (edit.tags() != null) {
            e.tags = edit.tags();
        }
        if (edit.postToSlack() != null) {
            e.postToSlack = edit.postToSlack();
        }
        if (edit.slackMessageFormat() != null) {
            e.slackMessageFormat = edit.slackMessageFormat();
        }
        if (edit.pinnedGiven()) {
            e.pinnedAt = edit.pinnedAt();
        }
        if (edit.deleted() != null) {
            e.deleted = edit.deleted();
        }
    }
}
