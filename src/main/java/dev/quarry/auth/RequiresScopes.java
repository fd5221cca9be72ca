package dev.quarry.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an endpoint as needing a personal API key with these scopes. {@link AuthFilter} enforces it for every
 * annotated resource method (method annotation wins over the class one); an empty list means any valid key.
 * {@link #anyOf()} adds a requirement met by any one of its scopes.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RequiresScopes {
    String[] value() default {};

    /** Scopes of which the key needs at least one (besides all of {@link #value()}); empty: no such requirement. */
    String[] anyOf() default {};
}
