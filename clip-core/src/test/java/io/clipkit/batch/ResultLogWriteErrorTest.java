package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clipkit.TagResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk under the results file: the error names the file (the OS's message does not). */
class ResultLogWriteErrorTest {
    @TempDir Path tmp;

    @Test
    void diskFullNamesTheResultsFile() throws IOException {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC
        assumeTrue(Files.isWritable(full), "needs /dev/full");
        Path out = Files.createSymbolicLink(tmp.resolve("tags.jsonl"), full);
        IOException e = assertThrows(IOException.class, () -> {
            RecordSettings settings = new RecordSettings("00", "", "", 5, 0f, "none", "size=224;exif=true", "fp32");
            try (ResultLog log = ResultLog.open(out, false, "m", settings)) {
                for (int i = 0; i < 100_000; i++) { // past any buffer
                    Path p = Path.of("a" + i + ".jpg");
                    log.write(WorkItem.file(p), new TagResult(p, TagResult.Status.ERROR, 1, "t", List.of(), "bad", ""));
                }
                log.flush();
            }
        });
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("No space left on device"),
                e.getMessage());
    }
}
