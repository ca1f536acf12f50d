package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.model.TestCheckpoints;
import io.clipkit.testing.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `clip index` + `clip search` against rankings computed by the reference Python pipeline on the
 * same checkpoint (models/tools/search/make_search_fixtures.py -> models/fixtures/search/expected.json),
 * for text, template, negative, image and combined queries, before and after the folder changes
 * (files added, deleted, overwritten), exact and through the approximate graph.
 */
class SearchGoldenTest {
    static final double TOLERANCE = 1e-4;
    @TempDir static Path dir;
    static Path model;

    record Run(int code, String out, String err) {}

    static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(new String[0]));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void writeModel() throws Exception {
        model = TestCheckpoints.writeFullVocabModel(dir.resolve("e2e.safetensors"));
    }

    @Test
    void rankingsAndScoresMatchTheReferenceBeforeAndAfterFolderChanges() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(TestFiles.fixture("search/expected.json").toFile());
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Path index = dir.resolve("index.sqlite");
        double worst = 0;
        int state = 0;
        for (JsonNode st : golden.get("states")) {
            for (Map.Entry<String, JsonNode> f : st.get("files").properties()) {
                Path to = photos.resolve(f.getKey());
                if (f.getValue().isNull()) {
                    Files.deleteIfExists(to);
                } else {
                    Files.createDirectories(to.getParent());
                    Path from = TestFiles.fixture("images/" + f.getValue().asText());
                    if (!Files.exists(to) || Files.mismatch(from, to) != -1) {
                        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                        Files.setLastModifiedTime(to, java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_000L + state));
                    }
                }
            }
            Run r = run(List.of("index", photos.toString(), "-r", "--model", model.toString(), "--index", index.toString(),
                    "--approximate-above", "1"));
            assertEquals(3, r.code(), "broken.jpg fails, the rest is indexed: " + r.err());
            assertTrue(r.err().contains("broken.jpg"), r.err());
            if (state == 1) {
                // c.webp overwritten, h.bmp and sub/i.jpg added, b.png deleted
                assertTrue(r.err().contains("3 embedded, 5 unchanged, 1 failed, 1 removed; 8 images"), r.err());
            }
            for (JsonNode q : st.get("queries")) {
                for (boolean exact : new boolean[] {true, false}) {
                    List<String> args = new ArrayList<>(List.of("search", "--model", model.toString(), "--index",
                            index.toString(), "-k", "100", "--json", "--approximate-above", "1"));
                    if (exact) {
                        args.add("--exact");
                    }
                    q.path("texts").forEach(t -> args.add(t.asText()));
                    q.path("images").forEach(t -> {
                        String name = t.asText();
                        args.add("--image");
                        args.add(name.startsWith("external:") ? TestFiles.fixture("images/" + name.substring(9)).toString()
                                : photos.resolve(name).toString());
                    });
                    q.path("negatives").forEach(t -> {
                        args.add("--not");
                        args.add(t.asText());
                    });
                    if (q.has("template")) {
                        args.add("--template");
                        args.add(q.get("template").asText());
                    }
                    Run s = run(args);
                    assertEquals(0, s.code(), s.err());
                    assertTrue(exact || !s.err().contains("exact search"), "the graph answers: " + s.err());
                    worst = Math.max(worst, compare(q, s.out(), photos, "state " + state + " " + q + (exact ? " exact" : " hnsw")));
                }
            }
            state++;
        }
        System.out.println("search vs reference: worst score difference " + worst);
    }

    /** Same hits, scores within the tolerance, same order except between near-equal scores. */
    static double compare(JsonNode q, String out, Path photos, String what) throws Exception {
        ObjectMapper m = new ObjectMapper();
        Map<String, Double> got = new LinkedHashMap<>();
        for (String line : out.strip().split("\n")) {
            JsonNode o = m.readTree(line);
            got.put(photos.relativize(Path.of(o.get("path").asText())).toString(), o.get("score").asDouble());
        }
        JsonNode want = q.get("expected");
        assertEquals(want.size(), got.size(), what + ": " + got);
        List<String> order = new ArrayList<>(got.keySet());
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            String name = want.get(i).get(0).asText();
            double score = want.get(i).get(1).asDouble();
            Double g = got.get(name);
            assertTrue(g != null, what + ": " + name + " missing from " + got);
            worst = Math.max(worst, Math.abs(g - score));
            assertEquals(score, g, TOLERANCE, what + ": " + name);
            if (!order.get(i).equals(name)) {
                double other = want.get(order.indexOf(name)).get(1).asDouble();
                assertTrue(Math.abs(other - score) < 2 * TOLERANCE, what + ": rank " + (i + 1) + " is " + order.get(i)
                        + ", reference " + name);
            }
        }
        if (q.path("images").size() == 1 && q.path("texts").isEmpty() && !q.get("images").get(0).asText().startsWith("external:")) {
            assertEquals(q.get("images").get(0).asText(), order.get(0), what + ": the query image comes first");
            assertEquals(1.0, got.get(order.get(0)), 1e-6, what);
        }
        return worst;
    }
}
