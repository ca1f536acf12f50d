package io.clipkit;

import java.util.List;

/**
 * What a checkpoint holds, inferred from its tensor shapes, plus provenance.
 *
 * <pre>{@code
 * ModelInfo i = model.info();
 * System.out.println(i.architecture() + " " + i.imageResolution() + "px, sha256 " + i.checkpointSha256());
 * System.out.println(i.spec().image().describe());
 * }</pre>
 *
 * @param name model name (registry name or file name)
 * @param architecture {@code "vit"} or {@code "resnet"}
 * @param embedDim joint embedding size
 * @param imageResolution input side in pixels
 * @param visionWidth vision transformer width, or ResNet stem width
 * @param visionLayers transformer layers (ViT), or blocks per stage summed (ResNet)
 * @param visionBlocks blocks per ResNet stage (empty for ViT)
 * @param visionHeads attention heads of the vision tower
 * @param patchSize ViT patch size (0 for ResNet)
 * @param textWidth text transformer width
 * @param textLayers text transformer layers
 * @param textHeads text attention heads
 * @param contextLength text context length
 * @param vocabSize token embedding rows
 * @param activation MLP activation used
 * @param format checkpoint format ({@code torchscript}, {@code state-dict}, {@code safetensors})
 * @param checkpointSha256 SHA-256 of the checkpoint file
 * @param device DJL device it runs on
 * @param dtype compute type
 * @param spec the model family's tokenizer, image preprocessing and scoring
 * @param vocabularySha256 SHA-256 of the vocabulary file the tokenizer reads (CLIP's bundled one unless
 *     the model folder or the caller gives another)
 * @param fallbackFor the model this one stands in for, when the loader was allowed to fall back to
 *     the bundled model and the asked-for one could not be had
 *     ({@code ClipModel.Builder.fallbackToBundled}); empty otherwise
 * @param kernel which kernels compute the encoders' matrix products: {@code openblas} (fp32 on
 *     CPU), {@code onednn:IMPL} (bf16 or int8 on CPU, oneDNN's matmul implementation, e.g.
 *     {@code onednn:brg_matmul:avx10_1_512_amx}) or {@code libtorch}
 */
public record ModelInfo(
        String name,
        String architecture,
        int embedDim,
        int imageResolution,
        int visionWidth,
        int visionLayers,
        List<Integer> visionBlocks,
        int visionHeads,
        int patchSize,
        int textWidth,
        int textLayers,
        int textHeads,
        int contextLength,
        int vocabSize,
        Activation activation,
        String format,
        String checkpointSha256,
        String device,
        DType dtype,
        ModelSpec spec,
        String vocabularySha256,
        String fallbackFor,
        String kernel) {
    public ModelInfo {
        visionBlocks = List.copyOf(visionBlocks);
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.Objects.requireNonNull(vocabularySha256, "vocabularySha256");
        java.util.Objects.requireNonNull(fallbackFor, "fallbackFor");
        java.util.Objects.requireNonNull(kernel, "kernel");
    }

    /** The info of a model loaded as asked (no {@link #fallbackFor()}), its kernel not named ({@code libtorch}: stand-ins). */
    public ModelInfo(String name, String architecture, int embedDim, int imageResolution, int visionWidth,
                     int visionLayers, List<Integer> visionBlocks, int visionHeads, int patchSize, int textWidth,
                     int textLayers, int textHeads, int contextLength, int vocabSize, Activation activation,
                     String format, String checkpointSha256, String device, DType dtype, ModelSpec spec,
                     String vocabularySha256) {
        this(name, architecture, embedDim, imageResolution, visionWidth, visionLayers, visionBlocks, visionHeads,
                patchSize, textWidth, textLayers, textHeads, contextLength, vocabSize, activation, format,
                checkpointSha256, device, dtype, spec, vocabularySha256, "", "libtorch");
    }

    /** The same info, marked as standing in for {@code model} (see {@link #fallbackFor()}). */
    public ModelInfo asFallbackFor(String model) {
        return new ModelInfo(name, architecture, embedDim, imageResolution, visionWidth, visionLayers, visionBlocks,
                visionHeads, patchSize, textWidth, textLayers, textHeads, contextLength, vocabSize, activation, format,
                checkpointSha256, device, dtype, spec, vocabularySha256, model, kernel);
    }
}
