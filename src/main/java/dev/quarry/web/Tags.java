package dev.quarry.web;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Tags as PostHog's tagged-item serializer stores them: trimmed, lower-cased, de-duplicated in order (a set, so a
 * long list costs linear time: a quadratic scan of 200,000 tags held an event loop for 206 s), each a non-blank
 * string of at most {@link #MAX_LENGTH} characters (PostHog's {@code Tag.name} column), at most {@link #MAX_TAGS} of
 * them on one item.
 */
public final class Tags {
    /** PostHog's {@code Tag.name} max_length. */
    public static final int MAX_LENGTH = 255;
    /**
     * Tags one item may carry (PostHog has no count of its own; its tag rows bound it in practice). A search of a
     * list reads every item's tags: 400 insights of 1,000 long tags each made each insights search 2 s of the shared
     * database (a breaker's finding), so an item carries at most 100.
     */
    public static final int MAX_TAGS = 100;

    private Tags() {
    }

    /**
     * @param raw the tags as sent (each already known to be a string)
     * @param attr the field to name in a 400
     * @return the tags to store
     * @throws ValidationException 400 naming {@code attr}: more than {@link #MAX_TAGS}, a blank one, or one longer
     *     than {@link #MAX_LENGTH}
     */
    public static List<String> normalized(List<String> raw, String attr) {
        if (raw.size() > MAX_TAGS) {
            throw new ValidationException("An item holds at most " + MAX_TAGS + " tags.", attr);
        }
        Set<String> out = new LinkedHashSet<>();
        for (String tag : raw) {
            String normal = tag.trim().toLowerCase(Locale.ROOT);
            if (normal.isEmpty() || normal.length() > MAX_LENGTH) {
                throw new ValidationException("Tags must be non-empty strings of at most " + MAX_LENGTH
                        + " characters.", attr);
            }
            out.add(normal);
        }
        return new ArrayList<>(out);
    }
}
