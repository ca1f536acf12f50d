package io.clipkit.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Activation;
import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import io.clipkit.Trainer;
import io.clipkit.image.Augmentation;
import io.clipkit.model.TrainableClip;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.registry.ClipHome;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * One training run from {@link Trainer.Builder#train()}: resolves the model (fine-tune, new, or
 * resume), streams batches (the next one decoded while the current step runs), steps, logs,
 * checkpoints and evaluates, then writes the open_clip hub folder. Public only for the builder.
 */
public final class TrainingRun {
    private TrainingRun() {}

    /** The builder's settings, as given. */
    public record Settings(Path data, List<String> templates, String init, Trainer.Architecture architecture,
            Activation activation, Path output, int steps, double epochs, int batchSize, double lr, double weightDecay,
            int warmup, Trainer.Schedule schedule, long seed, boolean shuffle, boolean augment, boolean lockImage,
            boolean lockText, int threads, String device, int checkpointEvery, boolean resume, Path evalFolder,
            int maxSkippedImages, Path cacheDir, Trainer.Listener listener) {}

    static final String LOG = "log.jsonl";
    static final String CHECKPOINTS = "checkpoints";
    static final String STATE = "trainer.json";
    static final String OPTIMIZER = "optimizer.state"; // safetensors, named so no loader takes it for the model

    /**
     * The model, where its vocabulary came from (null: CLIP's bundled one) and its image pipeline
     * (a fine-tuned model keeps its own normalization; it is written to the output's config).
     */
    private record Loaded(TrainableClip model, Activation activation, Path vocabulary, ModelSpec.Image image) {}

    public static Trainer.Result run(Settings s) throws IOException {
        List<Pairs.Pair> pairs = Pairs.read(s.data(), s.templates());
        ZeroShotEval eval = s.evalFolder() != null ? new ZeroShotEval(s.evalFolder()) : null;
        Path out = s.output();
        Path resumeFrom = null;
        JsonNode state = null;
        if (s.resume()) {
            resumeFrom = latestCheckpoint(out)
                    .orElseThrow(() -> new IllegalArgumentException(out + ": no checkpoint to resume from (none in "
                            + out.resolve(CHECKPOINTS) + ")"));
            state = new ObjectMapper().readTree(resumeFrom.resolve(STATE).toFile());
        } else if (Files.exists(out.resolve(HubFolder.WEIGHTS)) || Files.exists(out.resolve(CHECKPOINTS))
                || Files.exists(out.resolve(LOG))) {
            throw new IllegalArgumentException(out + " already holds a training run: resume it or choose another output folder");
        }
        int steps = s.steps() > 0 ? s.steps()
                : (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(s.epochs() * pairs.size() / s.batchSize()));
        int warmup = s.warmup() >= 0 ? s.warmup() : Math.min(10000, steps / 10);
        if (state != null) {
            checkSame(state, "steps", steps);
            checkSame(state, "batch_size", s.batchSize());
            checkSame(state, "seed", s.seed());
            checkSame(state, "pairs", pairs.size());
            checkSame(state, "warmup", warmup);
        }
        if (s.threads() > 0) {
            io.clipkit.engine.Engines.pytorch();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(s.threads());
        }
        Loaded loaded = resumeFrom != null ? resumed(resumeFrom, state, s) : load(s);
        TrainableClip model = loaded.model();
        int workersCount = s.threads() > 0 ? s.threads() : Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService workers = Executors.newFixedThreadPool(workersCount, r -> {
            Thread t = new Thread(r, "clipkit-train-data");
            t.setDaemon(true);
            return t;
        });
        // the next batch is assembled on its own thread while this one trains; its images decode on the workers
        ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "clipkit-train-prefetch");
            t.setDaemon(true);
            return t;
        });
        try {
            ClipTokenizer tokenizer = ClipHome.tokenizer(loaded.vocabulary(), null);
            if (loaded.vocabulary() == null && model.vocabSize() < ClipTokenizer.END_OF_TEXT + 1) {
                throw new IllegalArgumentException("the model has " + model.vocabSize()
                        + " token embeddings, but CLIP's tokenizer needs 49408");
            }
            Session session = new Session(model, s.lockImage(), s.lockText(), s.weightDecay(),
                    new LrSchedule(s.lr(), warmup, steps, s.schedule()));
            int r = model.imageResolution();
            ModelSpec.Image spec = loaded.image();
            Augmentation aug = s.augment() ? new Augmentation(r, 0.9, 1.0, 0.5, 0.2, spec.mean(), spec.std()) : null;
            BatchStream stream = new BatchStream(pairs, s.batchSize(), s.seed(), s.shuffle(), aug,
                    ImagePreprocessor.builder().spec(spec).build(), tokenizer, model.contextLength(),
                    s.maxSkippedImages(), workers, s.listener()::onNotice);
            int step = 0;
            long position = 0;
            double lastLoss = Double.NaN;
            List<Trainer.Evaluation> evaluations = new ArrayList<>();
            if (state != null) {
                step = state.get("step").asInt();
                position = state.get("position").asLong();
                lastLoss = state.path("loss").asDouble(Double.NaN);
                List<String> skipped = new ArrayList<>();
                state.path("skipped").forEach(n -> skipped.add(n.asText()));
                stream.restoreSkipped(skipped);
                state.path("evaluations").forEach(n -> evaluations.add(new Trainer.Evaluation(n.get("epoch").asInt(),
                        n.get("step").asInt(), n.get("images").asInt(), n.get("labels").asInt(), n.get("top1").asDouble())));
                restoreOptimizer(session.optimizer(), resumeFrom.resolve(OPTIMIZER), state.get("optimizer_steps").asLong());
                truncateLog(out.resolve(LOG), step);
                s.listener().onNotice("resumed from " + resumeFrom + " at step " + step);
            }
            Files.createDirectories(out);
            try (BufferedWriter log = Files.newBufferedWriter(out.resolve(LOG), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                ObjectMapper json = new ObjectMapper();
                Future<BatchStream.Batch> pending = null;
                while (step < steps) {
                    long t0 = System.nanoTime();
                    BatchStream.Batch batch = pending != null ? join(pending) : stream.batch(position);
                    long end = batch.end();
                    pending = step + 1 < steps ? prefetch.submit(() -> stream.batch(end)) : null;
                    int epochBefore = (int) (position / pairs.size());
                    double loss;
                    try {
                        loss = session.step(step, batch.pixels(), batch.tokens());
                    } catch (Session.NonFinite e) {
                        Path kept = writeCheckpoint(out, session, loaded, s, steps, warmup, pairs.size(), step, position,
                                lastLoss, stream, evaluations);
                        throw new ClipException(e.getMessage() + " at step " + (step + 1)
                                + "; stopped before updating, the last good weights are in " + kept);
                    }
                    double lr = session.lr(step);
                    step++;
                    position = end;
                    lastLoss = loss;
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Trainer.Step st = new Trainer.Step(step, steps, epochBefore, loss, lr, session.logitScale(),
                            s.batchSize() / seconds);
                    ObjectNode line = json.createObjectNode();
                    line.put("step", st.step());
                    line.put("epoch", st.epoch());
                    line.put("loss", st.loss());
                    line.put("lr", st.lr());
                    line.put("logit_scale", st.logitScale());
                    line.put("images_per_s", Math.round(st.imagesPerSecond() * 10) / 10.0);
                    log.write(json.writeValueAsString(line));
                    log.newLine();
                    log.flush();
                    s.listener().onStep(st);
                    int epochAfter = (int) (position / pairs.size());
                    if (eval != null && epochAfter > epochBefore) {
                        int[] res = eval.run(model, tokenizer, spec, s.batchSize());
                        Trainer.Evaluation e = new Trainer.Evaluation(epochAfter, step, res[0], eval.labels(),
                                res[0] == 0 ? 0 : (double) res[1] / res[0]);
                        evaluations.add(e);
                        ObjectNode el = json.createObjectNode();
                        el.put("step", e.step());
                        el.put("epoch", e.epoch());
                        el.put("zero_shot_top1", e.top1());
                        el.put("zero_shot_images", e.images());
                        el.put("zero_shot_labels", e.labels());
                        log.write(json.writeValueAsString(el));
                        log.newLine();
                        log.flush();
                        s.listener().onEvaluation(e);
                    }
                    if (s.checkpointEvery() > 0 && step % s.checkpointEvery() == 0 && step < steps) {
                        Path c = writeCheckpoint(out, session, loaded, s, steps, warmup, pairs.size(), step, position,
                                lastLoss, stream, evaluations);
                        s.listener().onNotice("checkpoint " + c);
                    }
                }
            }
            writeCheckpoint(out, session, loaded, s, steps, warmup, pairs.size(), step, position, lastLoss, stream,
                    evaluations);
            HubFolder.write(out, model, loaded.activation(), loaded.image());
            return new Trainer.Result(out, step, lastLoss, stream.skipped().size(), evaluations);
        } finally {
            prefetch.shutdownNow();
            workers.shutdownNow();
            model.close();
        }
    }

    private static void checkSame(JsonNode state, String key, long now) {
        long then = state.path(key).asLong(Long.MIN_VALUE);
        if (then != now) {
            throw new IllegalArgumentException("cannot resume: the checkpoint was made with " + key + " = " + then
                    + ", this run has " + now + " (an exact resume needs the same data and settings)");
        }
    }

    private static Loaded load(Settings s) throws IOException {
        if (s.architecture() != null) {
            Activation act = s.activation() != null ? s.activation() : Activation.QUICK_GELU;
            return new Loaded(TrainableClip.of(Init.stateDict(s.architecture(), s.seed()), act, s.device()), act, null,
                    ModelSpec.Image.openai(s.architecture().imageSize()));
        }
        // The model builder resolves the name (registry, cache, download, path, hub folder) and
        // hands the checkpoint to its loader seam, which reads it into trainable arrays.
        Loaded[] holder = new Loaded[1];
        ClipModel.Builder b = ClipModel.builder().device(s.device()).loader((file, options) -> {
            Activation act = s.activation() != null ? s.activation() : options.activation();
            Path vocab = ClipHome.findVocabulary(options.vocabulary().orElse(null), file).orElse(null);
            TrainableClip m = TrainableClip.load(file, act, s.device());
            try {
                ModelSpec.Image image = io.clipkit.model.hub.ModelFolder.of(file).spec(m.imageResolution(),
                        m.contextLength(), m.vocabSize(), (float) Math.exp(m.logitScale().getFloat())).image();
                holder[0] = new Loaded(m, act, vocab, image);
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
            return null;
        });
        Path asPath = Path.of(s.init());
        if (Files.exists(asPath)) {
            b.path(asPath);
        } else {
            b.model(s.init());
        }
        if (s.cacheDir() != null) {
            b.cacheDir(s.cacheDir());
        }
        b.notices(s.listener()::onNotice).load();
        return holder[0];
    }

    private static Loaded resumed(Path dir, JsonNode state, Settings s) throws IOException {
        Activation act = Activation.valueOf(state.get("activation").asText());
        JsonNode v = state.get("vocabulary");
        Path vocab = v == null || v.isNull() ? null : Path.of(v.asText());
        TrainableClip m = TrainableClip.load(dir.resolve(HubFolder.WEIGHTS), act, s.device());
        try { // the checkpoint is a hub folder: its config holds the image pipeline
            ModelSpec.Image image = io.clipkit.model.hub.ModelFolder.of(dir).spec(m.imageResolution(), m.contextLength(),
                    m.vocabSize(), (float) Math.exp(m.logitScale().getFloat())).image();
            return new Loaded(m, act, vocab, image);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    static Optional<Path> latestCheckpoint(Path out) throws IOException {
        Path dir = out.resolve(CHECKPOINTS);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> st = Files.list(dir)) {
            return st.filter(p -> p.getFileName().toString().matches("step-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparing(p -> Long.parseLong(p.getFileName().toString().substring(5))));
        }
    }

    /** Writes checkpoints/step-N (weights, optimizer moments, trainer.json last) and drops older ones. */
    private static Path writeCheckpoint(Path out, Session session, Loaded loaded, Settings s, int steps, int warmup,
            int pairs, int step, long position, double loss, BatchStream stream, List<Trainer.Evaluation> evals)
            throws IOException {
        Path root = out.resolve(CHECKPOINTS);
        Path dir = root.resolve(String.format("step-%08d", step));
        Path tmp = root.resolve(dir.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        HubFolder.write(tmp, session.model(), loaded.activation(), loaded.image());
        HubFolder.writeSafetensors(tmp.resolve(OPTIMIZER), session.optimizer().state());
        ObjectMapper json = new ObjectMapper();
        ObjectNode st = json.createObjectNode();
        st.put("step", step);
        st.put("position", position);
        st.put("optimizer_steps", session.optimizer().stepCount());
        st.put("loss", loss);
        st.put("steps", steps);
        st.put("warmup", warmup);
        st.put("batch_size", s.batchSize());
        st.put("seed", s.seed());
        st.put("pairs", pairs);
        st.put("activation", loaded.activation().name());
        if (loaded.vocabulary() != null) {
            st.put("vocabulary", loaded.vocabulary().toAbsolutePath().toString());
        } else {
            st.putNull("vocabulary");
        }
        ArrayNode sk = st.putArray("skipped");
        stream.skipped().forEach(sk::add);
        ArrayNode ev = st.putArray("evaluations");
        for (Trainer.Evaluation e : evals) {
            ObjectNode o = ev.addObject();
            o.put("epoch", e.epoch());
            o.put("step", e.step());
            o.put("images", e.images());
            o.put("labels", e.labels());
            o.put("top1", e.top1());
        }
        Files.writeString(tmp.resolve(STATE), json.writerWithDefaultPrettyPrinter().writeValueAsString(st));
        deleteTree(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        try (Stream<Path> old = Files.list(root)) {
            for (Path p : old.filter(p -> !p.equals(dir) && p.getFileName().toString().matches("step-\\d+")).toList()) {
                deleteTree(p);
            }
        }
        return dir;
    }

    private static void restoreOptimizer(AdamW opt, Path file, long step) throws IOException {
        Checkpoint c = Checkpoint.read(file);
        Map<String, TensorData> t = c.tensors();
        for (AdamW.Slot slot : opt.slots()) {
            copyInto(slot.expAvg(), t.get("exp_avg." + slot.name()), file);
            copyInto(slot.expAvgSq(), t.get("exp_avg_sq." + slot.name()), file);
        }
        opt.restoreStepCount(step);
    }

    private static void copyInto(NDArray target, TensorData data, Path file) {
        if (data == null || data.dtype() != TensorData.Dtype.F32
                || !java.util.Arrays.equals(data.shape(), target.getShape().getShape())) {
            throw new ClipException(file + ": optimizer state does not match the model (" + target.getShape() + ")");
        }
        target.set(data.toFloatArray());
    }

    /** Drops log lines after the checkpoint's step (an interrupted run logged steps it will redo). */
    private static void truncateLog(Path log, int step) throws IOException {
        if (!Files.exists(log)) {
            return;
        }
        ObjectMapper json = new ObjectMapper();
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (json.readTree(line).path("step").asInt(Integer.MAX_VALUE) <= step) {
                    keep.add(line);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // a line cut by the interruption
            }
        }
        HubFolder.writeAtomically(log, (String.join("\n", keep) + (keep.isEmpty() ? "" : "\n"))
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> w = Files.walk(p)) {
            for (Path q : w.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static <T> T join(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new ClipException("reading a batch failed: " + c, c);
        }
    }
}
