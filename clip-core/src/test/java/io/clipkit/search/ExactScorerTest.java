package io.clipkit.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExactScorerTest {
    static float[] unit(Random r, int dim) {
        float[] v = new float[dim];
        double s = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) r.nextGaussian();
            s += v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) {
            v[i] /= (float) Math.sqrt(s);
        }
        return v;
    }

    /** Brute force in fp32 vectors: the order exact search must reproduce. */
    static List<Scored> brute(Map<String, float[]> rows, float[] q, int k, float min, Set<String> gone) {
        List<Scored> all = new ArrayList<>();
        rows.forEach((p, v) -> {
            float s = ExactScorer.dot(q, v);
            if (s >= min && !gone.contains(p)) {
                all.add(new Scored(p, s));
            }
        });
        all.sort(ExactScorer.ORDER);
        return all.subList(0, Math.min(k, all.size()));
    }

    @Test
    void halfPrecisionCandidatesGiveTheFullPrecisionTopK() throws IOException {
        Random r = new Random(42);
        int dim = 64;
        Map<String, float[]> rows = new HashMap<>();
        ExactScorer.Builder b = new ExactScorer.Builder(dim);
        float[] centre = unit(r, dim);
        for (int i = 0; i < 9000; i++) {
            float[] v = unit(r, dim);
            if (i % 3 == 0) {
                // a dense cluster around the query direction: many near-ties that half precision reorders
                for (int d = 0; d < dim; d++) {
                    v[d] = centre[d] + 0.02f * v[d];
                }
                double s = 0;
                for (float x : v) {
                    s += x * x;
                }
                for (int d = 0; d < dim; d++) {
                    v[d] /= (float) Math.sqrt(s);
                }
            }
            String p = String.format("/p/%05d.jpg", i);
            rows.put(p, v);
            b.add(p, v);
        }
        ExactScorer sc = b.build();
        assertEquals(9000, sc.size());
        Set<String> gone = Set.of("/p/00000.jpg", "/p/00003.jpg", "/p/00006.jpg");
        for (int t = 0; t < 5; t++) {
            float[] q = t == 0 ? centre : unit(r, dim);
            for (int k : new int[] {1, 10, 100, 9000}) {
                for (float min : new float[] {-1f, 0.1f, 0.999f}) {
                    List<Scored> want = brute(rows, q, k, min, gone);
                    List<Scored> got = sc.top(q, k, min, rows::get, p -> !gone.contains(p));
                    assertEquals(want, got, "k=" + k + " min=" + min + " query " + t);
                }
            }
        }
    }

    @Test
    void emptyAndMismatched() throws IOException {
        ExactScorer sc = new ExactScorer.Builder(4).build();
        assertEquals(List.of(), sc.top(new float[] {1, 0, 0, 0}, 5, -1, p -> null, p -> true));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> sc.approximateScores(new float[3]));
    }
}
