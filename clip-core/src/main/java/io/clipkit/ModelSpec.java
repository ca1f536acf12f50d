package io.clipkit;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a model family needs besides its weights, owned by the loaded model: how text becomes
 * token ids, how an image becomes the encoder's input, how similarities become scores, and the
 * prompt templates its labels go through unless the caller gives others. OpenAI's checkpoints get
 * {@link #openai}; transformers and open_clip folders read theirs from their config files (an
 * open_clip folder may state its templates under {@code "clipkit": {"templates": [...]}}).
 *
 * <pre>{@code
 * ModelSpec spec = model.info().spec();
 * System.out.println(spec.image().describe());   // size=224;resize=shortest-crop;...
 * System.out.println(spec.templates());           // [a photo of a {}.]
 * }</pre>
 *
 * @param family where the layout came from: {@code openai}, {@code open_clip}, {@code transformers}
 * @param text tokenizer and context
 * @param image preprocessing
 * @param scoring how {@code cosine} becomes a score
 * @param templates the model's default prompt templates ({@link PromptTemplates#defaults()} unless
 *     its folder states others); classifiers and taggers use them when given none
 */
public record ModelSpec(String family, Text text, Image image, Scoring scoring, List<String> templates) {
    public ModelSpec {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(scoring, "scoring");
        templates = PromptTemplates.check(templates);
    }

    /** A spec with the default prompt templates ({@link PromptTemplates#defaults()}). */
    public ModelSpec(String family, Text text, Image image, Scoring scoring) {
        this(family, text, image, scoring, PromptTemplates.defaults());
    }

    /** The same spec with other default prompt templates (checked). */
    public ModelSpec withTemplates(List<String> newTemplates) {
        return new ModelSpec(family, text, image, scoring, newTemplates);
    }

    /** OpenAI's CLIP pipeline at the given input size, context and vocabulary size. */
    public static ModelSpec openai(int imageSize, int contextLength, int vocabSize, float logitScale) {
        return new ModelSpec("openai", Text.clip(contextLength, vocabSize), Image.openai(imageSize),
                Scoring.softmax(logitScale));
    }

    /**
     * The tokenizer side.
     *
     * @param tokenizer tokenizer kind: {@code clip-bpe} (CLIP's byte-pair encoding, with ftfy and
     *     HTML clean-up and lower-casing)
     * @param contextLength token positions of the text encoder
     * @param vocabSize token embedding rows
     * @param startId id put before the text
     * @param endId id put after the text; the text encoder pools at its first occurrence
     * @param padId id that fills the row after the end
     */
    public record Text(String tokenizer, int contextLength, int vocabSize, int startId, int endId, int padId) {
        public static final String CLIP_BPE = "clip-bpe";

        public Text {
            Objects.requireNonNull(tokenizer, "tokenizer");
            if (contextLength < 2) {
                throw new IllegalArgumentException("context length must be >= 2, got " + contextLength);
            }
        }

        /** CLIP's tokenizer: start 49406, end 49407, zero padding. */
        public static Text clip(int contextLength, int vocabSize) {
            return new Text(CLIP_BPE, contextLength, vocabSize, 49406, 49407, 0);
        }
    }

    /**
     * The image side.
     *
     * @param size input side in pixels (square)
     * @param resize how the image is brought to {@code size}
     * @param interpolation the resampling filter (Pillow's)
     * @param mean per-channel mean, RGB, in 0..1 units
     * @param std per-channel standard deviation, RGB
     * @param convertRgbFirst whether the image is converted to RGB before resizing (transformers'
     *     processor) or after the crop (OpenAI and open_clip)
     * @param crop how the center crop's offset is rounded
     */
    public record Image(int size, Resize resize, Interpolation interpolation, List<Float> mean, List<Float> std,
                        boolean convertRgbFirst, CropRounding crop) {
        public static final List<Float> OPENAI_MEAN = List.of(0.48145466f, 0.4578275f, 0.40821073f);
        public static final List<Float> OPENAI_STD = List.of(0.26862954f, 0.26130258f, 0.27577711f);

        public Image {
            if (size < 1 || size > 4096) {
                throw new IllegalArgumentException("image size must be in 1..4096, got " + size);
            }
            Objects.requireNonNull(resize, "resize");
            Objects.requireNonNull(interpolation, "interpolation");
            Objects.requireNonNull(crop, "crop");
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            if (mean.size() != 3 || std.size() != 3) {
                throw new IllegalArgumentException("mean and std need 3 values (RGB), got " + mean + " and " + std);
            }
            for (Float s : std) {
                if (!(s > 0f) || s.isInfinite()) {
                    throw new IllegalArgumentException("std values must be positive and finite, got " + std);
                }
            }
        }

        /** OpenAI's: shortest side to {@code size} (bicubic), center crop, RGB, OpenAI mean/std. */
        public static Image openai(int size) {
            return new Image(size, Resize.SHORTEST_EDGE_CROP, Interpolation.BICUBIC, OPENAI_MEAN, OPENAI_STD, false,
                    CropRounding.ROUND);
        }

        /** The same spec at another size. */
        public Image withSize(int newSize) {
            return new Image(newSize, resize, interpolation, mean, std, convertRgbFirst, crop);
        }

        /**
         * A stable one-line description; two specs with the same description give the same pixels.
         * The embedding index stores it to refuse embeddings made from other pixels.
         */
        public String describe() {
            return String.format(Locale.ROOT, "size=%d;resize=%s;interpolation=%s;mean=%s;std=%s;rgb=%s;crop=%s",
                    size, resize.key, interpolation.key, floats(mean), floats(std), convertRgbFirst ? "first" : "last",
                    crop.key);
        }

        private static String floats(List<Float> v) {
            StringBuilder b = new StringBuilder();
            for (Float f : v) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(Float.toString(f));
            }
            return b.toString();
        }
    }

    /** How the image is brought to the input size. */
    public enum Resize {
        /** Shortest side to the size (aspect kept), then a center crop: OpenAI, open_clip's default. */
        SHORTEST_EDGE_CROP("shortest-crop"),
        /** Both sides to the size (aspect not kept): open_clip's {@code squash}. */
        SQUASH("squash");

        final String key;

        Resize(String key) {
            this.key = key;
        }
    }

    /** Pillow's resampling filters, as torchvision and transformers use them. */
    public enum Interpolation {
        BICUBIC("bicubic"),
        BILINEAR("bilinear");

        final String key;

        Interpolation(String key) {
            this.key = key;
        }
    }

    /** How a center crop's offset is rounded when {@code (side - size)} is odd. */
    public enum CropRounding {
        /** torchvision's {@code CenterCrop}: {@code round((side - size) / 2)}, half to even. */
        ROUND("round"),
        /** transformers' {@code center_crop}: {@code (side - size) // 2}. */
        FLOOR("floor");

        final String key;

        CropRounding(String key) {
            this.key = key;
        }
    }

    /**
     * How a cosine becomes a score: {@code SOFTMAX} over the labels of {@code logitScale * cos}
     * (CLIP), or an independent {@code SIGMOID(logitScale * cos + logitBias)} per label (SigLIP).
     *
     * @param kind the function
     * @param logitScale the multiplier (CLIP: {@code exp(logit_scale)})
     * @param logitBias the offset (0 for softmax)
     */
    public record Scoring(Kind kind, float logitScale, float logitBias) {
        public enum Kind {
            SOFTMAX,
            SIGMOID
        }

        public Scoring {
            Objects.requireNonNull(kind, "kind");
            if (!Float.isFinite(logitScale) || !Float.isFinite(logitBias)) {
                throw new IllegalArgumentException("logit scale and bias must be finite, got " + logitScale + ", " + logitBias);
            }
        }

        public static Scoring softmax(float logitScale) {
            return new Scoring(Kind.SOFTMAX, logitScale, 0f);
        }
    }
}
