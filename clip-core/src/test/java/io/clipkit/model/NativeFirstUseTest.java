package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * JavaCPP's first use from two threads at once could deadlock (see {@code Engines.javacpp()}): the
 * OpenBLAS probe and the oneDNN load race in fresh JVMs, the second started 6 to 10 ms after the
 * first. The window is narrow and moves with the JVM's start-up: before the fix about one such JVM
 * in 14 hung (measured with 14 and 24 runs), so 16 are run here (a hang is caught with a
 * probability of about 0.7 per run of this test, ~1.4 s per JVM); each must finish.
 */
class NativeFirstUseTest {
    @Test
    void openBlasProbeAndOneDnnLoadStartingTogetherBothFinish() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 16; i++) {
            String delay = String.valueOf(6 + i * 0.25);
            Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-Dai.djl.offline=true",
                    "-cp", System.getProperty("java.class.path"), FirstUseRace.class.getName(), delay))
                    .redirectErrorStream(true).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(done, "child JVM with oneDNN " + delay + " ms after OpenBLAS did not exit: " + out);
            assertEquals(0, p.exitValue(), "oneDNN " + delay + " ms after OpenBLAS: " + out);
            assertTrue(out.contains("ok"), out);
        }
    }
}
