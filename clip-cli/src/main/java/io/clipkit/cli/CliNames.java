package io.clipkit.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Core messages speak of the library's options ({@code threads}, {@code batch size},
 * {@code maxPixels}); on the command line the same value is a flag. This turns the one into the
 * other, in one place.
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
}
