package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.batch.TinyCheckpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clip serve} as a process: it answers, and SIGTERM drains and exits 0. */
class ServeCommandTest {
    @TempDir Path tmp;

    @Test
    void sigtermStopsTheServerWithExitCodeZero() throws Exception {
        Path ckpt = TinyCheckpoint.write(tmp.resolve("tiny-vit.safetensors"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", ClipCommand.class.getName(), "serve", "--model", ckpt.toString(),
                "--cache-dir", tmp.resolve("cache").toString(), "--port", "0", "--token", "t0ken"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder log = new StringBuilder();
            URI uri = null;
            Pattern listening = Pattern.compile("on (http://\\S+/) ");
            for (String line; uri == null && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    uri = URI.create(m.group(1));
                }
            }
            assertTrue(uri != null, "no listening line in: " + log);
            assertTrue(log.toString().contains("token required"), log.toString());
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> h = client.send(HttpRequest.newBuilder(uri.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, h.statusCode(), h.body());
            assertTrue(h.body().contains("\"model\":\"tiny-vit.safetensors\""), h.body());
            HttpResponse<String> noToken = client.send(HttpRequest.newBuilder(uri.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noToken.statusCode());

            // SIGTERM by kill(1): Process.destroy() would also close our end of its output.
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exited after SIGTERM");
            for (String line; (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
            }
            assertEquals(0, p.exitValue(), log.toString());
            assertTrue(log.toString().contains("clip serve: stopped"), log.toString());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badSettingsAreUsageErrorsNamingTheFlag() {
        for (String[] c : List.of(new String[] {"--max-batch", "0", "--max-batch must be in 1..256, got 0"},
                new String[] {"--port", "-1", "--port must be in 0..65535, got -1"},
                new String[] {"--max-wait-ms", "-5", "--max-wait-ms must be in 0..10 s, got -5 ms"},
                new String[] {"--max-body-mb", "0", "--max-body-mb must be in 1..2000, got 0"})) {
            StringWriter err = new StringWriter();
            var cl = ClipCommand.commandLine();
            cl.setErr(new PrintWriter(err, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            assertEquals(2, cl.execute("serve", "--model", "/nonexistent.pt", c[0], c[1]), err.toString());
            assertTrue(err.toString().contains(c[2]), err.toString());
        }
    }
}
