package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.TagSummary;
import io.clipkit.Tagger;
import io.clipkit.XmpMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.bytesource.ByteSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9: results users can trust (resume, locks, stdout errors, CSV, XMP, one record per input). */
class TrustTest {
    @TempDir Path tmp;
    Path photos;
    Path out;
    FakeClipModel model;

    @BeforeEach
    void setUp() throws IOException {
        photos = Files.createDirectories(tmp.resolve("photos"));
        out = tmp.resolve("tags.jsonl");
        model = new FakeClipModel();
    }

    Tagger.Builder tagger(List<String> labels) {
        return Tagger.builder(model).labels(labels).output(out).threads(2).batchSize(4);
    }

    /** Item 1: a rerun with other labels, top-k or XMP mode redoes the files instead of resuming them. */
    @Test
    void resumeRedoesRecordsMadeWithOtherSettings() throws IOException {
        for (int i = 0; i < 3; i++) {
            Images.write(photos.resolve("img" + i + ".png"), 20, 20, i);
        }
        tagger(List.of("beach", "city")).build().run(List.of(photos));
        TagSummary same = tagger(List.of("beach", "city")).build().run(List.of(photos));
        assertEquals(3, same.resumed(), "same settings: resumed");

        TagSummary other = tagger(List.of("totally", "different")).topK(1).build().run(List.of(photos));
        assertEquals(0, other.resumed(), "other labels and top-k: redone");
        assertEquals(3, other.ok());
        Map<String, ResultLog.Prior> prior = ResultLog.readPrior(out);
        for (ResultLog.Prior p : prior.values()) {
            assertEquals(1, p.settings().topK());
            assertEquals(RecordSettings.listHash(List.of("totally", "different")), p.settings().labelsSha256());
        }
        // The last record per file holds the new labels.
        Map<String, JsonNode> last = new java.util.HashMap<>();
        for (JsonNode n : TagEngineTest.records(out)) {
            last.put(n.get("path").asText(), n);
        }
        for (JsonNode n : last.values()) {
            assertEquals(1, n.get("labels").size());
            String l = n.get("labels").get(0).get("label").asText();
            assertTrue(l.equals("totally") || l.equals("different"), l);
            JsonNode s = n.get("settings");
            assertEquals(model.info().checkpointSha256(), s.get("checkpoint_sha256").asText());
            assertEquals("none", s.get("xmp").asText());
            assertTrue(s.get("preprocessing").asText().contains("exif=true"), s.toString());
        }

        TagSummary xmp = tagger(List.of("totally", "different")).topK(1).xmp(XmpMode.SIDECAR).build().run(List.of(photos));
        assertEquals(0, xmp.resumed(), "adding XMP: redone");
        for (int i = 0; i < 3; i++) {
            assertTrue(Files.exists(photos.resolve("img" + i + ".png.xmp")), "sidecar written on the rerun");
        }
        assertEquals(3, tagger(List.of("totally", "different")).topK(1).xmp(XmpMode.SIDECAR).build().run(List.of(photos))
                .resumed());
    }

    /** Records say which dtype computed them; a run in another dtype redoes them (its scores differ). */
    @Test
    void resumeRedoesRecordsComputedInAnotherDtype() throws IOException {
        for (int i = 0; i < 2; i++) {
            Images.write(photos.resolve("img" + i + ".png"), 20, 20, i);
        }
        tagger(List.of("beach", "city")).build().run(List.of(photos));
        for (JsonNode n : TagEngineTest.records(out)) {
            assertEquals("fp32", n.get("settings").get("dtype").asText(), n.toString());
        }
        model.dtype = io.clipkit.DType.BF16;
        TagSummary bf16 = tagger(List.of("beach", "city")).build().run(List.of(photos));
        assertEquals(0, bf16.resumed(), "fp32 records under a bf16 run: redone");
        assertEquals(2, bf16.ok());
        for (ResultLog.Prior p : ResultLog.readPrior(out).values()) {
            assertEquals("bf16", p.settings().dtype());
        }
        assertEquals(2, tagger(List.of("beach", "city")).build().run(List.of(photos)).resumed(), "same dtype: resumed");
    }

    /** Records written before the dtype was recorded read as fp32, the default, and still resume. */
    @Test
    void recordsWithoutDtypeReadAsFp32() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        RecordSettings old = RecordSettings.read(json.readTree("{\"checkpoint_sha256\":\"ab\",\"top_k\":5}"));
        assertEquals("fp32", old.dtype());
        RecordSettings bf16 = new RecordSettings(old.checkpointSha256(), old.labelsSha256(), old.templatesSha256(),
                old.topK(), old.minScore(), old.xmp(), old.preprocessing(), "bf16");
        assertEquals("dtype", bf16.difference(old));
    }

    /** Item 3: a second run on a locked output (or index) is refused with a message; nothing is written. */
    @Test
    void secondRunOnALockedOutputOrIndexIsRefused() throws IOException {
        Images.write(photos.resolve("a.png"), 20, 20, 1);
        Files.writeString(out, "");
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            assertTrue(lock.isValid());
            IOException e = assertThrows(IOException.class, () -> tagger(List.of("a", "b")).build().run(List.of(photos)));
            assertTrue(e.getMessage().contains("in use by another tagging run"), e.getMessage());
        }
        assertEquals(0, Files.size(out));
        Path index = tmp.resolve("index.sqlite");
        try (FileChannel ch = FileChannel.open(TagEngine.lockFile(index), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            assertTrue(lock.isValid());
            IOException e = assertThrows(IOException.class,
                    () -> tagger(List.of("a", "b")).index(index).build().run(List.of(photos)));
            assertTrue(e.getMessage().contains("in use by another tagging run") && e.getMessage().contains("index.sqlite"),
                    e.getMessage());
        }
        // Unlocked, both work; a run in this process holding them excludes a second one too.
        assertEquals(1, tagger(List.of("a", "b")).index(index).build().run(List.of(photos)).ok());
    }

    /** Item 3 across processes: another process holding a POSIX lock on the output makes the run refuse. */
    @Test
    void outputLockedByAnotherProcessIsRefused() throws Exception {
        Images.write(photos.resolve("a.png"), 20, 20, 1);
        Files.writeString(out, "");
        Process holder = new ProcessBuilder("/usr/bin/python3", "-c",
                "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\n"
                        + "print('locked', flush=True)\ntime.sleep(60)", out.toString()).redirectErrorStream(true).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
            org.junit.jupiter.api.Assumptions.assumeTrue("locked".equals(line), "python3 could not lock: " + line);
            IOException e = assertThrows(IOException.class, () -> tagger(List.of("a", "b")).build().run(List.of(photos)));
            assertTrue(e.getMessage().contains("in use by another tagging run"), e.getMessage());
            assertEquals(0, Files.size(out));
        } finally {
            holder.destroyForcibly().waitFor();
        }
        assertEquals(1, tagger(List.of("a", "b")).build().run(List.of(photos)).ok(), "free again once the other run ended");
    }

    /** Item 5: records streamed to a writer that fails (closed pipe, full disk) end the run with an error. */
    @Test
    void failedWritesToTheStreamEndTheRun() throws IOException {
        Images.write(photos.resolve("a.png"), 20, 20, 1);
        Writer broken = new Writer() {
            @Override
            public void write(char[] c, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void close() {}
        };
        PrintWriter swallowing = new PrintWriter(broken);
        IOException e = assertThrows(IOException.class, () -> Tagger.builder(model).labels(List.of("a", "b"))
                .stream(swallowing).build().run(List.of(photos)));
        assertTrue(e.getMessage().contains("cannot write the records"), e.getMessage());
    }

    /**
     * Item 6: a CSV row cut inside its last field (or just before its line end, where the row looks
     * complete) is redone, not counted as done and then cut off.
     */
    @Test
    void csvRowCutInsideItsLastFieldIsRedone() throws IOException {
        out = tmp.resolve("tags.csv");
        for (int i = 0; i < 3; i++) {
            Images.write(photos.resolve("img" + i + ".png"), 20, 20, i);
        }
        tagger(List.of("a", "b")).build().run(List.of(photos));
        byte[] whole = Files.readAllBytes(out);
        for (int cut : new int[] {1, 2, 10}) {
            Files.write(out, java.util.Arrays.copyOf(whole, whole.length - cut));
            assertEquals(2, ResultLog.readPrior(out).size(), "cut " + cut + ": the cut row is not done");
            TagSummary s = tagger(List.of("a", "b")).build().run(List.of(photos));
            assertEquals(2, s.resumed(), "cut " + cut);
            assertEquals(1, s.ok(), "cut " + cut);
            assertEquals(3, parseCsv(out).size(), "cut " + cut + ": one row per file, none lost");
        }
    }

    /** The same for JSON Lines cut just before a record's line end (the record parses but is torn). */
    @Test
    void jsonLineCutBeforeItsLineEndIsRedone() throws IOException {
        for (int i = 0; i < 3; i++) {
            Images.write(photos.resolve("img" + i + ".png"), 20, 20, i);
        }
        tagger(List.of("a", "b")).build().run(List.of(photos));
        byte[] whole = Files.readAllBytes(out);
        Files.write(out, java.util.Arrays.copyOf(whole, whole.length - 1));
        TagSummary s = tagger(List.of("a", "b")).build().run(List.of(photos));
        assertEquals(2, s.resumed());
        assertEquals(1, s.ok());
        assertEquals(3, TagEngineTest.records(out).size());
    }

    /** Item 7: an XMP write that failed for an environmental reason is retried on resume. */
    @Test
    void xmpWriteFailedByTheEnvironmentIsRetriedOnResume() throws IOException {
        Images.write(photos.resolve("a.png"), 20, 20, 1);
        Images.write(photos.resolve("b.png"), 20, 20, 2);
        // A folder where the sidecar goes: reading it fails with an I/O error ("Is a directory").
        Files.createDirectory(photos.resolve("a.png.xmp"));
        TagSummary first = tagger(List.of("a", "b")).xmp(XmpMode.SIDECAR).build().run(List.of(photos));
        assertEquals(1, first.failed());
        JsonNode failed = TagEngineTest.byName(TagEngineTest.records(out)).get("a.png");
        assertTrue(failed.get("error").asText().startsWith("XMP not written"), failed.toString());
        assertTrue(failed.get("retryable").asBoolean(), failed.toString());
        Files.delete(photos.resolve("a.png.xmp"));
        TagSummary second = tagger(List.of("a", "b")).xmp(XmpMode.SIDECAR).build().run(List.of(photos));
        assertEquals(1, second.resumed(), "b.png resumed");
        assertEquals(1, second.ok(), "a.png retried");
        assertTrue(Files.isRegularFile(photos.resolve("a.png.xmp")));
        // A content refusal (a sidecar that is not XMP) is not retried.
        Files.writeString(photos.resolve("c.png.xmp"), "not xml");
        Images.write(photos.resolve("c.png"), 20, 20, 3);
        tagger(List.of("a", "b")).xmp(XmpMode.SIDECAR).build().run(List.of(photos));
        TagSummary fourth = tagger(List.of("a", "b")).xmp(XmpMode.SIDECAR).build().run(List.of(photos));
        assertEquals(3, fourth.resumed());
        assertEquals(1, fourth.resumedFailed());
    }

    /** Item 8: embedding writes through a symbolic link and keeps owner, group, mode and mtime. */
    @Test
    void embeddingWritesThroughSymlinksAndKeepsOwnerModeAndMtime() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("library"));
        Path real = Images.write(elsewhere.resolve("real.jpg"), 32, 32, 1);
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        FileTime mtime = FileTime.fromMillis(1_500_000_000_000L);
        Files.setLastModifiedTime(real, mtime);
        UserPrincipal nobody = null;
        try {
            nobody = real.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(real, nobody);
        } catch (IOException | UnsupportedOperationException e) {
            nobody = null; // not root: the owner stays ours, which is what is kept then
        }
        UserPrincipal owner = Files.getOwner(real);
        Path link = Files.createSymbolicLink(photos.resolve("link.jpg"), real);
        tagger(List.of("cat", "dog")).topK(2).xmp(XmpMode.EMBED).build().run(List.of(photos));
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals(real, Files.readSymbolicLink(link));
        assertEquals(2, XmpKeywords.keywords(Imaging.getXmpXml(ByteSource.path(real))).size());
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(real));
        assertEquals(mtime, Files.getLastModifiedTime(real));
        assertEquals(owner, Files.getOwner(real));
        if (nobody != null) {
            assertEquals(nobody, Files.getOwner(real));
        }
        try (var s = Files.list(elsewhere)) {
            assertEquals(List.of(real), s.toList(), "no temporary file left");
        }
    }

    /** Item 8: a hard-linked JPEG is refused with a message and left unchanged. */
    @Test
    void embeddingRefusesHardLinkedFiles() throws IOException {
        Path jpg = Images.write(photos.resolve("a.jpg"), 32, 32, 1);
        Path other = Files.createLink(tmp.resolve("other-name.jpg"), jpg);
        byte[] before = Files.readAllBytes(jpg);
        TagSummary s = tagger(List.of("cat", "dog")).xmp(XmpMode.EMBED).build().run(List.of(photos));
        assertEquals(1, s.failed());
        JsonNode n = TagEngineTest.records(out).get(0);
        assertTrue(n.get("error").asText().contains("2 hard links"), n.toString());
        assertFalse(n.has("retryable"), "a refusal is not retried");
        assertArrayEquals(before, Files.readAllBytes(jpg));
        assertArrayEquals(before, Files.readAllBytes(other));
    }

    /** Item 9: list cells are JSON arrays inside properly quoted CSV fields; a standard reader parses them. */
    @Test
    void csvListColumnsSurviveLabelsWithSeparatorsAndQuotes() throws IOException {
        out = tmp.resolve("tags.csv");
        Images.write(photos.resolve("a.png"), 20, 20, 1);
        List<String> labels = List.of("a;b", "c,d", "say \"x\"", "plain");
        tagger(labels).topK(4).build().run(List.of(photos));
        List<CSVRecord> rows = parseCsv(out);
        assertEquals(1, rows.size());
        CSVRecord r = rows.get(0);
        JsonNode got = TagEngineTest.JSON.readTree(r.get("labels"));
        JsonNode probs = TagEngineTest.JSON.readTree(r.get("probabilities"));
        JsonNode cos = TagEngineTest.JSON.readTree(r.get("cosines"));
        assertEquals(4, got.size());
        assertEquals(4, probs.size());
        assertEquals(4, cos.size());
        List<String> names = new ArrayList<>();
        got.forEach(l -> names.add(l.asText()));
        assertEquals(new java.util.HashSet<>(labels), new java.util.HashSet<>(names));
        assertTrue(probs.get(0).isNumber());
        assertEquals("ok", r.get("status"));
    }

    /** Item 10: broken links, link loops and FIFOs get one record, not one more on every resume. */
    @Test
    void oneRecordPerInputEverForLinksLoopsAndFifos() throws Exception {
        Images.write(photos.resolve("a.png"), 8, 8, 1);
        Files.createDirectories(photos.resolve("sub"));
        Files.createSymbolicLink(photos.resolve("sub/loop"), photos);
        Files.createSymbolicLink(photos.resolve("self.jpg"), photos.resolve("self.jpg"));
        Files.createSymbolicLink(photos.resolve("dangling.jpg"), photos.resolve("nowhere.jpg"));
        Process p = new ProcessBuilder("mkfifo", photos.resolve("pipe.jpg").toString()).start();
        boolean fifo = p.waitFor() == 0;
        Path dev = Path.of("/dev/null");
        List<Path> inputs = List.of(photos, dev);
        TagSummary first = tagger(List.of("a", "b")).recursive(true).include("*").build().run(inputs);
        long records = TagEngineTest.records(out).size();
        assertEquals(first.processed(), records);
        for (int run = 0; run < 2; run++) {
            TagSummary again = tagger(List.of("a", "b")).recursive(true).include("*").build().run(inputs);
            assertEquals(0, again.processed(), "nothing recorded again on resume " + run);
            assertEquals(records, again.resumed());
            assertEquals(records, TagEngineTest.records(out).size());
        }
        assertTrue(records >= (fifo ? 6 : 5), "a.png, loop, self, dangling, /dev/null" + (fifo ? ", pipe" : ""));
    }

    static List<CSVRecord> parseCsv(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(r).getRecords();
        }
    }
}
