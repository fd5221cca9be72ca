package dev.quarry.web;

/** PostHog's error body: {"type","code","detail","attr"}. */
public record ApiError(String type, String code, String detail, String attr) {
}
