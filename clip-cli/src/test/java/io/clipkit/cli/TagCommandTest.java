package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.batch.Images;
import io.clipkit.batch.TinyCheckpoint;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code clip tag} end to end on a tiny random checkpoint with the real vocabulary. */
class TagCommandTest {
    @TempDir static Path shared;
    static Path checkpoint;
    static Path vocab;
    @TempDir Path tmp;

    @BeforeAll
    static void checkpoint() throws IOException {
        vocab = TestFiles.vocabulary();
        checkpoint = TinyCheckpoint.write(shared.resolve("tiny-vit.safetensors"));
    }

    record Run(int exit, String out, String err) {}

    Run clip(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    List<String> base(Path dir, String... more) {
        List<String> a = new ArrayList<>(List.of("tag", dir.toString(), "--model", checkpoint.toString(), "--vocab",
                vocab.toString(), "--cache-dir", tmp.resolve("cache").toString()));
        a.addAll(List.of(more));
        return a;
    }

    Path photos(int n) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        for (int i = 0; i < n; i++) {
            Images.write(dir.resolve("img" + i + (i % 2 == 0 ? ".jpg" : ".png")), 80 + i, 60, i);
        }
        return dir;
    }

    static List<JsonNode> jsonl(Path f) throws IOException {
        List<JsonNode> r = new ArrayList<>();
        for (String l : Files.readAllLines(f)) {
            r.add(new ObjectMapper().readTree(l));
        }
        return r;
    }

    @Test
    void tagsAFolderResumesAndReportsASummary() throws IOException {
        Path dir = photos(5);
        Files.writeString(dir.resolve("broken.jpg"), "<html></html>");
        Path out = tmp.resolve("tags.jsonl");
        Map<String, String> before = Images.checksums(dir);
        Run r = clip(base(dir, "--labels", "cat,dog,a red car", "--out", out.toString(), "--top-k", "2").toArray(String[]::new));
        assertEquals(ClipCommand.EXIT_PARTIAL, r.exit(), r.err());
        assertTrue(r.err().contains("5 ok, 1 failed"), r.err());
        assertTrue(r.err().contains("tiny-vit.safetensors"), "provenance in the summary: " + r.err());
        List<JsonNode> recs = jsonl(out);
        assertEquals(6, recs.size());
        for (JsonNode n : recs) {
            if (n.get("status").asText().equals("ok")) {
                assertEquals(2, n.get("labels").size());
            } else {
                assertTrue(n.get("error").asText().contains("HTML"));
            }
        }
        assertEquals(before, Images.checksums(dir), "no user file modified");

        Run again = clip(base(dir, "--labels", "cat,dog,a red car", "--out", out.toString(), "--top-k", "2").toArray(String[]::new));
        assertEquals(ClipCommand.EXIT_PARTIAL, again.exit());
        assertTrue(again.err().contains("6 already done"), again.err());
        assertEquals(6, jsonl(out).size());

        Files.delete(dir.resolve("broken.jpg"));
        Run newLabels = clip(base(dir, "--labels", "sunset,beach", "--out", tmp.resolve("b.csv").toString()).toArray(String[]::new));
        assertEquals(0, newLabels.exit(), newLabels.err());
        assertTrue(newLabels.err().contains("0 images encoded, 5 from the index"), newLabels.err());
        assertTrue(Files.readString(tmp.resolve("b.csv")).startsWith("path,status,size,mtime,labels"));
    }

    @Test
    void withoutOutJsonLinesGoToStdout() throws IOException {
        Path dir = photos(2);
        Run r = clip(base(dir, "--label", "cat, tabby", "--label", "dog", "--no-index").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        JsonNode n = new ObjectMapper().readTree(lines[0]);
        assertEquals("ok", n.get("status").asText());
        assertEquals(Set.of("cat, tabby", "dog"), labelsOf(n));
        assertFalse(Files.exists(tmp.resolve("cache/embeddings")));
    }

    /** Issue 9 item 5: records to a stdout that fails (like '| head -1' or /dev/full) end with exit 1. */
    @Test
    void failedWritesToStdoutExitOneWithAMessage() throws IOException {
        Path dir = photos(2);
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] c, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void close() {}
        }));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(base(dir, "--labels", "cat,dog", "--no-index").toArray(String[]::new));
        assertEquals(1, exit, err.toString());
        assertTrue(err.toString().contains("cannot write the records"), err.toString());
        assertFalse(err.toString().contains(" ok, "), "no summary claiming success: " + err);
    }

    static Set<String> labelsOf(JsonNode n) {
        Set<String> s = new HashSet<>();
        n.get("labels").forEach(l -> s.add(l.get("label").asText()));
        return s;
    }

    @Test
    void usageErrorsExitTwoWithAMessage() throws IOException {
        Path dir = photos(1);
        Run noLabels = clip(base(dir).toArray(String[]::new));
        assertEquals(2, noLabels.exit());
        assertTrue(noLabels.err().contains("labels"), noLabels.err());
        Run badXmp = clip(base(dir, "--labels", "a,b", "--xmp", "inline").toArray(String[]::new));
        assertEquals(2, badXmp.exit());
        assertTrue(badXmp.err().contains("inline"), badXmp.err());
        Run missing = clip(base(tmp.resolve("nope"), "--labels", "a,b").toArray(String[]::new));
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope"), missing.err());
        Run dup = clip(base(dir, "--labels", "a,a").toArray(String[]::new));
        assertEquals(2, dup.exit());
        // An empty argument (an unset shell variable) must not mean "tag the current folder".
        Run empty = clip(base(Path.of(""), "--labels", "a,b").toArray(String[]::new));
        assertEquals(2, empty.exit(), empty.err());
        assertTrue(empty.err().contains("empty"), empty.err());
        Run badDtype = clip(base(dir, "--labels", "a,b", "--dtype", "bf17").toArray(String[]::new));
        assertEquals(2, badDtype.exit(), badDtype.err());
        assertTrue(badDtype.err().contains("bf17"), badDtype.err());
    }

    @Test
    void foreignIndexIsAFatalErrorAndIsKept() throws IOException {
        Path dir = photos(1);
        Path index = Files.writeString(tmp.resolve("index.sqlite"), "not a database");
        Run r = clip(base(dir, "--labels", "a,b", "--index", index.toString()).toArray(String[]::new));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("not a clipkit index"), r.err());
        assertEquals("not a database", Files.readString(index));
    }

    @Test
    void xmpSidecarsAreWrittenBesideImages() throws IOException {
        Path dir = photos(2);
        Run r = clip(base(dir, "--labels", "cat,dog", "--xmp", "sidecar", "--top-k", "1", "--no-index").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readString(dir.resolve("img0.jpg.xmp")).contains("<rdf:li>"));
        assertTrue(Files.exists(dir.resolve("img1.png.xmp")));
    }

    @Test
    void plainProgressLinesWhenNotOnATerminal() throws IOException {
        Path dir = photos(3);
        Run r = clip(base(dir, "--labels", "a,b", "--no-index", "--progress-interval", "0", "--out",
                tmp.resolve("o.jsonl").toString()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("clip tag: 3/3 files") || r.err().contains("files/s"), r.err());
    }

    /**
     * Starts {@code clip tag} in a child JVM, kills it (SIGKILL) once some records are flushed,
     * reruns it: every file then appears exactly once.
     */
    @Test
    void killedRunResumesWithEveryFileExactlyOnce() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("many"));
        int n = 300;
        for (int i = 0; i < n; i++) {
            Images.write(dir.resolve("p" + i + ".png"), 64, 48, i);
        }
        Path out = tmp.resolve("kill.jsonl");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                ClipCommand.class.getName()));
        cmd.addAll(base(dir, "--labels", "cat,dog", "--out", out.toString(), "--batch-size", "4", "--threads", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()
                && (!Files.exists(out) || Files.readAllLines(out).size() < 20)) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the child finished before it could be killed; log: " + Files.readString(tmp.resolve("child.log")));
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        long partial = Files.readAllLines(out).size();
        assertTrue(partial >= 20 && partial < n, "records before the kill: " + partial);

        Run r = clip(base(dir, "--labels", "cat,dog", "--out", out.toString(), "--batch-size", "4").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> recs = jsonl(out);
        Set<String> paths = new HashSet<>();
        for (JsonNode rec : recs) {
            assertTrue(paths.add(rec.get("path").asText()), "twice: " + rec.get("path"));
            assertEquals("ok", rec.get("status").asText());
        }
        assertEquals(n, paths.size());
    }
}
