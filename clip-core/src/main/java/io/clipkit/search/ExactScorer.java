package io.clipkit.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Every indexed vector in memory as IEEE half floats, in blocks of about {@value #BLOCK_BYTES}
 * bytes (1M x 512 takes 1 GiB, half of fp32). Small blocks on purpose: G1 allocates an array of
 * half a region or more as a "humongous" object rounded up to whole regions, and 4 MB blocks cost
 * twice their size on an 8 GB heap (measured: 2 GB of heap for 1 GB of vectors). A query is one pass of dot
 * products over the blocks, in parallel; half precision moves each score by at most
 * {@link #HALF_ERROR} (|q.(v - half(v))| <= 2^-11 |q||v| for unit vectors, plus summation), so the
 * rows within twice that of the k-th best are re-scored from their fp32 vectors and the reported
 * scores and order are those of full precision.
 *
 * <p>Immutable once built; {@link #top} may run from many threads at once.
 */
public final class ExactScorer {
    static final int BLOCK_BYTES = 1 << 17;
    /** Bound on |half-precision score - fp32 score| for unit vectors (2^-11 rounding + slack). */
    static final float HALF_ERROR = 0x1p-10f;

    private final int dim;
    private final int size;
    private final int block;
    private final String[] paths;
    private final short[][] blocks;

    private ExactScorer(int dim, int size, String[] paths, short[][] blocks) {
        this.dim = dim;
        this.block = rowsPerBlock(dim);
        this.size = size;
        this.paths = paths;
        this.blocks = blocks;
    }

    static int rowsPerBlock(int dim) {
        return Math.max(16, BLOCK_BYTES / 2 / dim);
    }

    /** Collects rows for a scorer. Not thread-safe. */
    public static final class Builder {
        private final int dim;
        private final int block;
        private final List<String> paths = new ArrayList<>();
        private final List<short[]> blocks = new ArrayList<>();
        private int n;

        public Builder(int dim) {
            this.dim = dim;
            this.block = rowsPerBlock(dim);
        }

        public Builder add(String path, float[] vector) {
            if (vector.length != dim) {
                throw new IllegalArgumentException("vector of " + vector.length + " values, expected " + dim);
            }
            int at = n % block;
            if (at == 0) {
                blocks.add(new short[block * dim]);
            }
            short[] b = blocks.get(blocks.size() - 1);
            for (int d = 0; d < dim; d++) {
                b[at * dim + d] = Half.fromFloat(vector[d]);
            }
            paths.add(path);
            n++;
            return this;
        }

        public ExactScorer build() {
            return new ExactScorer(dim, n, paths.toArray(new String[0]), blocks.toArray(new short[0][]));
        }
    }

    public int size() {
        return size;
    }

    public int dim() {
        return dim;
    }

    /** Bytes of vector storage (for the benchmark's memory figure). */
    public long vectorBytes() {
        return (long) blocks.length * block * dim * 2;
    }

    /** Half-precision scores of every row, in row order. */
    public float[] approximateScores(float[] q) {
        if (q.length != dim) {
            throw new IllegalArgumentException("query of " + q.length + " values, index holds " + dim);
        }
        float[] out = new float[size];
        IntStream.range(0, blocks.length).parallel().forEach(bi -> scoreBlock(q, bi, out));
        return out;
    }

    private void scoreBlock(float[] q, int bi, float[] out) {
        short[] b = blocks[bi];
        int rows = Math.min(block, size - bi * block);
        int base = bi * block;
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            // Four partial sums: independent chains the CPU overlaps.
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int d = 0;
            for (; d + 3 < dim; d += 4) {
                s0 += q[d] * Half.toFloat(b[off + d]);
                s1 += q[d + 1] * Half.toFloat(b[off + d + 1]);
                s2 += q[d + 2] * Half.toFloat(b[off + d + 2]);
                s3 += q[d + 3] * Half.toFloat(b[off + d + 3]);
            }
            for (; d < dim; d++) {
                s0 += q[d] * Half.toFloat(b[off + d]);
            }
            out[base + r] = (s0 + s1) + (s2 + s3);
        }
    }

    /** The fp32 vector of a row, for re-scoring. */
    public interface VectorSource {
        float[] vector(String path) throws IOException;
    }

    /**
     * The best rows at or above {@code minScore}, best first, in full precision, leaving out rows
     * {@code keep} rejects (files that are gone). Rows tie-broken by path.
     *
     * @param k at most this many
     */
    public List<Scored> top(float[] q, int k, float minScore, VectorSource exact, Predicate<String> keep) throws IOException {
        float[] approx = approximateScores(q);
        if (size == 0) {
            return List.of();
        }
        int want = Math.min(size, k);
        while (true) {
            // The want-th best half-precision score: no row below it minus the error bound can beat
            // a row scored at it plus the bound.
            float kth = kthLargest(approx, want);
            float floor = kth - 2 * HALF_ERROR;
            float sure = Math.max(kth - HALF_ERROR, Float.NEGATIVE_INFINITY);
            List<Scored> found = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                if (approx[i] >= floor && approx[i] + HALF_ERROR >= minScore && keep.test(paths[i])) {
                    float[] v = exact.vector(paths[i]);
                    if (v == null) {
                        continue; // removed since the snapshot was taken
                    }
                    float s = dot(q, v);
                    if (s >= minScore) {
                        found.add(new Scored(paths[i], s));
                    }
                }
            }
            found.sort(ORDER);
            long certain = found.stream().filter(s -> s.score() >= sure).count();
            // Done when k rows are certain, or everything was considered, or the floor is below the
            // minimum score (nothing outside the candidates can reach it).
            if (certain >= k || want >= size || sure <= minScore) {
                List<Scored> out = new ArrayList<>();
                for (Scored s : found) {
                    if (out.size() == k || (s.score() < sure && want < size && sure > minScore)) {
                        break;
                    }
                    out.add(s);
                }
                return out;
            }
            want = (int) Math.min(size, 2L * want + 16);
        }
    }

    /** Best first; equal scores by path, so the order is the same on every run. */
    public static final java.util.Comparator<Scored> ORDER =
            java.util.Comparator.comparingDouble((Scored s) -> -s.score()).thenComparing(Scored::path);

    static float kthLargest(float[] a, int k) {
        // A min-heap of the k largest: O(n log k), no copy of the scores.
        java.util.PriorityQueue<Float> heap = new java.util.PriorityQueue<>(k);
        float min = Float.NEGATIVE_INFINITY;
        for (float x : a) {
            if (heap.size() < k) {
                heap.add(x);
                if (heap.size() == k) {
                    min = heap.peek();
                }
            } else if (x > min) {
                heap.poll();
                heap.add(x);
                min = heap.peek();
            }
        }
        return heap.isEmpty() ? Float.NEGATIVE_INFINITY : heap.peek();
    }

    /** The fp32 dot product, summed in index order as numpy's float32 matmul of one row rounds closest to. */
    public static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    /** For tests: the paths in row order. */
    List<String> paths() {
        return Arrays.asList(paths);
    }
}
