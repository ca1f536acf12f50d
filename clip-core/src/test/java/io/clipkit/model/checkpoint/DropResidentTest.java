package io.clipkit.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader gives a copied tensor's pages back ({@link TensorData#dropResident()}): a mapped
 * checkpoint's pages leave memory and read back unchanged; other memory is never touched (advising
 * anonymous memory away would zero it).
 */
class DropResidentTest {
    private static final int PAGE = 4096;

    @Test
    void aMappedTensorsPagesLeaveMemoryAndReadBackUnchanged(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux's /proc/self/smaps");
        int floats = 1024 * PAGE; // 16 MiB of floats after an unaligned header
        ByteBuffer content = ByteBuffer.allocate(100 + floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        content.position(100);
        for (int i = 0; i < floats; i++) {
            content.putFloat(i * 0.5f - 7);
        }
        Path file = dir.resolve("weights.bin");
        Files.write(file, content.array());
        try (FileSource src = new FileSource(file)) {
            ByteBuffer slice = src.slice(100, floats * 4L, "tensor");
            ((MappedByteBuffer) slice).load();
            long before = residentKb(file);
            assertTrue(before >= floats * 4L / 1024 - 8, "touched pages are resident: " + before + " kB");
            TensorData t = new TensorData("w", new long[] {floats}, TensorData.Dtype.F32, slice);
            t.dropResident();
            long after = residentKb(file);
            assertTrue(after <= 8, "the tensor's whole pages were given back: " + after + " kB of " + before + " still resident");
            float[] back = t.toFloatArray();
            for (int i = 0; i < floats; i++) {
                assertEquals(i * 0.5f - 7, back[i], "element " + i + " read back from the file");
            }
        }
    }

    /** This process's resident kB of its mappings of {@code file} (from /proc/self/smaps). */
    private static long residentKb(Path file) throws java.io.IOException {
        String name = file.toRealPath().toString();
        long kb = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                in = line.endsWith(" " + name);
            } else if (in && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb;
    }

    @Test
    void otherMemoryIsLeftAlone() {
        ByteBuffer direct = ByteBuffer.allocateDirect(16 * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer heap = ByteBuffer.allocate(16 * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4 * PAGE; i++) {
            direct.putFloat(i * 4, i + 1);
            heap.putFloat(i * 4, i + 1);
        }
        new TensorData("d", new long[] {4 * PAGE}, TensorData.Dtype.F32, direct).dropResident();
        new TensorData("h", new long[] {4 * PAGE}, TensorData.Dtype.F32, heap).dropResident();
        for (int i = 0; i < 4 * PAGE; i++) {
            assertEquals(i + 1, direct.getFloat(i * 4), "anonymous memory was zeroed at float " + i);
            assertEquals(i + 1, heap.getFloat(i * 4));
        }
    }
}
