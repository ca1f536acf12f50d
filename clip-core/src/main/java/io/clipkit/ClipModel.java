package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded CLIP model: an image encoder and a text encoder sharing one embedding space.
 * Thread-safe; every call works in its own native memory scope, so no native array outlives it.
 * Close it to free the weights.
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.load(Path.of("ViT-B-32.pt"), ModelOptions.defaults())) {
 *     float[][] img = model.encodeImages(List.of(Path.of("cat.jpg")));
 *     float[][] txt = model.encodeTexts(List.of("a photo of a cat."));
 * }
 * }</pre>
 */
public interface ClipModel extends AutoCloseable {

    /**
     * Loads a checkpoint (OpenAI TorchScript archive, torch.save state dict, or safetensors; chosen
     * by content). Hyper-parameters are inferred from the tensor shapes.
     *
     * @throws IOException if the file cannot be read
     * @throws ClipException if it is not a CLIP checkpoint this library understands
     */
    static ClipModel load(Path checkpoint, ModelOptions options) throws IOException {
        return io.clipkit.model.ModelLoader.load(checkpoint, options);
    }

    /** What was inferred from the checkpoint, and where it runs. */
    ModelInfo info();

    /** The tokenizer, at this model's context length. */
    ClipTokenizer tokenizer();

    /** The image pipeline at this model's input resolution (EXIF rotation on). */
    ImagePreprocessor preprocessor();

    /** The exponential of the stored {@code logit_scale}. */
    float logitScale();

    /** Embeds image files; L2-normalized. Batched internally. */
    float[][] encodeImages(List<Path> images) throws IOException;

    /**
     * Embeds images already in memory (no EXIF rotation: they carry none); L2-normalized. Batched
     * internally.
     */
    default float[][] encodeBufferedImages(List<java.awt.image.BufferedImage> images) {
        ImagePreprocessor p = preprocessor();
        List<float[]> chw = new java.util.ArrayList<>(images.size());
        for (java.awt.image.BufferedImage image : images) {
            chw.add(p.preprocess(image));
        }
        return encodePreprocessed(chw, true);
    }

    /**
     * Embeds already preprocessed images, each a CHW float array of
     * {@code 3 x info().imageResolution()^2} values.
     */
    float[][] encodePreprocessed(List<float[]> chw, boolean normalize);

    /** Embeds texts (tokenized at the model's context length, too long is an error); L2-normalized. */
    default float[][] encodeTexts(List<String> texts) {
        return encodeTexts(texts, true);
    }

    float[][] encodeTexts(List<String> texts, boolean normalize);

    /** Embeds token id rows ({@code [n][contextLength]}, padded) as given. */
    float[][] encodeTokens(int[][] tokens, boolean normalize);

    @Override
    void close();
}
