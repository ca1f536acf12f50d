package io.clipkit;

/**
 * Where {@link Tagger} writes XMP keywords.
 *
 * <pre>{@code
 * Tagger.builder(model).labels(labels).xmp(XmpMode.SIDECAR).build();
 * }</pre>
 */
public enum XmpMode {
    /** No XMP: no user file is touched. */
    NONE,
    /** {@code <file name>.xmp} beside each image, merged with an existing one. */
    SIDECAR,
    /**
     * Into the JPEG's own XMP segment (other formats get a sidecar). The file is rewritten
     * atomically through a symbolic link to its target, keeping its owner, group, mode and
     * modification time; a file with several hard links is refused (rewriting would split them).
     */
    EMBED;

    /** Parses {@code none}, {@code sidecar} or {@code embed} (any case). */
    public static XmpMode parse(String s) {
        for (XmpMode x : values()) {
            if (x.name().equalsIgnoreCase(s)) {
                return x;
            }
        }
        throw new IllegalArgumentException("bad XMP mode '" + s + "': use none, sidecar or embed");
    }

    /** The lower-case name used in the outputs. */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
