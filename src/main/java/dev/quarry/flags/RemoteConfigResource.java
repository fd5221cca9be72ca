package dev.quarry.flags;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.capture.ProjectTokens;
import dev.quarry.web.NotFoundException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.UncheckedIOException;

/**
 * The remote config posthog-js loads when it starts, before its flags request ({@code RemoteConfigLoader}): first the
 * script {@code GET /array/<token>/config.js}, then, when that does not load, the JSON {@code GET /array/<token>/config}.
 * Without it every page load logs "Failed to fetch remote config from PostHog" and the SDK runs on defaults it would
 * otherwise have been told. The config is PostHog's ({@code RemoteConfig.build_config}) for a project with everything
 * that Quarry does not keep switched off: no feature flags, no session recording, heatmaps, surveys, product tours,
 * conversations, dead clicks, performance or exception capture; autocapture on (PostHog's default); events to
 * {@code /i/v0/e/}; autocapture elements as a string; {@code defaultIdentifiedOnly}; no site apps.
 * <ul>
 *   <li>{@code config}: that object, {@code application/json};</li>
 *   <li>{@code config.js}: {@code application/javascript} that sets {@code window._POSTHOG_REMOTE_CONFIG[token] =
 *       {config, siteApps: []}} (the config without its {@code siteApps}), as PostHog's script does.</li>
 * </ul>
 * A token that names no project is a 404, as PostHog's. Not metered as a call of the project: PostHog serves these
 * from its CDN, unbilled. CORS as on capture's other paths ({@code capture.CaptureCors}), so that the JSON form can be
 * fetched from any site.
 */
@Path("/array/{token}")
public class RemoteConfigResource {
    private final ObjectMapper mapper;
    private final ProjectTokens tokens;

    public RemoteConfigResource(ObjectMapper mapper, ProjectTokens tokens) {
        this.mapper = mapper;
        this.tokens = tokens;
    }

    /** The JSON form, posthog-js's fallback. */
    @GET
    @Path("config")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ObjectNode> config(@PathParam("token") String token) {
        return known(token).map(t -> configOf(t, true));
    }

    /** The script form, what posthog-js loads first. */
    @GET
    @Path("config.js")
    public Uni<Response> script(@PathParam("token") String token) {
        return known(token).map(t -> Response.ok(scriptOf(t), "application/javascript").build());
    }

    private Uni<String> known(String token) {
        return tokens.teamIdOf(token).onItem().ifNull().failWith(NotFoundException::new).map(id -> token);
    }

    /** PostHog's config for a project with nothing Quarry lacks switched on; {@code siteApps} only in the JSON form. */
    ObjectNode configOf(String token, boolean withSiteApps) {
        ObjectNode config = mapper.createObjectNode();
        config.put("token", token);
        config.putArray("supportedCompression").add("gzip").add("gzip-js");
        config.put("hasFeatureFlags", false);
        config.put("captureDeadClicks", false);
        config.put("capturePerformance", false);
        config.put("autocapture_opt_out", false);
        config.put("autocaptureExceptions", false);
        config.putObject("analytics").put("endpoint", "/i/v0/e/");
        config.put("elementsChainAsString", true);
        ObjectNode errorTracking = config.putObject("errorTracking");
        errorTracking.put("autocaptureExceptions", false);
        errorTracking.putArray("suppressionRules");
        config.putObject("logs").put("captureConsoleLogs", false);
        config.put("sessionRecording", false);
        config.put("heatmaps", false);
        config.put("conversations", false);
        config.put("surveys", false);
        config.put("productTours", false);
        config.put("defaultIdentifiedOnly", true);
        if (withSiteApps) {
            config.putArray("siteApps");
        }
        return config;
    }

    /** The script: the token as a JSON string (PostHog quotes it in single quotes; its tokens need no escaping). */
    String scriptOf(String token) {
        try {
            return "(function() {\n  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};\n"
                    + "  window._POSTHOG_REMOTE_CONFIG[" + mapper.writeValueAsString(token).replace("</", "<\\/")
                    + "] = {\n    config: " + mapper.writeValueAsString(configOf(token, false)).replace("</", "<\\/")
                    + ",\n    siteApps: []\n  }\n})();";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
