package io.clipkit;

/**
 * The MLP activation of a CLIP tower. OpenAI's checkpoints do not record it (they use QuickGELU);
 * open_clip and transformers configs do.
 *
 * <pre>{@code
 * ClipModel.builder().path(Path.of("my-gelu-clip.pt")).activation(Activation.GELU).load();
 * }</pre>
 */
public enum Activation {
    QUICK_GELU("quick-gelu"),
    GELU("gelu");

    private final String cliName;

    Activation(String cliName) {
        this.cliName = cliName;
    }

    /** The spelling used in registry files and on the command line: {@code quick-gelu}, {@code gelu}. */
    public String cliName() {
        return cliName;
    }

    /** Parses {@code quick-gelu}, {@code quick_gelu} or {@code gelu} (any case). */
    public static Activation parse(String s) {
        String n = s == null ? "" : s.strip().replace('_', '-');
        for (Activation a : values()) {
            if (a.cliName.equalsIgnoreCase(n) || a.name().replace('_', '-').equalsIgnoreCase(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + s + "': use quick-gelu or gelu");
    }
}
