package dev.quarry.activity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.data.Team;
import dev.quarry.web.JsonAnswer;
import dev.quarry.web.LinkUrls;
import dev.quarry.web.ResponseLimit;
import dev.quarry.web.ResponseTooLargeException;
import dev.quarry.web.ValidationException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * One scope's activity as PostHog's per-model {@code activity} actions answer it ({@code activity_page_response}):
 * {@code {results, next, previous, total_count}}, newest first, pages of {@code limit} entries (default 10, at most
 * 100) numbered from {@code page} 1; {@code next}/{@code previous} the request's absolute URL with {@code page} and
 * {@code limit} set. {@code limit} or {@code page} that is not a positive integer is a 400 naming it (PostHog's
 * {@code ActivityQueryParamsSerializer}); a page past the last is empty. Entries as {@link EntryJson}; a page whose
 * entries would not fit in one answer is a 400 {@code response_too_large} (ask for a smaller {@code limit}). Shares
 * the activity log's reads: at most two of a project's at once on this instance (more are 429s).
 */
@ApplicationScoped
public class ActivityPages {
    static final int DEFAULT_LIMIT = 10;
    static final int MAX_LIMIT = 100;

    private final ActivityLogs logs;
    private final ObjectMapper mapper;

    public ActivityPages(ActivityLogs logs, ObjectMapper mapper) {
        this.logs = logs;
        this.mapper = mapper;
    }

    /**
     * The page of {@code scope}'s entries (of the item {@code itemId}, or of every item when null).
     *
     * @param requestUrl the request's absolute URL, for the {@code next}/{@code previous} links
     */
    public Uni<Response> page(Team team, String scope, String itemId, String limit, String page, String requestUrl) {
        int perPage = positive(limit, DEFAULT_LIMIT, MAX_LIMIT, "limit");
        int number = positive(page, 1, Integer.MAX_VALUE, "page");
        ActivityLogFilter filter = new ActivityLogFilter(null, List.of(scope), null,
                itemId == null ? null : List.of(itemId), false, false, null, null, null, null, null, null, false);
        long offset = (long) (number - 1) * perPage;
        long budget = ResponseLimit.MAX_ENCODED_BYTES - ResponseLimit.PAGE_ENVELOPE_BYTES;
        return ActivityLogResource.READS.run(team.id(), () -> logs.count(team.id(), filter)
                .flatMap(count -> (offset >= count ? Uni.createFrom().item(new ActivityLogs.Page(List.of(), false))
                        : logs.page(team.id(), filter, false, null, offset, perPage, budget))
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .map(read -> {
                            EntryJson.Rendered rendered = EntryJson.render(mapper, team, read.entries(), budget);
                            if (rendered.cut()) {
                                throw ResponseTooLargeException.page("limit");
                            }
                            ObjectNode body = mapper.createObjectNode();
                            body.set("results", rendered.rows());
                            body.put("next", offset + perPage < count ? link(requestUrl, number + 1, perPage) : null);
                            body.put("previous", number > 1 ? link(requestUrl, number - 1, perPage) : null);
                            body.put("total_count", count);
                            return JsonAnswer.of(mapper, body);
                        })));
    }

    private static String link(String requestUrl, int page, int limit) {
        // page before limit, as PostHog's format_query_params_absolute_url appends them when absent
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        parameters.put("page", Integer.toString(page));
        parameters.put("limit", Integer.toString(limit));
        return LinkUrls.withParameters(requestUrl, parameters);
    }

    private static int positive(String value, int fallback, int max, String attr) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        String text = value.strip();
        if (!text.matches("[+-]?\\d+")) {
            throw new ValidationException("A valid integer is required.", attr);
        }
        java.math.BigInteger number = new java.math.BigInteger(text);
        if (number.signum() < 1) {
            throw new ValidationException("Ensure this value is greater than or equal to 1.", attr);
        }
        return number.min(java.math.BigInteger.valueOf(max)).intValueExact();
    }
}
