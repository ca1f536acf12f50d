package io.clipkit.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.clipkit.Activation;
import io.clipkit.engine.Engines;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The towers of a CLIP checkpoint in fp32 on one device, with weights that autograd can train:
 * the same encoder classes as inference ({@link VisionTransformer}, {@link ModifiedResNet},
 * {@link TextTransformer}), which take libtorch's path for every operation whose operands require
 * gradients. Used by {@code io.clipkit.train}; not a public API of its own (the public entry is
 * {@code io.clipkit.Trainer}). Not thread-safe.
 */
public final class TrainableClip implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final ImageEncoder image;
    private final TextTransformer text;
    private final Map<String, NDArray> tensors;
    private final Map<String, TensorData> passThrough;

    private TrainableClip(ModelConfig config, NDManager manager, ImageEncoder image, TextTransformer text,
            Map<String, NDArray> tensors, Map<String, TensorData> passThrough) {
        this.config = config;
        this.manager = manager;
        this.image = image;
        this.text = text;
        this.tensors = tensors;
        this.passThrough = passThrough;
    }

    /** Reads a checkpoint file or a model folder (any layout the inference loader reads: one folder policy). */
    public static TrainableClip load(Path fileOrFolder, Activation activation, String device) throws IOException {
        return of(io.clipkit.model.hub.ModelFolder.of(fileOrFolder).read().tensors(), activation, device);
    }

    /**
     * Builds the towers from state-dict tensors (OpenAI key names), every hyper-parameter inferred
     * from the shapes. Floating-point tensors become fp32 arrays; others (BatchNorm's
     * {@code num_batches_tracked}) are kept as they are for {@link #passThrough()}.
     */
    public static TrainableClip of(Map<String, TensorData> stateDict, Activation activation, String device) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, TensorData> other = new LinkedHashMap<>();
        Map<String, TensorData> floats = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : stateDict.entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
            (e.getValue().dtype().isFloating() ? floats : other).put(e.getKey(), e.getValue());
        }
        ModelConfig c = ModelConfig.infer(shapes);
        if (device == null || !device.matches("cpu|gpu(:\\d+)?")) {
            throw new IllegalArgumentException("bad device '" + device + "': use cpu, gpu or gpu:N");
        }
        Device d = ModelLoader.device(device);
        NDManager manager = Engines.pytorch().newBaseManager(d);
        try {
            Weights w = new Weights(floats, manager, DataType.FLOAT32);
            ImageEncoder image = c.vit() ? new VisionTransformer(w, c, activation) : new ModifiedResNet(w, c);
            TextTransformer text = new TextTransformer(w, c, activation);
            w.getFloat("logit_scale");
            Map<String, NDArray> all = new LinkedHashMap<>();
            for (String k : floats.keySet()) { // state-dict order; the towers asked for every tensor they use
                NDArray a = w.loaded().get(k);
                if (a != null) {
                    all.put(k, a);
                }
            }
            for (String k : floats.keySet()) {
                if (!all.containsKey(k)) {
                    other.put(k, floats.get(k)); // not used by the towers (e.g. a stray buffer): written back as read
                }
            }
            return new TrainableClip(c, manager, image, text, Collections.unmodifiableMap(all),
                    Collections.unmodifiableMap(other));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Every floating-point tensor the towers use, by state-dict key (parameters and BatchNorm statistics). */
    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /** Whether {@code key} is a BatchNorm running statistic: state, not a parameter. */
    public static boolean isBuffer(String key) {
        return key.endsWith(".running_mean") || key.endsWith(".running_var");
    }

    /** State-dict entries the towers do not use, to be written back unchanged. */
    public Map<String, TensorData> passThrough() {
        return passThrough;
    }

    /** The stored (log) logit scale, a scalar array. */
    public NDArray logitScale() {
        return tensors.get("logit_scale");
    }

    /** The weights' manager; per-step arrays belong in sub-managers of it. */
    public NDManager manager() {
        return manager;
    }

    /** Unnormalized image embeddings {@code [B,E]} of preprocessed images {@code [B,3,R,R]} (fp32). */
    public NDArray encodeImages(NDArray images) {
        return image.forward(images);
    }

    /** Unnormalized text embeddings {@code [B,E]} of padded id rows, in arrays of {@code m}. */
    public NDArray encodeTokens(NDManager m, int[][] tokens) {
        return text.forward(m, tokens, text.endPositions(tokens), DataType.FLOAT32);
    }

    /** Whether the image tower is a vision transformer (else CLIP's ResNet). */
    public boolean vit() {
        return config.vit();
    }

    public int embedDim() {
        return config.embedDim();
    }

    public int imageResolution() {
        return config.imageResolution();
    }

    public int visionWidth() {
        return config.visionWidth();
    }

    /** ViT layers, or 0 for a ResNet (see {@link #visionBlocks}). */
    public int visionLayers() {
        return config.vit() ? config.visionLayers() : 0;
    }

    /** Blocks per ResNet stage; empty for a ViT. */
    public List<Integer> visionBlocks() {
        return config.visionBlocks();
    }

    public int patchSize() {
        return config.patchSize();
    }

    public int contextLength() {
        return config.contextLength();
    }

    public int vocabSize() {
        return config.vocabSize();
    }

    public int textWidth() {
        return config.textWidth();
    }

    public int textHeads() {
        return config.textHeads();
    }

    public int textLayers() {
        return config.textLayers();
    }

    @Override
    public void close() {
        manager.close();
    }
}
