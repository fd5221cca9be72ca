package dev.quarry.query.schema;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * PostHog's {@code HogQLQueryModifiers} (schema.py, {@code extra="forbid"}), the {@code modifiers} of every query
 * node: read only to refuse what PostHog's model refuses — a field it does not declare, a value outside a mode's
 * allowed values ({@code personsOnEventsMode: 7} is a 400 listing them, pydantic's "Input should be 'disabled', …"), a
 * wrong type. Most modifiers tune ClickHouse plans, and Quarry computes the same answer whatever they say; the
 * node's {@code modifiers} are echoed back as sent. Four change PostHog's values where Quarry has one fixed rule, so
 * they are a 400 naming them at anything but that rule (issue 19 §1: never ignored): {@code convertToProjectTimezone:
 * false} (PostHog then leaves times in UTC; Quarry reads them in the project's timezone), a
 * {@code bounceRateDurationSeconds} other than PostHog's default 10 (0 and null read as 10, as PostHog's {@code or}),
 * a {@code bounceRatePageViewMode} other than {@code count_pageviews} (the sessions' {@code $is_bounce} counts
 * pageviews and 10 s, V85_1), non-empty {@code customChannelTypeRules} ({@code $channel_type} follows PostHog's
 * default rules). {@link QuerySchema} reads them for any node that declares the field.
 */
@RegisterForReflection
public record HogQLQueryModifiers(Double bounceRateDurationSeconds, BounceRatePageViewMode bounceRatePageViewMode,
                                  Boolean convertToProjectTimezone, List<ObjectNode> customChannelTypeRules,
                                  List<ObjectNode> dataWarehouseEventsModifiers, Boolean debug,
                                  Boolean formatCsvAllowDoubleQuotes, InCohortVia inCohortVia,
                                  MaterializationMode materializationMode, Boolean optimizeJoinedFilters,
                                  Boolean optimizeProjections, PersonsArgMaxVersion personsArgMaxVersion,
                                  PersonsJoinMode personsJoinMode, PersonsOnEventsMode personsOnEventsMode,
                                  PropertyGroupsMode propertyGroupsMode, Boolean s3TableUseInvalidColumns,
                                  SessionTableVersion sessionTableVersion, SessionsV2JoinMode sessionsV2JoinMode,
                                  Boolean timings, Boolean useMaterializedViews, Boolean usePreaggregatedTableTransforms,
                                  Boolean usePresortedEventsTable, Boolean useWebAnalyticsPreAggregatedTables) {

    public HogQLQueryModifiers {
        QuerySchema.unsupported("modifiers", "convertToProjectTimezone",
                Boolean.FALSE.equals(convertToProjectTimezone) ? "false" : null);
        QuerySchema.unsupported("modifiers", "bounceRateDurationSeconds",
                bounceRateDurationSeconds == null || bounceRateDurationSeconds == 0 ? null : bounceRateDurationSeconds,
                "10.0");
        QuerySchema.unsupported("modifiers", "bounceRatePageViewMode", bounceRatePageViewMode, "count_pageviews");
        QuerySchema.unsupported("modifiers", "customChannelTypeRules", customChannelTypeRules);
    }

    /** PostHog's {@code BounceRatePageViewMode}. */
    @RegisterForReflection
    public enum BounceRatePageViewMode {
        COUNT_PAGEVIEWS("count_pageviews"), UNIQ_URLS("uniq_urls"),
        UNIQ_PAGE_SCREEN_AUTOCAPTURES("uniq_page_screen_autocaptures");

        private final String value;

        BounceRatePageViewMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code InCohortVia}. */
    @RegisterForReflection
    public enum InCohortVia {
        AUTO("auto"), LEFTJOIN("leftjoin"), SUBQUERY("subquery"), LEFTJOIN_CONJOINED("leftjoin_conjoined");

        private final String value;

        InCohortVia(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code MaterializationMode}. */
    @RegisterForReflection
    public enum MaterializationMode {
        AUTO("auto"), LEGACY_NULL_AS_STRING("legacy_null_as_string"), LEGACY_NULL_AS_NULL("legacy_null_as_null"),
        DISABLED("disabled");

        private final String value;

        MaterializationMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code PersonsArgMaxVersion}. */
    @RegisterForReflection
    public enum PersonsArgMaxVersion {
        AUTO("auto"), V1("v1"), V2("v2");

        private final String value;

        PersonsArgMaxVersion(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code PersonsJoinMode}. */
    @RegisterForReflection
    public enum PersonsJoinMode {
        INNER("inner"), LEFT("left");

        private final String value;

        PersonsJoinMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code PersonsOnEventsMode}. */
    @RegisterForReflection
    public enum PersonsOnEventsMode {
        DISABLED("disabled"),
        PERSON_ID_NO_OVERRIDE_PROPERTIES_ON_EVENTS("person_id_no_override_properties_on_events"),
        PERSON_ID_OVERRIDE_PROPERTIES_ON_EVENTS("person_id_override_properties_on_events"),
        PERSON_ID_OVERRIDE_PROPERTIES_JOINED("person_id_override_properties_joined");

        private final String value;

        PersonsOnEventsMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code PropertyGroupsMode}. */
    @RegisterForReflection
    public enum PropertyGroupsMode {
        ENABLED("enabled"), DISABLED("disabled"), OPTIMIZED("optimized");

        private final String value;

        PropertyGroupsMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code SessionTableVersion}. */
    @RegisterForReflection
    public enum SessionTableVersion {
        AUTO("auto"), V1("v1"), V2("v2"), V3("v3");

        private final String value;

        SessionTableVersion(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }

    /** PostHog's {@code SessionsV2JoinMode}. */
    @RegisterForReflection
    public enum SessionsV2JoinMode {
        STRING("string"), UUID("uuid");

        private final String value;

        SessionsV2JoinMode(String value) {
            this.value = value;
        }

        @JsonValue
        @Override
        public String toString() {
            return value;
        }
    }
}
