package io.clipkit;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a result came from: enough to reproduce it. Built once from the model's {@link ModelInfo}
 * ({@link #of}) and written the same way by every output (classify's JSON, tag records, the
 * summary).
 *
 * <pre>{@code
 * Provenance p = Provenance.of(model.info(), model.info().spec().templates());
 * System.out.println(p.model() + " " + p.checkpointSha256() + " " + p.preprocessing());
 * }</pre>
 *
 * @param model model name (registry name or file name)
 * @param checkpointSha256 SHA-256 of the checkpoint file
 * @param activation the MLP activation the model ran with
 * @param dtype the compute type
 * @param device device the model ran on
 * @param kernel the kernels of the encoders' matrix products ({@link ModelInfo#kernel()})
 * @param preprocessing the image preprocessing spec ({@link ModelSpec.Image#describe()})
 * @param vocabularySha256 SHA-256 of the tokenizer's vocabulary file
 * @param clipkitVersion the clipkit version that produced the result
 * @param templates prompt templates whose embeddings were averaged per label
 * @param scoring how cosines became scores (softmax or sigmoid, scale and bias)
 * @param fallbackFor the model {@code model} stood in for ({@link ModelInfo#fallbackFor()}), or empty
 */
public record Provenance(String model, String checkpointSha256, Activation activation, DType dtype, String device,
        String kernel, String preprocessing, String vocabularySha256, String clipkitVersion, List<String> templates,
        ModelSpec.Scoring scoring, String fallbackFor) {
    private static final String VERSION = readVersion();

    public Provenance {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(checkpointSha256, "checkpointSha256");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(vocabularySha256, "vocabularySha256");
        Objects.requireNonNull(clipkitVersion, "clipkitVersion");
        Objects.requireNonNull(scoring, "scoring");
        Objects.requireNonNull(fallbackFor, "fallbackFor");
        templates = List.copyOf(templates);
    }

    /** The provenance of results of {@code info}'s model with these prompt templates. */
    public static Provenance of(ModelInfo info, List<String> templates) {
        return new Provenance(info.name(), info.checkpointSha256(), info.activation(), info.dtype(), info.device(), info.kernel(),
                info.spec().image().describe(), info.vocabularySha256(), currentVersion(), templates, info.spec().scoring(),
                info.fallbackFor());
    }

    /** The multiplier of the cosines (CLIP: {@code exp(logit_scale)}). */
    public float logitScale() {
        return scoring.logitScale();
    }

    /** This clipkit's version ({@code unknown} when run from classes without the build's resources). */
    public static String currentVersion() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = Provenance.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
