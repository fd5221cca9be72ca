package dev.quarry.query;

import com.fasterxml.jackson.databind.JsonNode;

/** An HTTP status and JSON body for the query endpoints. */
public record QueryReply(int status, JsonNode body) {
}
