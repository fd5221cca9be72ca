package dev.quarry.web;

/**
 * URL prefixes. Every project endpoint answers under both /api/projects/:id and /api/environments/:id;
 * {@link PathRewriteFilter} maps the second onto the first before routing, as PostHog's own middleware does,
 * so resources declare only {@link #PROJECT}.
 */
public final class ApiPaths {
    public static final String PROJECT = "/api/projects/{project_id}";

    private ApiPaths() {
    }
}
