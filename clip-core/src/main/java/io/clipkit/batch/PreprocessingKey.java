package io.clipkit.batch;

import io.clipkit.ClipModel;
import io.clipkit.ModelSpec;

/**
 * The one description of how pixels were made, stored in the embedding index (an index made
 * with another one is refused: its embeddings came from other pixels) and in every tag record:
 * the model family's image spec ({@link ModelSpec.Image#describe()}) at the preprocessor's size,
 * plus the flags that change pixels but are not part of the spec. OpenAI's pipeline keeps the
 * wave-1 spelling {@code size=224;exif=true}, so indexes made before the family spec existed
 * stay valid. Internal; {@link io.clipkit.EmbeddingIndex.Key} spells keys through it.
 */
public final class PreprocessingKey {
    private PreprocessingKey() {}

    /** The key for {@code model}'s image spec at {@code size}, with EXIF rotation on or off. */
    public static String of(ClipModel model, int size, boolean exifRotate) {
        return of(imageSpec(model).withSize(size), exifRotate);
    }

    /** The same for a pipeline that decodes JPEGs reduced ({@code fast}): {@code ;decode=fast} appended. */
    public static String of(ClipModel model, int size, boolean exifRotate, boolean fast) {
        return of(model, size, exifRotate) + (fast ? ";decode=fast" : "");
    }

    /** The key for an image spec, with EXIF rotation on or off. */
    public static String of(ModelSpec.Image image, boolean exifRotate) {
        String spec = image.equals(ModelSpec.Image.openai(image.size())) ? "size=" + image.size() : image.describe();
        return spec + ";exif=" + exifRotate;
    }

    static ModelSpec.Image imageSpec(ClipModel model) {
        return model.info().spec().image();
    }
}
