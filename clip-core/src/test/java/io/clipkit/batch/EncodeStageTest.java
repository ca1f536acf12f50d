package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one image batching point: batch sizes, order and pass-through items. */
class EncodeStageTest {
    /** Records the size of every encoder call. */
    static final class Sizes extends FakeClipModel {
        final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
            sizes.add(chw.size());
            return super.encodePreprocessed(chw, normalize);
        }
    }

    private static float[] pixels(int i) {
        float[] x = new float[3 * FakeClipModel.SIZE * FakeClipModel.SIZE];
        java.util.Arrays.fill(x, i / 100f);
        return x;
    }

    @Test
    void firstBatchesGrowToTheBatchSizeAndEveryItemArrivesInOrder() throws IOException {
        for (int calls : new int[] {1, 2}) {
            Sizes model = new Sizes();
            List<Integer> seen = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            try (EncodeStage<Integer> stage = new EncodeStage<>(model, 32, calls, (items, v) -> {
                seen.addAll(items);
                Collections.addAll(vectors, v);
            })) {
                for (int i = 0; i < 100; i++) {
                    stage.add(i, i == 50 ? null : pixels(i)); // item 50 has no pixels (a failed decode)
                }
                stage.finishAll();
            }
            // 4, 8, 16 while the encoder would otherwise wait for a full first batch, then full batches;
            // the last 7 as two calls (4 + 3), whatever the number of encoder calls
            List<Integer> sizes = new ArrayList<>(model.sizes);
            Collections.sort(sizes); // two calls at once may reach the model in either order
            assertEquals(List.of(3, 4, 4, 8, 16, 32, 32), sizes, "calls " + calls);
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(i);
            }
            assertEquals(all, seen, "every item once, in order");
            assertEquals(null, vectors.get(50));
            float[][] alone = new FakeClipModel().encodePreprocessed(List.of(pixels(99)), true);
            assertArrayEquals(alone[0], vectors.get(99), "the last item's own embedding");
        }
    }

    @Test
    void batchSizeOneEncodesOneAtATime() throws IOException {
        Sizes model = new Sizes();
        try (EncodeStage<Integer> stage = new EncodeStage<>(model, 1, 1, (items, v) -> { })) {
            for (int i = 0; i < 3; i++) {
                stage.add(i, pixels(i));
            }
            stage.finishAll();
        }
        assertEquals(List.of(1, 1, 1), model.sizes);
    }
}
