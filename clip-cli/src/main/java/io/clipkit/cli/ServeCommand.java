package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.server.ClipServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clip serve}: the HTTP service of the clip-server module over one model. Runs until
 * SIGTERM or SIGINT, then lets the requests in flight finish and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve embeddings and zero-shot classification over HTTP, with a web page at /.",
            "Concurrent requests are batched per encoder (--max-batch, --max-wait-ms); an upload may take --decode-timeout "
                    + "(here 10 s unless given) to decode. Binds to 127.0.0.1 unless "
                    + "--host is given. SIGTERM drains the requests in flight and exits 0."})
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelOptionsMixin modelOptions;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (0.0.0.0: all interfaces). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--index", paramLabel = "FILE", description = "An embedding index (from 'clip index' or 'clip tag', same model) for /v1/search and the page's search box.")
    Path index;

    /** The token: on the command line (visible in ps) or read from a file. */
    static final class TokenOptions {
        @Option(names = "--token", paramLabel = "T", description = "Require 'Authorization: Bearer T' on /v1/* and /metrics.")
        String token;

        @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token from FILE (first line).")
        Path tokenFile;
    }

    @ArgGroup(exclusive = true) TokenOptions tokenOptions;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "16",
            description = "Most inputs encoded together, 1..256. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-wait-ms", paramLabel = "MS", defaultValue = "10",
            description = "Longest a request waits for others to join its batch. Default: ${DEFAULT-VALUE}.")
    long maxWaitMs;

    @Option(names = "--max-body-mb", paramLabel = "MB", defaultValue = "32",
            description = "Largest request body in MiB; larger ones get 413. Default: ${DEFAULT-VALUE}.")
    int maxBodyMb;

    /** --max-pixels, --decode-timeout, --no-exif-rotate, as on the other commands. */
    @Mixin DecodeOptionsMixin decode;

    /** A server gives up on an upload sooner than a batch job on a file, unless told otherwise. */
    static final Duration SERVER_DECODE_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (maxBodyMb < 1 || maxBodyMb > 2000) {
            throw new IllegalArgumentException("--max-body-mb must be in 1..2000, got " + maxBodyMb);
        }
        ClipServer.Builder server;
        try {
            decode.check();
            boolean timeoutGiven = spec.commandLine().getParseResult().hasMatchedOption("--decode-timeout");
            server = ClipServer.builder().host(host).port(port).token(token()).maxBatch(maxBatch)
                    .maxWait(Duration.ofMillis(maxWaitMs)).maxBodyBytes((long) maxBodyMb << 20)
                    .maxPixels(decode.maxPixels()).exifRotate(decode.exifRotate()).fast(decode.fast())
                    .decodeTimeout(timeoutGiven ? decode.decodeTimeout() : SERVER_DECODE_TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flags(e.getMessage()), e);
        }
        ClipModel.Builder b = modelOptions.builder();
        // One forward pass per server batch.
        b.batchSize(Math.max(maxBatch, modelOptions.batchSize()));
        try (ClipModel model = modelOptions.load(b); // a model that cannot be had: exit 4, naming the bundled one
             // Opened read-only as it is (never created): made by 'clip index' or 'clip tag' with this model.
             io.clipkit.EmbeddingIndex ix = index == null ? null
                     : io.clipkit.EmbeddingIndex.openExisting(index, io.clipkit.EmbeddingIndex.Key.of(model.info(),
                             io.clipkit.EmbeddingIndex.Key.preprocessing(model.info().imageResolution(), decode.exifRotate())));
             ClipServer s = (ix == null ? server : server.index(ix)).model(model).start()) {
            Runnable stop = () -> new Thread(s::close, "clip-serve-stop").start();
            if (!onSignals(stop)) {
                // Without signal handling the JVM still runs shutdown hooks: drain there (exit code 143).
                Runtime.getRuntime().addShutdownHook(new Thread(s::close, "clip-serve-shutdown"));
            }
            err.println("clip serve: " + model.info().name() + " on " + s.uri() + " (max batch " + maxBatch + ", max wait "
                    + maxWaitMs + " ms" + (token() != null ? ", token required" : "") + ")");
            err.flush();
            s.join();
            err.println("clip serve: stopped");
            err.flush();
        }
        return 0;
    }

    /** The server builder's option names in its messages, as this command's flags. */
    private static final java.util.Map<String, String> FLAGS = java.util.Map.of("host", "--host", "port", "--port",
            "token", "--token", "maxBatch", "--max-batch", "maxWait", "--max-wait-ms", "maxPixels", "--max-pixels",
            "decodeTimeout", "--decode-timeout");

    static String flags(String message) {
        if (message == null) {
            return null;
        }
        int sp = message.indexOf(' ');
        String first = sp < 0 ? message : message.substring(0, sp);
        String flag = FLAGS.get(first);
        return flag == null ? message : flag + message.substring(first.length());
    }

    private String token() throws IOException {
        if (tokenOptions == null) {
            return null;
        }
        if (tokenOptions.tokenFile != null) {
            String t = Files.readString(tokenOptions.tokenFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("--token-file " + tokenOptions.tokenFile + " is empty");
            }
            return t;
        }
        return tokenOptions.token;
    }

    /**
     * Runs {@code stop} on SIGTERM and SIGINT instead of the JVM's default (exit 143/130), so the
     * server drains and the command returns 0. {@code sun.misc.Signal} is reached by reflection: it
     * is the JDK's only signal API (module jdk.unsupported), and compiling against it directly
     * would warn. Returns false where it is unavailable.
     */
    static boolean onSignals(Runnable stop) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            stop.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "clip serve signal handler";
                    });
            for (String name : new String[] {"TERM", "INT"}) {
                Object s = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handlerType).invoke(null, s, handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
