package io.clipkit.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Core messages speak of the library's options ({@code threads}, {@code batch size},
 * {@code maxPixels}, {@code device("cpu")}); on the command line the same value is a flag. This
 * turns the one into the other, in one place: {@link #flags} and {@link #checks} for a message
 * that starts with a setting's name, {@link #cli} for advice inside any message.
 */
final class CliNames {
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("threads", "--threads"),
            Map.entry("batch size", "--batch-size"),
            Map.entry("top-k", "--top-k"),
            Map.entry("min-score", "--min-score"),
            Map.entry("maxPixels", "--max-pixels"),
            Map.entry("decode timeout", "--decode-timeout"),
            Map.entry("device", "--device"),
            Map.entry("model", "--model"),
            Map.entry("dtype", "--dtype"));
    private static final Pattern LEADING = Pattern.compile("^(bad |unknown )?(threads|batch size|top-k|min-score|maxPixels|decode timeout|device|model|dtype)\\b");

    /** The names of {@code io.clipkit.Checks}' run settings, which any command's caller mistake may start with. */
    private static final Pattern CHECKS = Pattern.compile("^(threads|batch size|top-k|min-score|maxPixels|decode timeout)\\b");

    /**
     * Phrases of core messages that name a library setting, and what the same advice is on the
     * command line. Core messages say what to change in library terms (so a server or an app gets
     * advice it can follow); the CLI shows the flag.
     */
    private static final Map<String, String> PHRASES = Map.ofEntries(
            Map.entry("use device cpu", "use --device cpu"),
            Map.entry("raise the maxPixels setting to allow it", "raise it with --max-pixels"),
            Map.entry("not a registry name (known: ", "not a registry name (see 'clip models list': "),
            Map.entry("pass one of them as the model", "pass one of them with --model"),
            Map.entry("choose another output file, or force a fresh start", "pass another --out, or --force to start it afresh"),
            Map.entry("choose another index file, or move it away yourself", "pass another --index, or move it away yourself"),
            Map.entry("run with a larger Java heap (-Xmx)", "run with a larger heap (e.g. CLIP_JAVA_OPTS=-Xmx8g)"),
            Map.entry("or decode JPEGs reduced (fast decoding)", "or use --fast"),
            Map.entry("raise the decodeMemoryMb setting", "raise --decode-memory"),
            Map.entry("bad XMP mode '", "bad --xmp value '"),
            Map.entry("folders are searched only in a recursive run", "use --recursive to search it"));

    private CliNames() {}

    /**
     * A caller-mistake message from a library check ({@code "threads must be in 1..256, got 0"})
     * with the setting's flag ({@code --threads}); other messages unchanged (e.g. "unknown model
     * 'x'" is about a registry name, not the {@code --model} flag).
     */
    static String checks(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = CHECKS.matcher(message);
        return m.find() ? FLAGS.get(m.group(1)) + message.substring(m.end()) : message;
    }

    /** The message with a leading library option name replaced by its flag. */
    static String flags(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = LEADING.matcher(message);
        if (!m.find()) {
            return message;
        }
        String prefix = m.group(1) == null ? "" : m.group(1);
        return prefix + FLAGS.get(m.group(2)) + message.substring(m.end());
    }

    /** The builder's advice after falling back to the bundled model, and the command that follows it. */
    private static final Pattern LOAD_ONCE = Pattern.compile("To use (\\S+), load it once with downloads allowed and network access");

    /** The builder's {@code model("NAME")} in advice: {@code --model NAME} on the command line. */
    private static final Pattern MODEL_CALL = Pattern.compile("\\bmodel\\(\"([A-Za-z0-9][A-Za-z0-9._@+-]*)\"\\)");

    /** A core message as the command line says it: library settings named by their flags. */
    static String cli(String message) {
        if (message == null) {
            return null;
        }
        String m = message;
        for (Map.Entry<String, String> e : PHRASES.entrySet()) {
            m = m.replace(e.getKey(), e.getValue());
        }
        m = LOAD_ONCE.matcher(m).replaceAll("To use $1, run 'clip models pull $1' once with network access");
        return MODEL_CALL.matcher(m).replaceAll("--model $1");
    }
}
