package dev.quarry.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource whose requests {@link NulCharacterFilter} leaves to the resource itself: capture (PostHog's
 * ingestion stores U+FFFD for U+0000, and so does Quarry's capture) entirely, or only the body ({@code bodyOnly}: the
 * query endpoint answers its own 400 for a NUL in a query and keeps the run in the query log). A marker in {@code web}
 * so the filter does not depend on the feature packages.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface NulCharactersAccepted {
    /** True: the path and query parameters are still checked, only the body is the resource's. */
    boolean bodyOnly() default false;
}
