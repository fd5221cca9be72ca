package dev.quarry.hogql;

/** LIKE / ILIKE patterns built from user text, with the text's own wildcards taken literally. */
public final class LikePatterns {
    private LikePatterns() {
    }

    public static String escape(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /** Matches values containing {@code text} anywhere. */
    public static String contains(String text) {
        return "%" + escape(text) + "%";
    }
}
