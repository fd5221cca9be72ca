package dev.quarry.definitions;

import java.util.List;

/**
 * PostHog's core events ({@code CORE_EVENTS} in posthog/taxonomy/taxonomy.py: the names of its taxonomy's "events"
 * group but "All events"). PostHog's event definitions list counts them as verified: {@code verified=true} lists them
 * with the definitions marked verified, {@code verified=false} never does.
 */
final class CoreEvents {
    private CoreEvents() {
    }

    static final List<String> NAMES = List.of("$pageview", "$pageleave", "$autocapture", "$$heatmap",
            "$copy_autocapture", "$screen", "$set", "$opt_in", "$feature_flag_called", "$feature_view",
            "$feature_interaction", "$element_viewed", "$feature_enrollment_update", "$capture_metrics", "$identify",
            "$create_alias", "$merge_dangerously", "$groupidentify", "$rageclick", "$dead_click", "$exception",
            "$web_vitals", "$ai_generation", "$ai_evaluation", "$ai_tag", "$ai_metric", "$ai_feedback", "$ai_trace",
            "$ai_span", "$ai_embedding", "$csp_violation", "Application opened", "Application backgrounded",
            "Application updated", "Application installed", "Application became active", "Deep link opened",
            "$mcp_tool_call", "$mcp_tools_list", "$mcp_initialize", "$mcp_resources_list", "$mcp_resource_read",
            "$mcp_prompts_list", "$mcp_prompt_get", "$mcp_custom", "$mcp_auth_failed", "$mcp_missing_capability",
            "mcp_tool_call", "mcp_tools_list", "mcp_initialize", "mcp_resources_list", "mcp_resource_read",
            "mcp_prompts_list", "mcp_prompt_get", "mcp_custom", "posthog_identify", "mcp init", "mcp_mcpcat:identify",
            "mcp_posthog:identify", "mcp_tool_called", "mcp tool call", "mcp tool response", "mcp project switched",
            "mcp organization switched", "mcp feedback submitted", "$snapshot", "$error_tracking_issue_created",
            "$error_tracking_issue_reopened", "$error_tracking_issue_spiking", "$conversation_message_sent",
            "$conversation_private_message_sent", "$conversation_message_received", "$conversation_ticket_created",
            "$conversation_ticket_assigned", "$conversation_ticket_status_changed",
            "$conversation_ticket_priority_changed", "$slack_message_received");
}
