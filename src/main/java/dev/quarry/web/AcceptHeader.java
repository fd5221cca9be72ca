package dev.quarry.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * DRF's {@code DefaultContentNegotiation.select_renderer} over an {@code Accept} header, for the views whose renderer
 * is not picked by {@code ?format=}. The header's media types are grouped by precedence — with parameters other than
 * {@code q} (3), a full type (2), {@code type/*} (1), {@code *}{@code /*} (0); {@code q} values are ignored, as DRF
 * ignores them — and from the most precise group down, the view's renderers are tried in their order; the first
 * renderer whose media type one of the group's types matches is the answer. No header is {@code *}{@code /*}.
 */
public final class AcceptHeader {
    private AcceptHeader() {
    }

    /** One media range of the header: type, subtype (lower case) and whether it has parameters other than q. */
    private record MediaRange(String type, String subtype, boolean parameters) {
        static MediaRange parse(String text) {
            String[] parts = text.split(";");
            String full = parts[0].trim().toLowerCase(Locale.ROOT);
            int slash = full.indexOf('/');
            String type = slash < 0 ? full : full.substring(0, slash);
            String subtype = slash < 0 ? "" : full.substring(slash + 1);
            boolean parameters = false;
            for (int i = 1; i < parts.length; i++) {
                String name = parts[i].split("=", 2)[0].trim().toLowerCase(Locale.ROOT);
                parameters |= !name.isEmpty() && !name.equals("q");
            }
            return new MediaRange(type, subtype, parameters);
        }

        int precedence() {
            if (type.equals("*")) {
                return 0;
            }
            if (subtype.equals("*")) {
                return 1;
            }
            return parameters ? 3 : 2;
        }

        /** DRF's {@code _MediaType.match} with a renderer's type (which has no parameters) on the left. */
        boolean accepts(String rendererType) {
            int slash = rendererType.indexOf('/');
            String type = rendererType.substring(0, slash);
            String subtype = rendererType.substring(slash + 1);
            return (this.subtype.equals("*") || this.subtype.equals(subtype))
                    && (this.type.equals("*") || this.type.equals(type));
        }
    }

    /**
     * @param accept the request's {@code Accept} header values (several headers are one comma-separated list), or
     *               null when it sent none
     * @param renderers the view's renderer media types in its {@code renderer_classes} order, e.g.
     *                  {@code application/json}, {@code text/csv}
     * @return the media type of the renderer DRF selects, or empty where DRF answers 406 Not Acceptable
     */
    public static Optional<String> select(List<String> accept, List<String> renderers) {
        List<MediaRange> ranges = new ArrayList<>();
        if (accept == null || accept.isEmpty()) {
            ranges.add(new MediaRange("*", "*", false));
        } else {
            for (String header : accept) {
                for (String item : header.split(",")) {
                    if (!item.isBlank()) {
                        ranges.add(MediaRange.parse(item));
                    }
                }
            }
        }
        for (int precedence = 3; precedence >= 0; precedence--) {
            for (String renderer : renderers) {
                for (MediaRange range : ranges) {
                    if (range.precedence() == precedence && range.accepts(renderer)) {
                        return Optional.of(renderer);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
