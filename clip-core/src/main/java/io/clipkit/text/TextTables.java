package io.clipkit.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data tables generated from Python, regex and ftfy by
 * {@code models/tools/tokens/make_text_tables.py} (resource {@code text-tables.txt}). Generated
 * rather than derived from the JDK's Unicode data, which is an older Unicode version than Python's.
 */
final class TextTables {
    private static final String RESOURCE = "text-tables.txt";

    private final Map<String, CodePointSet> sets = new HashMap<>();
    private final Map<String, Map<String, String>> maps = new HashMap<>();
    private final Map<String, int[]> codecs = new HashMap<>();
    private final Map<String, String> regexes = new HashMap<>();
    private final List<String> badness = new ArrayList<>();
    private final Map<String, Map<Integer, Integer>> values = new HashMap<>();

    private static final class Holder {
        static final TextTables INSTANCE = load();
    }

    static TextTables get() {
        return Holder.INSTANCE;
    }

    private static TextTables load() {
        try (InputStream in = TextTables.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/clipkit/text/" + RESOURCE);
            }
            TextTables t = new TextTables();
            t.parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)));
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource io/clipkit/text/" + RESOURCE, e);
        }
    }

    private void parse(BufferedReader r) throws IOException {
        String kind = null;
        String name = null;
        List<int[]> ranges = new ArrayList<>();
        Map<String, String> map = null;
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                finishSet(kind, name, ranges);
                String head = line.substring(1, line.length() - 1);
                int sp = head.indexOf(' ');
                kind = sp < 0 ? head : head.substring(0, sp);
                name = sp < 0 ? null : head.substring(sp + 1);
                ranges.clear();
                if ("map".equals(kind)) {
                    map = new HashMap<>();
                    maps.put(name, map);
                } else if ("values".equals(kind)) {
                    values.put(name, new HashMap<>());
                }
                continue;
            }
            switch (kind) {
                case "set": {
                    int sp = line.indexOf(' ');
                    ranges.add(new int[] {Integer.parseInt(line.substring(0, sp), 16),
                        Integer.parseInt(line.substring(sp + 1), 16)});
                    break;
                }
                case "map": {
                    int tab = line.indexOf('\t');
                    map.put(hexString(line.substring(0, tab)), hexString(line.substring(tab + 1)));
                    break;
                }
                case "codec": {
                    String[] parts = line.split(" ");
                    int[] table = new int[256];
                    for (int i = 0; i < 256; i++) {
                        table[i] = "-".equals(parts[i]) ? -1 : Integer.parseInt(parts[i], 16);
                    }
                    codecs.put(name, table);
                    break;
                }
                case "values": {
                    String[] f = line.split(" ");
                    int v = Integer.parseInt(f[2]);
                    Map<Integer, Integer> m = values.get(name);
                    for (int c = Integer.parseInt(f[0], 16); c <= Integer.parseInt(f[1], 16); c++) {
                        m.put(c, v);
                    }
                    break;
                }
                case "badness":
                    badness.add(line);
                    break;
                case "regex": {
                    int tab = line.indexOf('\t');
                    regexes.put(line.substring(0, tab), line.substring(tab + 1));
                    break;
                }
                default:
                    break;
            }
        }
        finishSet(kind, name, ranges);
    }

    private void finishSet(String kind, String name, List<int[]> ranges) {
        if ("set".equals(kind)) {
            int[] s = new int[ranges.size()];
            int[] e = new int[ranges.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = ranges.get(i)[0];
                e[i] = ranges.get(i)[1];
            }
            sets.put(name, new CodePointSet(s, e));
        }
    }

    /** "41 42" -> "AB"; an empty field is the empty string. */
    static String hexString(String hex) {
        if (hex.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String h : hex.split(" ")) {
            sb.appendCodePoint(Integer.parseInt(h, 16));
        }
        return sb.toString();
    }

    CodePointSet set(String name) {
        return require(sets.get(name), name);
    }

    Map<String, String> map(String name) {
        return require(maps.get(name), name);
    }

    /** Decoding table of a single-byte codec: byte -> code point, -1 where undefined. */
    int[] codec(String name) {
        return require(codecs.get(name), name);
    }

    /** Integer properties of code points (absent = 0). */
    Map<Integer, Integer> values(String name) {
        return require(values.get(name), name);
    }

    /** ftfy's badness heuristic as alternatives of atoms (see make_text_tables.py). */
    List<String> badness() {
        return java.util.Collections.unmodifiableList(badness);
    }

    String regex(String name) {
        return require(regexes.get(name), name);
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalStateException("text table " + name + " missing from " + RESOURCE);
        }
        return value;
    }
}
