/**
 * clipkit's public API: CLIP zero-shot image classification on the JVM.
 *
 * <p>Load a model with {@link io.clipkit.ClipModel#builder()} (a registry name, a checkpoint file or
 * folder, or a classpath resource), classify with {@link io.clipkit.ZeroShotClassifier}, tag folders
 * with {@link io.clipkit.Tagger}. Results are immutable records ({@link io.clipkit.Classification},
 * {@link io.clipkit.LabelScore}, {@link io.clipkit.TagResult}, {@link io.clipkit.Provenance}); the
 * loaded model describes itself in {@link io.clipkit.ModelInfo} and {@link io.clipkit.ModelSpec}.
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").load();
 *      ZeroShotClassifier c = ZeroShotClassifier.builder().model(model).labels(List.of("cat", "dog")).build()) {
 *     Classification r = c.classify(Path.of("photo.jpg"));
 * }
 * }</pre>
 *
 * <p>Errors: {@link IllegalArgumentException} for a caller's mistake (the message names the value),
 * {@link java.io.IOException} at I/O boundaries (naming the file), {@link io.clipkit.ClipException}
 * for model and inference failures. Messages name this library's settings, not command-line flags.
 */
package io.clipkit;
