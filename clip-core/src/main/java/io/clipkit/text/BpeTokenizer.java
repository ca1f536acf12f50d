package io.clipkit.text;

import io.clipkit.ClipTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI CLIP's tokenizer ({@code simple_tokenizer.py}) in pure Java: ftfy-style repair, HTML
 * unescaping, whitespace and case normalization with Python semantics, CLIP's pre-tokenization and
 * byte-level BPE over the {@code bpe_simple_vocab_16e6.txt.gz} merges. Thread-safe; BPE results
 * are cached per word in a bounded concurrent cache.
 *
 * <pre>{@code
 * ClipTokenizer tok = BpeTokenizer.load(Path.of("bpe_simple_vocab_16e6.txt.gz"));
 * int[] ids = tok.encode("a photo of a cat.");
 * }</pre>
 */
public final class BpeTokenizer implements ClipTokenizer {
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    /** Merges kept from the file: 49152 - 256 - 2 (CLIP's vocabulary size is 49408). */
    static final int MERGES = 49152 - 256 - 2;
    static final int VOCAB_SIZE = 256 * 2 + MERGES + 2;
    private static final String SOT = "<|startoftext|>";
    private static final String EOT = "<|endoftext|>";
    private static final int CACHE_LIMIT = 200_000;
    /** Words longer than this (in bytes) use the heap-based merge instead of CLIP's quadratic loop. */
    private static final int LONG_WORD = 48;

    /** byte -> id of its symbol (ids 0..255 follow GPT-2's bytes_to_unicode order in CLIP's file). */
    private final int[] byteToId = new int[256];
    /** byte -> id of its word-final ("</w>") symbol. */
    private final int[] byteEndToId = new int[256];
    private final String[] idToSymbol;
    private final PairMap ranks;
    private final int[] mergedByRank;
    private final int[] firstByRank;
    private final int[] secondByRank;
    private final int startId;
    private final int endId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /** GPT-2's bytes_to_unicode: the printable character standing for each byte. */
    private static char[] byteChars() {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        char[] byteChar = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            byteChar[b] = printable[b] ? (char) b : (char) (256 + extra++);
        }
        return byteChar;
    }

    /** CLIP's file: the vocabulary is implied (bytes, bytes + "</w>", one symbol per merge, SOT, EOT). */
    private static BpeTokenizer fromClipMerges(List<String> mergeLines, String source) throws IOException {
        char[] byteChar = byteChars();
        int[] order = new int[256];
        int k = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < 256; b++) {
                if ((byteChar[b] < 256) == (pass == 0)) {
                    order[k++] = b;
                }
            }
        }
        String[] idToSymbol = new String[VOCAB_SIZE];
        for (int i = 0; i < 256; i++) {
            idToSymbol[i] = String.valueOf(byteChar[order[i]]);
            idToSymbol[256 + i] = byteChar[order[i]] + "</w>";
        }
        String[][] merges = new String[MERGES][];
        for (int r = 0; r < MERGES; r++) {
            String line = mergeLines.get(r);
            String[] parts = WHITESPACE.split(line.trim()); // compiled once: per line it was half the load time
            if (parts.length != 2) {
                throw new IOException("malformed merge on line " + (r + 2) + " of " + source + ": '"
                        + line + "'");
            }
            merges[r] = parts;
            idToSymbol[512 + r] = parts[0] + parts[1];
        }
        idToSymbol[VOCAB_SIZE - 2] = SOT;
        idToSymbol[VOCAB_SIZE - 1] = EOT;
        Map<String, Integer> encoder = new HashMap<>(VOCAB_SIZE * 2);
        for (int i = 0; i < VOCAB_SIZE; i++) {
            encoder.put(idToSymbol[i], i); // later duplicates win, as in Python's dict(zip(...))
        }
        return new BpeTokenizer(idToSymbol, encoder, merges, source);
    }

    /**
     * A CLIP-style tokenizer over an explicit vocabulary ({@code vocab.json}: symbol to id) and ranked
     * merges ({@code merges.txt} lines, header excluded), as transformers folders ship them. The
     * vocabulary must hold every byte symbol in both forms and {@code <|startoftext|>} /
     * {@code <|endoftext|>}; the text is cleaned as CLIP's own tokenizer cleans it.
     *
     * <pre>{@code
     * ClipTokenizer t = BpeTokenizer.fromVocabulary(vocab, mergeLines, "vocab.json + merges.txt");
     * }</pre>
     *
     * @throws IOException naming {@code source} if a merge line is malformed or a needed symbol is missing
     */
    public static BpeTokenizer fromVocabulary(Map<String, Integer> vocab, List<String> mergeLines, String source)
            throws IOException {
        int size = 0;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IOException(source + ": token '" + e.getKey() + "' has a bad id " + e.getValue());
            }
            size = Math.max(size, e.getValue() + 1);
        }
        String[] idToSymbol = new String[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            idToSymbol[e.getValue()] = e.getKey();
        }
        List<String[]> merges = new java.util.ArrayList<>(mergeLines.size());
        for (int r = 0; r < mergeLines.size(); r++) {
            String line = mergeLines.get(r).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new IOException(source + ": malformed merge " + (r + 1) + ": '" + line + "' (expected two symbols)");
            }
            merges.add(parts);
        }
        return new BpeTokenizer(idToSymbol, new HashMap<>(vocab), merges.toArray(new String[0][]), source);
    }

    private BpeTokenizer(String[] idToSymbol, Map<String, Integer> encoder, String[][] merges, String source)
            throws IOException {
        this.idToSymbol = idToSymbol;
        char[] byteChar = byteChars();
        for (int b = 0; b < 256; b++) {
            Integer id = encoder.get(String.valueOf(byteChar[b]));
            Integer end = encoder.get(byteChar[b] + "</w>");
            if (id == null || end == null) {
                throw new IOException(source + ": the vocabulary lacks the symbol of byte 0x"
                        + Integer.toHexString(b) + " ('" + byteChar[b] + "' or '" + byteChar[b] + "</w>'); not a CLIP vocabulary");
            }
            byteToId[b] = id;
            byteEndToId[b] = end;
        }
        Integer sot = encoder.get(SOT);
        Integer eot = encoder.get(EOT);
        if (sot == null || eot == null) {
            throw new IOException(source + ": the vocabulary lacks " + (sot == null ? SOT : EOT));
        }
        startId = sot;
        endId = eot;
        int n = merges.length;
        ranks = new PairMap(n * 2);
        mergedByRank = new int[n];
        firstByRank = new int[n];
        secondByRank = new int[n];
        for (int r = 0; r < n; r++) {
            Integer a = encoder.get(merges[r][0]);
            Integer b = encoder.get(merges[r][1]);
            if (a == null || b == null) {
                continue; // a half that is no symbol can never be formed, so the merge never applies
            }
            Integer merged = encoder.get(merges[r][0] + merges[r][1]);
            if (merged == null) {
                throw new IOException(source + ": merge " + (r + 1) + " ('" + merges[r][0] + " " + merges[r][1]
                        + "') makes a symbol the vocabulary lacks");
            }
            ranks.put(a, b, r); // a repeated pair keeps its last rank, as Python's dict(zip(merges, ranks))
            mergedByRank[r] = merged;
            firstByRank[r] = a;
            secondByRank[r] = b;
        }
        cache.put(SOT, new int[] {startId});
        cache.put(EOT, new int[] {endId});
    }

    /** Id put before the text. */
    public int startId() {
        return startId;
    }

    /** Id put after the text. */
    public int endId() {
        return endId;
    }

    /** Ids in the vocabulary (largest id + 1). */
    public int vocabularySize() {
        return idToSymbol.length;
    }

    /**
     * Reads CLIP's gzip'd merges file ({@code bpe_simple_vocab_16e6.txt.gz}).
     *
     * @throws IOException if the file cannot be read, is not gzip, or has too few or malformed merges
     */
    public static ClipTokenizer load(Path mergesGz) throws IOException {
        return load(mergesGz, () -> Files.newInputStream(mergesGz), mergesGz.toString());
    }

    /** The resource name of CLIP's vocabulary inside clip-core (MIT-licensed, from openai/CLIP). */
    public static final String BUNDLED_RESOURCE = "/io/clipkit/text/bpe_simple_vocab_16e6.txt.gz";
    /** SHA-256 of the bundled vocabulary file (the same file every CLIP distribution ships). */
    public static final String BUNDLED_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a";

    private static final class Bundled {
        static final ClipTokenizer INSTANCE;

        static {
            try {
                INSTANCE = load(null, () -> {
                    InputStream in = BpeTokenizer.class.getResourceAsStream(BUNDLED_RESOURCE);
                    if (in == null) {
                        throw new java.io.FileNotFoundException("resource " + BUNDLED_RESOURCE + " is missing from clip-core");
                    }
                    return in;
                }, "bundled " + BUNDLED_RESOURCE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** CLIP's vocabulary as bundled in clip-core: loaded once per JVM, shared (the tokenizer is thread-safe). */
    public static ClipTokenizer bundled() {
        return Bundled.INSTANCE;
    }

    private interface Opener {
        InputStream open() throws IOException;
    }

    private static ClipTokenizer load(Path mergesGz, Opener opener, String what) throws IOException {
        byte[] raw;
        try (InputStream in = new GZIPInputStream(opener.open())) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
            in.transferTo(buf);
            raw = buf.toByteArray();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new java.nio.file.NoSuchFileException(what, null,
                    "CLIP vocabulary not found");
        } catch (IOException e) {
            throw new IOException("cannot read CLIP vocabulary " + what + " (a gzip'd merges file "
                    + "like bpe_simple_vocab_16e6.txt.gz is expected): " + io.clipkit.util.IoReasons.reason(e), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("CLIP vocabulary " + what + " is not UTF-8 text", e);
        }
        List<String> lines = Arrays.asList(text.split("\n", -1));
        if (lines.size() < MERGES + 1) {
            throw new IOException("CLIP vocabulary " + what + " has " + Math.max(0, lines.size() - 1)
                    + " merges; at least " + MERGES + " are needed");
        }
        return fromClipMerges(lines.subList(1, MERGES + 1), what);
    }

    /** The text as CLIP cleans it before splitting: ftfy, HTML-unescape twice, whitespace, lower case. */
    static String clean(String text) {
        String t = Ftfy.fixText(text);
        t = HtmlUnescape.unescape(HtmlUnescape.unescape(t));
        t = PyText.strip(t);
        return PyText.lower(PyText.collapseWhitespace(t));
    }

    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
        List<String> words = PreTokenizer.split(clean(text));
        int[][] parts = new int[words.size()][];
        int total = 2;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = bpe(words.get(i));
            total += parts[i].length;
        }
        int[] ids = new int[total];
        ids[0] = startId;
        int p = 1;
        for (int[] part : parts) {
            System.arraycopy(part, 0, ids, p, part.length);
            p += part.length;
        }
        ids[p] = endId;
        return ids;
    }

    @Override
    public int[] encodeForModel(String text, int contextLength, boolean truncate) {
        return forModel(text, contextLength, truncate, null);
    }

    @Override
    public int[] encodeForModel(String text, int contextLength, java.util.function.Consumer<String> onTruncate) {
        if (onTruncate == null) {
            throw new IllegalArgumentException("onTruncate is null");
        }
        return forModel(text, contextLength, true, onTruncate);
    }

    private int[] forModel(String text, int contextLength, boolean truncate,
            java.util.function.Consumer<String> onTruncate) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        int[] ids = encode(text);
        int[] row = new int[contextLength];
        if (ids.length > contextLength) {
            if (!truncate) {
                throw new IllegalArgumentException("text has " + ids.length + " tokens (with start and "
                        + "end), more than the context length " + contextLength + ": \"" + abbreviate(text) + "\"");
            }
            if (onTruncate != null) {
                onTruncate.accept("truncated text of " + ids.length + " tokens to the context length "
                        + contextLength + ": \"" + abbreviate(text) + "\"");
            }
            System.arraycopy(ids, 0, row, 0, contextLength - 1);
            row[contextLength - 1] = endId;
            return row;
        }
        System.arraycopy(ids, 0, row, 0, ids.length);
        return row;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder symbols = new StringBuilder();
        for (int id : ids) {
            if (id == 0 || id == startId || id == endId) {
                continue; // padding and special tokens
            }
            if (id < 0 || id >= idToSymbol.length || idToSymbol[id] == null) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + idToSymbol.length + ")");
            }
            symbols.append(idToSymbol[id]);
        }
        // Python: bytes of every symbol character (incl. "</w>"), UTF-8 with replacement, "</w>" -> " "
        byte[] bytes = new byte[symbols.length()];
        int[] charToByte = byteDecoder();
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) charToByte[symbols.charAt(i)];
        }
        return new String(bytes, StandardCharsets.UTF_8).replace("</w>", " ");
    }

    private int[] byteDecoder() {
        int[] dec = new int[512];
        for (int b = 0; b < 256; b++) {
            dec[idToSymbol[byteToId[b]].charAt(0)] = b;
        }
        return dec;
    }

    /** Ids of one pre-token: CLIP's BPE with the word end marked, lowest-ranked pair first. */
    int[] bpe(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] sym = initialSymbols(word);
        int[] ids = sym.length <= LONG_WORD ? mergeSimple(sym) : mergeWithHeap(sym);
        if (cache.size() < CACHE_LIMIT) {
            cache.put(word, ids);
        }
        return ids;
    }

    /**
     * CLIP's merge loop as written: merge every occurrence (left to right) of the lowest-ranked
     * adjacent pair until no pair has a rank. Quadratic in the word length.
     */
    int[] mergeSimple(int[] initial) {
        int[] sym = initial.clone();
        int n = sym.length;
        while (n > 1) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = ranks.get(sym[i], sym[i + 1]);
                if (r >= 0 && r < best) {
                    best = r;
                }
            }
            if (best == Integer.MAX_VALUE) {
                break;
            }
            int first = firstByRank[best];
            int second = secondByRank[best];
            int merged = mergedByRank[best];
            int w = 0;
            for (int i = 0; i < n; ) {
                if (i + 1 < n && sym[i] == first && sym[i + 1] == second) {
                    sym[w++] = merged;
                    i += 2;
                } else {
                    sym[w++] = sym[i++];
                }
            }
            n = w;
        }
        return Arrays.copyOf(sym, n);
    }

    /**
     * The same result in O(n log n) for long words: candidate pairs in a heap ordered by (rank,
     * position). A merge only creates pairs of higher rank than its own (a merged symbol exists
     * before any merge using it), so popping in this order merges all occurrences of one rank left
     * to right before the next rank, exactly like the simple loop.
     */
    int[] mergeWithHeap(int[] initial) {
        int n = initial.length;
        int[] sym = initial.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            if (i + 1 < n) {
                pushPair(heap, sym, i, i + 1);
            }
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int p = (int) top;
            int q = dead[p] ? -1 : next[p];
            if (q < 0 || ranks.get(sym[p], sym[q]) != rank) {
                continue; // stale: a neighbour was merged since this pair was queued
            }
            sym[p] = mergedByRank[rank];
            dead[q] = true;
            next[p] = next[q];
            if (next[q] >= 0) {
                prev[next[q]] = p;
            }
            if (prev[p] >= 0) {
                pushPair(heap, sym, prev[p], p);
            }
            if (next[p] >= 0) {
                pushPair(heap, sym, p, next[p]);
            }
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            count++;
        }
        int[] out = new int[count];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void pushPair(LongHeap heap, int[] sym, int left, int right) {
        int r = ranks.get(sym[left], sym[right]);
        if (r >= 0) {
            heap.push(((long) r << 32) | left);
        }
    }

    /** Symbols of a word's UTF-8 bytes, the last one in its "</w>" form. */
    int[] initialSymbols(String word) {
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        int[] sym = new int[utf8.length];
        for (int i = 0; i < sym.length; i++) {
            sym[i] = byteToId[utf8[i] & 0xFF];
        }
        sym[sym.length - 1] = byteEndToId[utf8[utf8.length - 1] & 0xFF];
        return sym;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && a[c + 1] < a[c]) {
                    c++;
                }
                if (a[c] >= last) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }

    /** Open-addressing map from a pair of symbol ids to its merge rank. */
    private static final class PairMap {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[cap];
            values = new int[cap];
            mask = cap - 1;
            Arrays.fill(keys, -1L);
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void put(int a, int b, int value) {
            long k = key(a, b);
            int s = slot(k);
            while (keys[s] != -1L && keys[s] != k) {
                s = (s + 1) & mask;
            }
            keys[s] = k;
            values[s] = value;
        }

        int get(int a, int b) {
            long k = key(a, b);
            int s = slot(k);
            while (true) {
                long x = keys[s];
                if (x == k) {
                    return values[s];
                }
                if (x == -1L) {
                    return -1;
                }
                s = (s + 1) & mask;
            }
        }
    }
}
