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

    private CliNames() {}

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
