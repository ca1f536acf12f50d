package io.clipkit.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clipkit.ClipException;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Corrupt, truncated and hostile inputs end in a ClipException (or IOException) naming the file, never anything else. */
class CheckpointRobustnessTest {
    @TempDir
    Path tmp;

    static byte[] dataPkl(String fixture) throws IOException {
        try (ZipFile z = new ZipFile(TestFiles.fixture("checkpoints/" + fixture).toFile())) {
            var e = z.stream().filter(x -> x.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
            return z.getInputStream(e).readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-f32.pt", "tiny-torchscript-f16.pt", "views.pt"})
    void everyTruncationOfThePickleIsAnError(String fixture) throws IOException {
        byte[] pkl = dataPkl(fixture);
        // every cut in the first 600 bytes (all opcode kinds occur there), then a spread
        for (int n = 0; n < pkl.length; n += n < 600 ? 1 : 11) {
            ByteBuffer prefix = ByteBuffer.wrap(pkl, 0, n).slice();
            int len = n;
            ClipException e = assertThrows(ClipException.class,
                    () -> new Unpickler("x.pt", prefix, true).load(), () -> "prefix of " + len + " bytes");
            assertTrue(e.getMessage().startsWith("x.pt"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-f16.pt", "tiny-torchscript-f16.pt", "tiny-f16.safetensors", "legacy.pt"})
    void randomByteDamageIsEitherReadOrRefusedCleanly(String fixture) throws IOException {
        byte[] good = Files.readAllBytes(TestFiles.fixture("checkpoints/" + fixture));
        Random rnd = new Random(fixture.hashCode());
        Path f = tmp.resolve("damaged-" + fixture);
        int refused = 0;
        for (int trial = 0; trial < 100; trial++) {
            byte[] bad = good.clone();
            int hits = 1 + rnd.nextInt(4);
            for (int h = 0; h < hits; h++) {
                // mostly the metadata (header, pickle, zip directory), where damage matters
                int pos = rnd.nextBoolean() ? rnd.nextInt(Math.min(bad.length, 600)) : rnd.nextInt(bad.length);
                bad[pos] = (byte) rnd.nextInt(256);
            }
            Files.write(f, bad);
            try {
                Checkpoint.read(f);
            } catch (ClipException e) {
                refused++;
                assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
            } catch (IOException e) {
                refused++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("trial " + trial + ": " + e, e);
            }
        }
        assertTrue(refused > 0, "no damage was ever detected");
    }

    @Test
    void truncationAtEveryPointOfASafetensorsFileIsAnError() throws IOException {
        byte[] good = Files.readAllBytes(TestFiles.fixture("checkpoints/tiny-f16.safetensors"));
        Path f = tmp.resolve("cut.safetensors");
        for (int n = 0; n < good.length; n += 13) {
            Files.write(f, java.util.Arrays.copyOf(good, n));
            assertThrows(ClipException.class, () -> Checkpoint.read(f), "cut at " + n);
        }
    }

    static Map<String, byte[]> entries(String rootPkl, byte[] pkl, Map<String, byte[]> storages) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(rootPkl, pkl);
        m.putAll(storages);
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // view reaching past its storage: 2x3 from a 4-element storage
        "past-storage | w | 4 | 0 | 2,3 | 3,1 | 16 | tensor w: view",
        // storage entry shorter than its declared size
        "short-storage | w | 6 | 0 | 2,3 | 3,1 | 8 | tensor w: storage data/0 has 8 bytes",
        // offset out of range
        "offset | w | 6 | 5 | 2 | 1 | 24 | tensor w: view",
        // sizes whose product overflows
        "overflow | w | 6 | 0 | 4294967296,4294967296 | 4294967296,1 | 24 | tensor w",
    })
    void inconsistentTensorsAreRefusedNamingTheTensor(String label, String name, long numel, long offset, String size,
            String stride, int storageBytes, String mention) throws IOException {
        long[] sz = java.util.Arrays.stream(size.split(",")).mapToLong(Long::parseLong).toArray();
        long[] st = java.util.Arrays.stream(stride.split(",")).mapToLong(Long::parseLong).toArray();
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').mark().str(name).tensor("FloatStorage", "0", numel, offset, sz, st).op('u');
        Path f = tmp.resolve(label + ".pt");
        TorchFiles.zip(f, entries("a/data.pkl", p.stop(), Map.of("a/data/0", new byte[storageBytes])));
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(mention), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "builtins | eval | false",
        "builtins | eval | true",
        "os | system | true",
        "subprocess | Popen | false",
        "torch | load | true",
        "torch.serialization | load | false",
        "torch.storage | _load_from_bytes | false",
        "numpy.core.multiarray | _reconstruct | false",
        "__torch__.model | CLIP | false",  // TorchScript classes only inside TorchScript archives
        "__builtin__ | getattr | true",
    })
    void otherGlobalsAreRefusedByName(String module, String name, boolean archive) throws IOException {
        byte[] pkl = new TorchFiles.Pickle().global(module, name).op(')').op('R').stop();
        Path f = tmp.resolve("bad.pt");
        Map<String, byte[]> extra = archive ? Map.of("a/constants.pkl", new TorchFiles.Pickle().op(')').stop()) : Map.of();
        TorchFiles.zip(f, entries("a/data.pkl", pkl, extra));
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("refusing to load " + f) && e.getMessage().contains(module + "." + name), e.getMessage());
    }

    @Test
    void zip64DirectoriesAreRead() throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').mark().str("w").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}).op('u');
        Path f = tmp.resolve("z64.pt");
        TorchFiles.zip64(f, entries("a/data.pkl", p.stop(), Map.of("a/data/0", TorchFiles.f32(1.5f, -2f, 3.25f))));
        try (ZipFile z = new ZipFile(f.toFile())) { // the JDK agrees the helper wrote a valid zip
            assertEquals(2, z.size());
        }
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, Checkpoint.read(f).require("w", 3).toFloatArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-f16.pt", "tiny-torchscript-f16.pt", "tiny-bf16.safetensors", "legacy.pt", "views.pt"})
    void filesOverTheWholeMappingLimitAreMappedRegionByRegionWithTheSameResult(String fixture) throws IOException {
        Path f = TestFiles.fixture("checkpoints/" + fixture);
        // files over 2 GiB take this path; a limit of 0 sends the small fixtures through it
        assertEquals(Checkpoint.read(f), CheckpointReader.read(f, 0));
    }

    @Test
    void deflatedEntriesAreInflated() throws IOException {
        Path src = TestFiles.fixture("checkpoints/tiny-f16.pt");
        Path f = tmp.resolve("deflated.pt");
        try (ZipFile in = new ZipFile(src.toFile());
                var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            for (var e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName())); // DEFLATED by default
                out.write(in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        assertEquals(Checkpoint.read(src).tensors(), Checkpoint.read(f).tensors());
    }

    @Test
    void protocolZeroInstIsRefusedByNameToo() throws IOException {
        byte[] pkl = "(ios\nsystem\nS'echo pwned'\np0\n.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path f = tmp.resolve("inst.pt");
        TorchFiles.zip(f, entries("a/data.pkl", pkl, Map.of()));
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("refusing to load " + f) && e.getMessage().contains("os.system"), e.getMessage());
    }

    @Test
    void aModuleThatContainsItselfIsRefused() throws IOException {
        // obj = __torch__.M(); obj.__setstate__({"me": obj})
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.global("__torch__", "M").op(')').op(0x81).op('q').op(0).op('}').mark().str("me").op('h').op(0).op('u').op('b');
        Path f = tmp.resolve("cycle.pt");
        TorchFiles.zip(f, entries("a/data.pkl", p.stop(), Map.of("a/constants.pkl", new byte[0])));
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("contains itself"), e.getMessage());
    }

    @Test
    void aZipWithoutDataPklIsNotACheckpoint() throws IOException {
        Path f = tmp.resolve("other.zip");
        TorchFiles.zip(f, Map.of("readme.txt", "hello".getBytes()));
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains(f + ": zip archive without <root>/data.pkl"), e.getMessage());
    }

    @Test
    void missingFileAndDirectoryAreIoErrors() {
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(tmp.resolve("nope.pt")));
        assertTrue(e.getMessage().contains("nope.pt"), e.getMessage());
        assertThrows(IOException.class, () -> Checkpoint.read(tmp));
    }

    @Test
    void wrappedPrefixedAndPlainCheckpointsGiveTheSameTensors() throws IOException {
        Checkpoint plain = Checkpoint.read(TestFiles.fixture("checkpoints/tiny-f32.pt"));
        Checkpoint wrapped = Checkpoint.read(TestFiles.fixture("checkpoints/tiny-wrapped.pt"));
        Checkpoint legacy = Checkpoint.read(TestFiles.fixture("checkpoints/legacy.pt"));
        Checkpoint st = Checkpoint.read(TestFiles.fixture("checkpoints/tiny-f32.safetensors"));
        assertEquals(plain.tensors(), wrapped.tensors());
        assertEquals(plain.tensors(), legacy.tensors());
        assertEquals(plain.tensors(), st.tensors());
    }

    @Test
    void requireNamesMissingAndWronglyShapedTensors() throws IOException {
        Checkpoint c = Checkpoint.read(TestFiles.fixture("checkpoints/tiny-f32.safetensors"));
        assertArrayEquals(new long[] {4, 3}, c.require("visual.proj", 4, 3).shape());
        ClipException missing = assertThrows(ClipException.class, () -> c.require("visual.class_embedding", 768));
        assertTrue(missing.getMessage().contains("visual.class_embedding") && missing.getMessage().contains("[768]"));
        ClipException shape = assertThrows(ClipException.class, () -> c.require("visual.proj", 3, 4));
        assertTrue(shape.getMessage().contains("visual.proj has shape [4, 3], expected [3, 4]"), shape.getMessage());
    }
}
