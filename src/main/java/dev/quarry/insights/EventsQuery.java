package dev.quarry.insights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.query.schema.PropertyFilter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code EventsQuery}: {@code select} (HogQL expressions, {@code *} for the whole event and
 * {@code person} for its person; required), {@code where} (HogQL boolean expressions), {@code properties} and
 * {@code fixedProperties} (property filters), {@code event}, {@code personId}, {@code after} (default {@code -24h})
 * and {@code before} (relative or absolute dates), {@code filterTestAccounts}, {@code orderBy} (expressions with
 * an optional ASC/DESC), {@code limit} and {@code offset}. {@code actionId} keeps the events of the team's action with that id;
 * {@code events} and {@code source} (events of an actors list) parse but are refused unless off.
 */
@RegisterForReflection
public record EventsQuery(String kind, List<String> select, List<String> where, PropertyFilter properties,
                          PropertyFilter fixedProperties, String event, List<String> events, String personId,
                          String after, String before, Boolean filterTestAccounts, List<String> orderBy,
                          Integer limit, Integer offset, JsonNode actionId, JsonNode source, JsonNode modifiers,
                          JsonNode response, JsonNode tags, JsonNode version) {
}
