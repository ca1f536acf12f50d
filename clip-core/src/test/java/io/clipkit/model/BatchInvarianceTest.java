package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipModel;
import io.clipkit.DType;
import io.clipkit.ModelOptions;
import io.clipkit.engine.Engines;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An image's bf16/int8 embedding must not depend on what else is in its batch: each row of a
 * matrix product is computed from that row alone. (oneDNN 3.8's matmul with a run-time M got rows
 * of some M tails wrong once K was split into chunks: at ViT-B/32 size the MLP's {@code c_proj} and
 * the patch embedding, K = 3072, in bf16; K = 4096 and 5120 in int8.) Checked on the products
 * themselves, over every M up to 40 and the shapes of ViT-B and ViT-L, and end to end on a
 * ViT-B/32-shaped image tower (two blocks) with real photos.
 */
class BatchInvarianceTest {
    private static final StringBuilder REPORT = new StringBuilder();
    private static Checkpoint vitB32Shaped;
    private static List<float[]> photos;

    @BeforeAll
    static void build() throws Exception {
        vitB32Shaped = vitB32ShapedImageTower(2, 20261202L);
        photos = new ArrayList<>();
        try (ClipModel m = model(DType.FP32)) {
            for (BufferedImage img : photos()) {
                photos.add(m.preprocessor().preprocess(img));
            }
        }
    }

    /** Every row of a product equals that row computed alone, and the fp32 product to cosine 0.999. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "INT8"})
    void productRowsDoNotDependOnTheOtherRows(DType dtype) {
        ReducedPrecisionTest.assumeBf16(dtype);
        Dnnl.Kind kind = dtype == DType.BF16 ? Dnnl.Kind.BF16 : Dnnl.Kind.INT8;
        long[][] shapes = {{768, 3072}, {768, 768}, {1024, 4096}, {768, 5120}}; // {N, K}
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            for (long[] nk : shapes) {
                long n = nk[0];
                long k = nk[1];
                NDArray w = m.randomNormal(0f, 0.02f, new Shape(n, k), ai.djl.ndarray.types.DataType.FLOAT32);
                NDArray b = m.randomNormal(0f, 0.1f, new Shape(n), ai.djl.ndarray.types.DataType.FLOAT32);
                Dnnl.Weight pw = Dnnl.pack(w, b, false, m, kind, null);
                NDArray x = m.randomNormal(new Shape(40, k));
                float[] alone = new float[(int) (40 * n)];
                for (int r = 0; r < 40; r++) {
                    try (NDManager call = m.newSubManager()) {
                        NDArray row = x.get(r + ":" + (r + 1));
                        row.tempAttach(call);
                        System.arraycopy(Dnnl.linear(row, pw).toFloatArray(), 0, alone, (int) (r * n), (int) n);
                    }
                }
                float[] fp32 = Nn.torchLinear(x, w, b).toFloatArray();
                double worstVsFp32 = 1;
                for (int rows = 1; rows <= 40; rows++) {
                    try (NDManager call = m.newSubManager()) {
                        NDArray xs = x.get(":" + rows);
                        xs.tempAttach(call);
                        float[] got = Dnnl.linear(xs, pw).toFloatArray();
                        for (int r = 0; r < rows; r++) {
                            float[] g = java.util.Arrays.copyOfRange(got, (int) (r * n), (int) ((r + 1) * n));
                            float[] a = java.util.Arrays.copyOfRange(alone, (int) (r * n), (int) ((r + 1) * n));
                            float[] f = java.util.Arrays.copyOfRange(fp32, (int) (r * n), (int) ((r + 1) * n));
                            Fidelity vsAlone = Fidelity.of(g, a);
                            assertTrue(vsAlone.maxAbsOverNorm() < 1e-4, dtype + " " + n + "x" + k + ": row " + r + " of M="
                                    + rows + " differs from the row alone: " + vsAlone);
                            worstVsFp32 = Math.min(worstVsFp32, Fidelity.of(g, f).cosine());
                        }
                    }
                }
                synchronized (REPORT) {
                    REPORT.append(String.format("%s product %dx%d, M=1..40: worst row cosine to fp32 %.6f%n", dtype, n, k,
                            worstVsFp32));
                }
                assertTrue(worstVsFp32 >= 0.999, dtype + " " + n + "x" + k + ": cosine " + worstVsFp32);
            }
        }
    }

    /**
     * The same photo alone, twice in one batch, and among 2 and 4 others gives one embedding (cosine
     * 0.99999 between copies), within cosine 0.999 of fp32.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "INT8"})
    void samePhotoGivesOneEmbeddingInAnyBatch(DType dtype) throws Exception {
        ReducedPrecisionTest.assumeBf16(dtype);
        float[][] fp32;
        try (ClipModel m = model(DType.FP32)) {
            fp32 = m.encodePreprocessed(photos, false);
        }
        try (ClipModel m = model(dtype)) {
            assertEquals(dtype, m.info().dtype());
            float[][] alone = new float[photos.size()][];
            for (int i = 0; i < photos.size(); i++) {
                alone[i] = m.encodePreprocessed(List.of(photos.get(i)), false)[0];
            }
            double worstCopies = 1;
            double worstVsFp32 = 1;
            int[][] batches = {{0, 0}, {0, 1, 2}, {1, 0, 1}, {0, 1, 2, 3, 4}, {4, 0, 0, 3, 0}};
            for (int[] batch : batches) {
                List<float[]> in = new ArrayList<>();
                for (int i : batch) {
                    in.add(photos.get(i));
                }
                float[][] got = m.encodePreprocessed(in, false);
                for (int j = 0; j < batch.length; j++) {
                    int photo = batch[j];
                    double copies = Fidelity.of(got[j], alone[photo]).cosine();
                    double vsFp32 = Fidelity.of(got[j], fp32[photo]).cosine();
                    worstCopies = Math.min(worstCopies, copies);
                    worstVsFp32 = Math.min(worstVsFp32, Math.min(vsFp32, Fidelity.of(alone[photo], fp32[photo]).cosine()));
                    String where = dtype + " photo " + photo + " at " + j + " of batch " + java.util.Arrays.toString(batch);
                    assertTrue(copies >= 0.99999, where + ": cosine " + copies + " to the photo encoded alone");
                    assertTrue(vsFp32 >= 0.999, where + ": cosine " + vsFp32 + " to fp32");
                }
            }
            synchronized (REPORT) {
                REPORT.append(String.format("%s ViT-B/32-shaped image tower, 5 photos in 6 batch compositions: worst cosine "
                        + "between copies %.7f, to fp32 %.6f%n", dtype, worstCopies, worstVsFp32));
            }
        }
    }

    @AfterAll
    static void print() {
        System.out.print("bf16/int8 batch invariance:\n" + REPORT);
    }

    private static ClipModel model(DType dtype) {
        return ModelLoader.build(vitB32Shaped, null, "vit-b32-shaped", ModelOptions.builder().dtype(dtype).build());
    }

    /** Real photos and variants of them (mirrored, turned): image-like inputs, not noise. */
    private static List<BufferedImage> photos() throws Exception {
        Path dir = TestFiles.root().resolve("examples/images");
        BufferedImage rocket = ImageIO.read(dir.resolve("rocket.jpg").toFile());
        BufferedImage camera = ImageIO.read(dir.resolve("camera.png").toFile());
        return List.of(rocket, camera, mirrored(rocket), mirrored(camera), turned(rocket));
    }

    private static BufferedImage mirrored(BufferedImage img) {
        AffineTransform t = AffineTransform.getScaleInstance(-1, 1);
        t.translate(-img.getWidth(), 0);
        return new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(img, null);
    }

    private static BufferedImage turned(BufferedImage img) {
        AffineTransform t = AffineTransform.getRotateInstance(Math.PI, img.getWidth() / 2.0, img.getHeight() / 2.0);
        return new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(img, null);
    }

    /**
     * The text fixture model {@code vit-p32-r64} with its image tower replaced by a random one of
     * ViT-B/32's shapes (width 768, 12 heads, patch 32, 224 pixels: 50 tokens, MLP 3072) and
     * {@code layers} blocks: the products and M of ViT-B/32's, in a few seconds.
     */
    static Checkpoint vitB32ShapedImageTower(int layers, long seed) throws Exception {
        Checkpoint small = Checkpoint.read(TestFiles.fixture("models/vit-p32-r64/model.pt"));
        Random rnd = new Random(seed);
        int width = 768;
        int embed = (int) small.require("text_projection").shape()[1];
        Map<String, TensorData> t = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : small.tensors().entrySet()) {
            if (!e.getKey().startsWith("visual.")) {
                t.put(e.getKey(), e.getValue());
            }
        }
        float scale = (float) Math.pow(width, -0.5);
        put(t, rnd, "visual.conv1.weight", 0.02f, 0, width, 3, 32, 32);
        put(t, rnd, "visual.class_embedding", scale, 0, width);
        put(t, rnd, "visual.positional_embedding", scale, 0, 50, width);
        put(t, rnd, "visual.ln_pre.weight", 0.05f, 1, width);
        put(t, rnd, "visual.ln_pre.bias", 0.05f, 0, width);
        for (int i = 0; i < layers; i++) {
            String p = "visual.transformer.resblocks." + i + ".";
            put(t, rnd, p + "attn.in_proj_weight", scale, 0, 3 * width, width);
            put(t, rnd, p + "attn.in_proj_bias", 0.02f, 0, 3 * width);
            put(t, rnd, p + "attn.out_proj.weight", scale, 0, width, width);
            put(t, rnd, p + "attn.out_proj.bias", 0.02f, 0, width);
            put(t, rnd, p + "ln_1.weight", 0.05f, 1, width);
            put(t, rnd, p + "ln_1.bias", 0.05f, 0, width);
            put(t, rnd, p + "mlp.c_fc.weight", scale, 0, 4 * width, width);
            put(t, rnd, p + "mlp.c_fc.bias", 0.02f, 0, 4 * width);
            put(t, rnd, p + "mlp.c_proj.weight", (float) Math.pow(4 * width, -0.5), 0, width, 4 * width);
            put(t, rnd, p + "mlp.c_proj.bias", 0.02f, 0, width);
            put(t, rnd, p + "ln_2.weight", 0.05f, 1, width);
            put(t, rnd, p + "ln_2.bias", 0.05f, 0, width);
        }
        put(t, rnd, "visual.ln_post.weight", 0.05f, 1, width);
        put(t, rnd, "visual.ln_post.bias", 0.05f, 0, width);
        put(t, rnd, "visual.proj", scale, 0, width, embed);
        Map<String, Object> scalars = new LinkedHashMap<>(small.scalars());
        scalars.put("input_resolution", 224L);
        return new Checkpoint(Checkpoint.SAFETENSORS, t, scalars, "vit-b32-shaped-" + layers + "-" + seed);
    }

    /** A tensor of normal values: mean {@code mean}, deviation {@code std}. */
    private static void put(Map<String, TensorData> t, Random rnd, String name, float std, float mean, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            b.putFloat(mean + std * (float) rnd.nextGaussian());
        }
        b.flip();
        t.put(name, new TensorData(name, shape, TensorData.Dtype.F32, b));
    }
}
