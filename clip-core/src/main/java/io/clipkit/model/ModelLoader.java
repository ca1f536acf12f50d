package io.clipkit.model;

import io.clipkit.DType;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.ModelInfo;
import io.clipkit.ModelSpec;
import io.clipkit.ModelOptions;
import io.clipkit.engine.Engines;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.model.hub.ModelFolder;
import io.clipkit.util.Trace;
import io.clipkit.ClipTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Loads a checkpoint (OpenAI TorchScript archive, torch.save state dict or safetensors) into a
 * {@link ClipModel}, inferring every hyper-parameter from the tensor shapes.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Loads a checkpoint file or model folder (see {@link ModelFolder} for the layouts). For
     * transformers and open_clip folders the caller's {@code options.activation()} is used as given:
     * {@code ClipModel.builder()} fills it from the folder's config unless one is set.
     */
    public static ClipModel load(Path checkpoint, ModelOptions options) throws IOException {
        ModelFolder folder = ModelFolder.of(checkpoint);
        Path file = folder.weights().get(0);
        String name = options.name().isEmpty() ? folder.defaultName() : options.name();
        // Independent start-up work overlaps the reading of the weights: starting libtorch and
        // OpenBLAS (~0.3 s), hashing the file (~0.3 s for ViT-B/32) and loading the tokenizer (~0.2 s).
        // Errors surface where they did when this was sequential: the hash's from load(), the
        // tokenizer's from tokenizer().
        ExecutorService pool = Executors.newFixedThreadPool(2, ModelLoader::daemon);
        boolean loaded = false;
        try {
            startNativesInBackground();
            if ((options.dtype() == DType.BF16 || options.dtype() == DType.INT8) && options.device().equals("cpu")) {
                daemon(Dnnl::usable).start(); // loads oneDNN (~0.5 s) while the weights are read
            }
            io.clipkit.util.HashCache hashes = options.hashCache().map(io.clipkit.util.HashCache::in)
                    .orElse(io.clipkit.util.HashCache.none());
            Future<String> hash = pool.submit(() -> folder.sha256(hashes));
            Future<ClipTokenizer> tokenizer = pool.submit(() -> tokenizer(folder, options, file));
            Trace.mark("load: reading " + folder.weights());
            Checkpoint ckpt = folder.read();
            Trace.mark("load: read");
            ClipModel model = build(ckpt, file, name, options, () -> join(hash), tokenizer, folder);
            ckpt = null;
            if (!options.weightsInBackground()) {
                unmapCheckpoint();
            } // else the background task does, once the weights are copied
            loaded = true;
            return model;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            if (loaded) {
                pool.shutdown(); // the tokenizer may still be loading
            } else {
                pool.shutdownNow(); // stops the hashing of a file that failed to load
            }
        }
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "clipkit-load");
        t.setDaemon(true);
        return t;
    }

    private static final AtomicBoolean NATIVES_STARTING = new AtomicBoolean();

    /**
     * Starts libtorch and OpenBLAS on a background thread (once per JVM), so that a {@link #load}
     * that follows finds them ready; a caller that is about to load a model can call it early.
     */
    public static void startNativesInBackground() {
        if (NATIVES_STARTING.compareAndSet(false, true)) {
            daemon(ModelLoader::startNatives).start();
        }
    }

    /** Starts the engine and probes OpenBLAS; a failure shows again, with its message, when the loader needs them. */
    private static void startNatives() {
        try {
            Engines.pytorch();
            Blas.usable();
            Trace.mark("load: natives started");
        } catch (RuntimeException | LinkageError e) {
            // reported by the loading thread's own call
        }
    }

    private static String join(Future<String> hash) {
        try {
            return hash.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipException("interrupted while hashing the checkpoint", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new ClipException("hashing the checkpoint failed: " + e.getCause(), e.getCause());
        }
    }

    /** An explicit vocabulary wins; else a transformers folder's own tokenizer; else CLIP's (beside the file, or bundled). */
    private static ClipTokenizer tokenizer(ModelFolder folder, ModelOptions options, Path file) throws IOException {
        if (options.vocabulary().isEmpty()) {
            java.util.Optional<ClipTokenizer> own = folder.tokenizer();
            if (own.isPresent()) {
                return own.get();
            }
        }
        return DjlClipModel.loadTokenizer(options, file);
    }

    static ClipModel build(Checkpoint ckpt, Path file, String name, ModelOptions options) {
        return build(ckpt, file, name, options, ckpt::sha256, null, null);
    }

    /**
     * The weights are copies in libtorch now, but the checkpoint's file mapping (as large as the
     * file, every page touched) stays resident until a GC cleans its MappedByteBuffer, which with a
     * small live heap may be never: 290 MB of RSS for ViT-B/32 through a whole tagging run. One
     * collection now (tens of ms) unmaps it.
     */
    private static void unmapCheckpoint() {
        System.gc();
    }

    /**
     * Describes the model (its {@link ModelInfo}: config, spec, checksum, kernel) and moves the
     * weights into the engine: before returning, or on a background thread when the options say so.
     *
     * @param sha256 the file's hash
     * @param tokenizer the tokenizer being loaded, or null to load it on first use
     * @param folder the layout the checkpoint came from (its config's heads and spec), or null for OpenAI's
     */
    static ClipModel build(Checkpoint ckpt, Path file, String name, ModelOptions options, Supplier<String> sha256,
            Future<ClipTokenizer> tokenizer, ModelFolder folder) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : ckpt.tensors().entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
        }
        ModelConfig c = ModelConfig.infer(shapes);
        if (folder != null) {
            c = c.withHeads(folder.textHeads(), folder.visionHeads());
        }
        Device device = device(options.device());
        Dnnl.Kind lowp = switch (options.dtype()) {
            case BF16 -> Dnnl.Kind.BF16;
            case INT8 -> Dnnl.Kind.INT8;
            default -> null;
        };
        if (lowp != null) {
            checkLowPrecision(options.dtype(), device, options.device());
            if (options.threads() > 0) {
                Dnnl.setThreads(options.threads());
            }
            // what the products will run on, named before any weight is converted
            Dnnl.probe(lowp, c.textWidth(), 4L * c.textWidth());
        }
        // bf16, int8: the arrays stay fp32 (DJL 0.36's PyTorch JNI aborts the process on any bf16
        // array); the Linear layers' products run in low precision through oneDNN.
        DataType type = switch (options.dtype()) {
            case FP32, BF16, INT8 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
        };
        float logitScale = (float) Math.exp(scalar(ckpt, "logit_scale"));
        String kern = kernel(lowp != null, type, device);
        String sha = sha256.get();
        ModelSpec spec = folder == null
                ? ModelSpec.openai(c.imageResolution(), c.contextLength(), c.vocabSize(), logitScale)
                : folderSpec(folder, c, logitScale);
        ModelInfo info = new ModelInfo(name, c.vit() ? "vit" : "resnet", c.embedDim(), c.imageResolution(),
                c.visionWidth(), c.visionLayers(), c.visionBlocks(), c.visionHeads(), c.patchSize(), c.textWidth(),
                c.textLayers(), c.textHeads(), c.contextLength(), c.vocabSize(), options.activation(),
                ckpt.format(), sha, device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu", options.dtype(),
                spec, vocabularySha256(options, file, folder), "", kern);
        Trace.mark("load: described");
        WeightsTask weights = new WeightsTask(ckpt.tensors(), c, options, device, type, lowp, options.weightsInBackground());
        if (!options.weightsInBackground()) {
            return new DjlClipModel(info, options, file, CompletableFuture.completedFuture(weights.call()), logitScale,
                    type, tokenizer);
        }
        FutureTask<DjlClipModel.Towers> task = new FutureTask<>(weights);
        Thread t = new Thread(task, "clipkit-weights");
        t.setDaemon(true);
        t.start();
        return new DjlClipModel(info, options, file, task, logitScale, type, tokenizer);
    }

    /**
     * Copies the weights into the engine and builds the two towers on them. Run once, on the
     * loading thread or on its own; it drops the checkpoint's tensors as soon as they are copied.
     */
    private static final class WeightsTask implements java.util.concurrent.Callable<DjlClipModel.Towers> {
        private Map<String, TensorData> tensors;
        private final ModelConfig c;
        private final ModelOptions options;
        private final Device device;
        private final DataType type;
        private final Dnnl.Kind lowp;
        private final boolean unmap;

        WeightsTask(Map<String, TensorData> tensors, ModelConfig c, ModelOptions options, Device device, DataType type,
                Dnnl.Kind lowp, boolean unmap) {
            this.tensors = tensors;
            this.c = c;
            this.options = options;
            this.device = device;
            this.type = type;
            this.lowp = lowp;
            this.unmap = unmap;
        }

        @Override
        public DjlClipModel.Towers call() {
            if (options.threads() > 0) {
                Engines.pytorch(); // loads the native library first
                ai.djl.pytorch.jni.JniUtils.setNumThreads(options.threads());
                Blas.setThreads(options.threads()); // safe beside other threads' library loads (see there)
            }
            NDManager manager = Engines.pytorch().newBaseManager(device);
            Trace.mark("load: engine started");
            try {
                Weights w = new Weights(tensors, manager, type, lowp);
                ImageEncoder image = c.vit()
                        ? new VisionTransformer(w, c, options.activation())
                        : new ModifiedResNet(w, c);
                TextTransformer text = new TextTransformer(w, c, options.activation());
                w.getFloat("logit_scale"); // checked as every other tensor is (its value was read already)
                Trace.mark("load: weights in libtorch");
                manager.cap(); // from here on, anything attached to the weights' manager is a bug: fail, don't leak
                return new DjlClipModel.Towers(manager, image, text);
            } catch (RuntimeException | Error e) {
                manager.close();
                throw e;
            } finally {
                tensors = null;
                if (unmap) {
                    unmapCheckpoint();
                }
            }
        }
    }

    /** A one-element floating-point tensor's value, read from the checkpoint (no engine needed). */
    private static double scalar(Checkpoint ckpt, String name) {
        TensorData t = ckpt.tensors().get(name);
        if (t == null) {
            throw new ClipException("checkpoint is missing tensor '" + name + "' (expected shape [])");
        }
        if (t.numel() != 1 || !t.dtype().isFloating()) {
            throw new ClipException("tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape()) + " and type "
                    + t.dtype() + ", expected a floating-point scalar");
        }
        return t.toFloatArray()[0];
    }

    /**
     * The dtype a model asked for in {@code requested} computes in on {@code device}: bf16 (int8) on
     * a CPU without bf16 (int8 dot-product) instructions falls back to fp32, saying so through
     * {@code notices} (the fp32 path is faster there than oneDNN's emulation, and it is what the
     * reduced types approximate); everything else as asked ({@link #load} refuses what cannot run,
     * naming why).
     */
    public static DType effectiveDType(DType requested, String device, CpuFeatures cpu, java.util.function.Consumer<String> notices) {
        if ((requested == DType.BF16 || requested == DType.INT8) && device.equals("cpu")) {
            java.util.Optional<String> missing = cpu.missingFor(requested);
            if (missing.isPresent()) {
                notices.accept(missing.get() + ": computing in fp32 instead");
                return DType.FP32;
            }
        }
        return requested;
    }

    private static void checkLowPrecision(DType dtype, Device device, String name) {
        String d = dtype.name().toLowerCase(java.util.Locale.ROOT);
        if (device.isGpu()) {
            throw new ClipException(d + " compute runs on CPU only (through oneDNN; DJL 0.36's PyTorch engine cannot hold "
                    + "bf16 arrays): on " + name + " use dtype fp16 or fp32");
        }
        java.util.Optional<String> missing = CpuFeatures.detect().missingFor(dtype);
        if (missing.isPresent()) {
            throw new ClipException(missing.get() + ": use dtype fp32 (ClipModel.builder() falls back to it with a notice)");
        }
        if (!Dnnl.usable()) {
            throw new ClipException(d + " needs oneDNN's native library for this platform (org.bytedeco:dnnl with the "
                    + "platform's classifier, e.g. linux-x86_64): " + Dnnl.failure());
        }
    }

    /** What computes the matrix products ({@link ModelInfo#kernel()}). */
    private static String kernel(boolean lowp, DataType type, Device device) {
        if (lowp) {
            return "onednn:" + String.join(",", new java.util.TreeSet<>(Dnnl.implementations()));
        }
        if (type == DataType.FLOAT32 && !device.isGpu() && Blas.usable()) {
            // The core OpenBLAS picked is printed by bench/BlasInfo.java: asking for it here would mean
            // opening the library a second time (JNA), which re-binds its symbols and crashed its threads.
            return "openblas";
        }
        return "libtorch";
    }

    private static ModelSpec folderSpec(ModelFolder folder, ModelConfig c, float logitScale) {
        try {
            return folder.spec(c.imageResolution(), c.contextLength(), c.vocabSize(), logitScale);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 of the vocabulary the tokenizer will read (the same lookup as the tokenizer's). */
    private static String vocabularySha256(ModelOptions options, Path checkpoint, ModelFolder folder) {
        try {
            if (folder != null && options.vocabulary().isEmpty()) {
                java.util.Optional<String> own = folder.tokenizerSha256();
                if (own.isPresent()) {
                    return own.get();
                }
            }
            java.util.Optional<Path> v = io.clipkit.registry.ClipHome.findVocabulary(options.vocabulary().orElse(null), checkpoint);
            return v.isPresent() ? io.clipkit.util.Hashes.sha256Hex(v.get()) : io.clipkit.text.BpeTokenizer.BUNDLED_SHA256;
        } catch (IOException e) {
            // reported with its reason when the tokenizer is first used
            return "unreadable";
        }
    }

    static Device device(String name) {
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        int id = name.startsWith("gpu:") ? Integer.parseInt(name.substring(4)) : 0;
        int gpus = Engines.pytorch().getGpuCount();
        if (id >= gpus) {
            throw new ClipException("device " + name + " is not available (" + gpus + " GPUs found); use device cpu");
        }
        return Device.gpu(id);
    }
}
