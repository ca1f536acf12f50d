package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipException;
import io.clipkit.testing.FakeClipModel;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The command line behaves the same way everywhere (issue 9, items 11-14): bounded thread options,
 * one set of decode options, one exit code per kind of failure, help text and tables that read well.
 */
class CliConsistencyTest {
    @TempDir Path tmp;
    Path model;
    Path image;

    record Run(int code, String out, String err) {}

    /** Runs {@code clip} with a stand-in model (no weights are read). */
    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine(b -> b.loader((file, options) -> FakeClipModel.small()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The same with the real loader (for model files that are not models). */
    Run runReal(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void files() throws IOException {
        model = Files.writeString(tmp.resolve("m.pt"), "stand-in: the loader is replaced");
        image = Files.copy(TestFiles.fixture("images/src/jpeg_420_4x3.jpg"), tmp.resolve("photo.jpg"));
    }

    List<String> args(String... a) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of("--model", model.toString(), "--cache-dir", tmp.resolve("cache").toString()));
        return l;
    }

    // --- item 11: every thread option is bounded, with one message ---

    @Test
    void embedEncoderThreadsAreBounded() {
        Run r = run(args("embed", "--text", "x", "--encoder-threads", "100000").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--encoder-threads must be in 0..256, got 100000"), r.err());
    }

    @Test
    void tagThreadsAreBoundedAndTheMessageNamesTheFlag() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(image, dir.resolve("a.jpg"));
        Run r = run(args("tag", dir.toString(), "--labels", "a,b", "--threads", "100000", "--out",
                tmp.resolve("t.jsonl").toString()).toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--threads must be in 1..256, got 100000"), r.err());
    }

    // --- item 12: one decode-options mixin on every command that decodes images ---

    @ParameterizedTest
    @ValueSource(strings = {"classify", "tag", "embed", "preprocess"})
    void everyDecodingCommandHasTheDecodeOptions(String command) {
        CommandLine sub = ClipCommand.commandLine().getSubcommands().get(command);
        for (String option : List.of("--max-pixels", "--decode-timeout", "--no-exif-rotate")) {
            assertTrue(sub.getCommandSpec().findOption(option) != null, command + " lacks " + option);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classify", "embed", "preprocess"})
    void badDecodeValuesNameTheOption(String command) {
        List<String> base = switch (command) {
            case "classify" -> args("classify", image.toString(), "--labels", "a,b");
            case "embed" -> args("embed", "--image", image.toString());
            default -> List.of("preprocess", image.toString(), "--size", "8", "--npy", tmp.resolve("npy").toString());
        };
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of("--max-pixels", "-1"));
        Run r = run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--max-pixels must be a positive number of pixels, got -1"), r.err());
        assertFalse(r.err().contains("maxPixels"), r.err());
        a = new ArrayList<>(base);
        a.addAll(List.of("--decode-timeout", "0"));
        r = run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--decode-timeout must be at least 1 second, got 0"), r.err());
    }

    @Test
    void tagRefusesAZeroDecodeTimeout() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        Run r = run(args("tag", dir.toString(), "--labels", "a,b", "--decode-timeout", "0").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--decode-timeout must be at least 1 second, got 0"), r.err());
    }

    @Test
    void tagWarnsAboutAnEmptyFolder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Run r = run(args("tag", dir.toString(), "--labels", "a,b", "--out", tmp.resolve("t.jsonl").toString())
                .toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: no image files found in " + dir), r.err());
    }

    @Test
    void decodeOptionsKeepTheModelsImageSpec() throws IOException {
        // A family with other mean/std (e.g. a hub model): --no-exif-rotate must not fall back to OpenAI's.
        io.clipkit.ModelSpec.Image half = new io.clipkit.ModelSpec.Image(8, io.clipkit.ModelSpec.Resize.SHORTEST_EDGE_CROP,
                io.clipkit.ModelSpec.Interpolation.BICUBIC, List.of(0.5f, 0.5f, 0.5f), List.of(0.5f, 0.5f, 0.5f), false,
                io.clipkit.ModelSpec.CropRounding.ROUND);
        FakeClipModel base = FakeClipModel.small();
        io.clipkit.ModelInfo i = base.info();
        io.clipkit.ModelSpec spec = new io.clipkit.ModelSpec(i.spec().family(), i.spec().text(), half, i.spec().scoring());
        io.clipkit.ModelInfo info = new io.clipkit.ModelInfo(i.name(), i.architecture(), i.embedDim(), i.imageResolution(),
                i.visionWidth(), i.visionLayers(), i.visionBlocks(), i.visionHeads(), i.patchSize(), i.textWidth(), i.textLayers(),
                i.textHeads(), i.contextLength(), i.vocabSize(), i.activation(), i.format(), i.checkpointSha256(), i.device(),
                i.dtype(), spec, i.vocabularySha256());
        io.clipkit.ClipModel model = (io.clipkit.ClipModel) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.clipkit.ClipModel.class},
                (proxy, method, a) -> method.getName().equals("info") ? info : method.invoke(base, a));
        DecodeOptionsMixin decode = new DecodeOptionsMixin();
        decode.noExifRotate = true;
        decode.maxPixels = io.clipkit.ImagePreprocessor.DEFAULT_MAX_PIXELS;
        decode.decodeTimeoutSeconds = 300;
        float[] got = decode.preprocessor(model).preprocess(image);
        float[] want = io.clipkit.ImagePreprocessor.builder().spec(half).exifRotate(false).build().preprocess(image);
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got);
    }

    @Test
    void classifyAppliesMaxPixels() {
        // The suggestion in the decoder's message is now an option classify has.
        Run r = run(args("classify", image.toString(), "--labels", "a,b", "--max-pixels", "10").toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("over the limit of 10") && r.err().contains("--max-pixels"), r.err());
    }

    // --- item 13: models info, exit codes ---

    @Test
    void modelsInfoRefusesTwoModels() {
        Run r = run("models", "info", "--model", model.toString(), "ViT-B-16", "--cache-dir", tmp.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("two models given"), r.err());
    }

    @Test
    void modelsInfoTakesTheModelFromTheFlagToo() {
        Run r = run("models", "info", "--model", model.toString(), "--cache-dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("fake"), r.out());
    }

    @Test
    void modelsInfoHelpListsOnlyWhatMatters() {
        Run r = run("models", "info", "--help");
        assertEquals(0, r.code());
        for (String irrelevant : List.of("--batch-size", "--encoder-threads", "--max-pixels", "--no-exif-rotate")) {
            assertFalse(r.out().contains(irrelevant), irrelevant + " in\n" + r.out());
        }
        assertTrue(r.out().contains("--device") && r.out().contains("--model"), r.out());
    }

    @Test
    void modelsInfoValuesShareOneColumn() {
        Run r = run("models", "info", model.toString(), "--cache-dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        Set<Integer> columns = r.out().lines().map(l -> {
            int colon = l.indexOf(':');
            int c = colon + 1;
            while (c < l.length() && l.charAt(c) == ' ') {
                c++;
            }
            return c;
        }).collect(Collectors.toSet());
        assertEquals(1, columns.size(), r.out());
    }

    @Test
    void everyModelProblemHasOneExitCode() throws IOException {
        Path notAModel = image;
        Path garbage = Files.writeString(tmp.resolve("garbage.pt"), "not a checkpoint");
        for (String m : List.of(notAModel.toString(), garbage.toString(), tmp.resolve("missing.pt").toString(),
                "ViT-Q-99")) {
            Run r = runReal("classify", image.toString(), "--labels", "a,b", "--model", m, "--cache-dir",
                    tmp.resolve("cache").toString());
            assertEquals(ClipCommand.EXIT_MODEL, r.code(), m + ": " + r.err());
        }
        Run photo = runReal("classify", image.toString(), "--labels", "a,b", "--model", notAModel.toString());
        assertTrue(photo.err().contains("not a checkpoint") && !photo.err().contains("vocabulary"), photo.err());
    }

    @Test
    void coreAdviceIsShownWithTheFlags() {
        // The library says device "cpu", maxPixels, "known: ..."; the command line names its flags.
        Path fixture = TestFiles.fixture("models/vit-p32-r64/model.pt");
        Run gpu = runReal("embed", "--image", image.toString(), "--model", fixture.toString(), "--device", "gpu:7");
        assertEquals(ClipCommand.EXIT_MODEL, gpu.code(), gpu.err());
        assertTrue(gpu.err().contains("use --device cpu"), gpu.err());
        Run unknown = runReal("classify", image.toString(), "--labels", "a,b", "--model", "ViT-Q-99", "--cache-dir",
                tmp.resolve("cache").toString());
        assertTrue(unknown.err().contains("see 'clip models list'"), unknown.err());
        Run big = run(args("embed", "--image", image.toString(), "--max-pixels", "10").toArray(String[]::new));
        assertTrue(big.err().contains("raise it with --max-pixels"), big.err());
    }

    @Test
    void exitCodesComeFromTheExceptionType() {
        assertEquals(1, ClipCommand.exitCode(new IOException("disk full")));
        assertEquals(2, ClipCommand.exitCode(new IllegalArgumentException("bad value")));
        assertEquals(4, ClipCommand.exitCode(new ClipException("not a model")));
        assertEquals(1, ClipCommand.exitCode(new IllegalStateException("bug")));
    }

    // --- item 14: cosmetics ---

    @Test
    void helpTextsDoNotBreakInsideFileExtensions() {
        List<CommandLine> all = new ArrayList<>();
        collect(ClipCommand.commandLine(), all);
        for (CommandLine c : all) {
            String help = c.getUsageMessage();
            assertFalse(help.contains("(. ") || help.matches("(?s).*\\.\\s*\\n\\s+(npy|png|jsonl|csv)\\b.*"),
                    c.getCommandName() + ":\n" + help);
        }
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }

    @Test
    void classifyTableAlignsWideLabels() {
        Run r = run(args("classify", image.toString(), "--labels", "猫,dog,🐱,café").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        // Where each row's probability ends, in terminal columns: one column for every label.
        Set<Integer> columns = r.out().lines().skip(2)
                .map(l -> DisplayWidth.of(l.replaceAll("\\s+-?[0-9.]+$", "")))
                .collect(Collectors.toSet());
        assertEquals(1, columns.size(), r.out());
    }

    @Test
    void displayWidthCountsTerminalColumns() {
        assertEquals(2, DisplayWidth.of("猫"));
        assertEquals(2, DisplayWidth.of("🐱"));
        assertEquals(4, DisplayWidth.of("café"));
        assertEquals(4, DisplayWidth.of("cafe\u0301"));
        assertEquals(6, DisplayWidth.of("ｆｕｌ"));
        assertEquals("猫  |", DisplayWidth.padRight("猫", 4) + "|");
    }

    @Test
    void preprocessWritesNpyAndPngWithTheSameMode() throws IOException {
        Run r = run("preprocess", image.toString(), "--size", "8", "--npy", tmp.resolve("o").toString(), "--png",
                tmp.resolve("o").toString());
        assertEquals(0, r.code(), r.err());
        String npy = PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("o/photo.jpg.npy")));
        String png = PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("o/photo.jpg.png")));
        assertEquals(png, npy);
        assertTrue(npy.startsWith("rw-r"), npy + " (expected the umask's mode, as any new file gets)");
    }

    @Test
    void progressRatesUseTheExactElapsedTime() {
        // The progress bar library divided by whole seconds: 19 files in 1.9 s showed as 19.0 files/s.
        assertEquals("10.0 files/s", ProgressBars.rate(19, java.time.Duration.ofMillis(1900), " files", 1));
        assertEquals("50.0 MB/s", ProgressBars.rate(75_000_000, java.time.Duration.ofMillis(1500), " MB", 1_000_000));
        assertEquals("? MB/s", ProgressBars.rate(5_000_000, java.time.Duration.ofMillis(10), " MB", 1_000_000));
    }

    @Test
    void progressBarSeparatesTheRateFromTheFailures() {
        List<String> frames = java.util.Collections.synchronizedList(new ArrayList<>());
        me.tongfei.progressbar.ProgressBar bar = ProgressBars.builder("tag", " files", 1).setInitialMax(100)
                .setConsumer(new me.tongfei.progressbar.ProgressBarConsumer() {
                    @Override
                    public int getMaxRenderedLength() {
                        return 120;
                    }

                    @Override
                    public void accept(String rendered) {
                        frames.add(rendered);
                    }

                    @Override
                    public void close() {}
                }).build();
        bar.stepTo(14);
        bar.setExtraMessage("10 failed");
        bar.close(); // renders the final frame
        String last = frames.get(frames.size() - 1);
        assertTrue(last.matches(".*files/s, 10 failed\\s*$"), last);
    }
}
