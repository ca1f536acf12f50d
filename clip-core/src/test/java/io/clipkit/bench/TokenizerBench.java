package io.clipkit.bench;

import io.clipkit.ClipTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Single-thread tokenizer throughput on label prompts ("a photo of a {label}."), run by
 * bench/tokenizer.sh. Usage: TokenizerBench VOCAB.gz LABELS.txt [SECONDS].
 */
public final class TokenizerBench {
    private TokenizerBench() {}

    public static void main(String[] args) throws IOException {
        long t0 = System.nanoTime();
        ClipTokenizer tok = ClipTokenizer.load(Path.of(args[0]));
        double loadMs = (System.nanoTime() - t0) / 1e6;
        List<String> labels = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        labels.removeIf(String::isBlank);
        String[] prompts = labels.stream().map(l -> "a photo of a " + l + ".").toArray(String[]::new);
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;

        long sink = 0;
        t0 = System.nanoTime();
        for (String p : prompts) { // first pass: empty BPE cache, cold JIT
            sink += tok.encodeForModel(p, 77, false)[1];
        }
        double cold = prompts.length / ((System.nanoTime() - t0) / 1e9);

        long end = System.nanoTime() + (long) (seconds * 0.3e9); // warm-up
        while (System.nanoTime() < end) {
            for (String p : prompts) {
                sink += tok.encodeForModel(p, 77, false)[1];
            }
        }
        long n = 0;
        t0 = System.nanoTime();
        end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (String p : prompts) {
                sink += tok.encodeForModel(p, 77, false)[1];
            }
            n += prompts.length;
        }
        double warm = n / ((System.nanoTime() - t0) / 1e9);

        ClipTokenizer fresh = ClipTokenizer.load(Path.of(args[0])); // empty BPE cache, warm JIT
        t0 = System.nanoTime();
        for (String p : prompts) {
            sink += fresh.encodeForModel(p, 77, false)[1];
        }
        double uncached = prompts.length / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("java: vocabulary loaded in %.0f ms; %d distinct prompts; first pass (cold JVM, "
                + "tables loading) %.0f prompts/s; empty BPE cache with warm JIT %.0f prompts/s; steady state "
                + "%.0f prompts/s (single thread, encodeForModel to 77)%n",
                loadMs, prompts.length, cold, uncached, warm);
        System.out.printf("JAVA_WARM=%.0f%n", warm);
        if (args.length > 3) { // mixed texts (mojibake, entities, scripts, emoji) of the golden corpus
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<String> texts = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8)) {
                texts.add(json.readTree(line).get("text").asText());
            }
            long m = 0;
            t0 = System.nanoTime();
            end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                for (String t : texts) {
                    sink += tok.encode(t).length;
                }
                m += texts.size();
            }
            System.out.printf("java: golden corpus (%d mixed texts) %.0f texts/s%n", texts.size(),
                    m / ((System.nanoTime() - t0) / 1e9));
        }
        if (sink == 42) {
            System.out.println(); // keeps the results alive
        }
    }
}
