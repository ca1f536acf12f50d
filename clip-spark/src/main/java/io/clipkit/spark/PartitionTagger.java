package io.clipkit.spark;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.LabelScore;
import io.clipkit.ModelInfo;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.batch.ByteTriage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * Tags one partition: reads each file's bytes (from the row's {@code content}, else from its path
 * through Hadoop's FileSystem), decodes it with clip tag's decode stage, encodes the good ones in
 * batches with the executor's shared model, ranks them with the shared classifier and emits one row
 * per input row, in order. A bad file becomes an error row; only a model that cannot load (or an
 * encoder failure) fails the task.
 */
final class PartitionTagger implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Beyond this a file is not read into one Java array (the same limit as the decoder's). */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private final JobSettings s;
    private final int pathCol;
    private final int contentCol;
    private final int lengthCol;
    private final int mtimeCol;
    private final LongAccumulator ok;
    private final LongAccumulator failed;

    /** Column indexes of the input rows ({@code -1}: absent). */
    PartitionTagger(JobSettings s, int pathCol, int contentCol, int lengthCol, int mtimeCol, LongAccumulator ok,
            LongAccumulator failed) {
        this.s = s;
        this.pathCol = pathCol;
        this.contentCol = contentCol;
        this.lengthCol = lengthCol;
        this.mtimeCol = mtimeCol;
        this.ok = ok;
        this.failed = failed;
    }

    /** One input file on its way through the batch. */
    private static final class Entry {
        final String path;
        long size = -1;
        String mtime = "";
        String status = "ok";
        String error;
        float[] chw;
        float[] embedding;
        List<LabelScore> labels = List.of();

        Entry(String path) {
            this.path = path;
        }

        void fail(String status, String reason) {
            this.status = status;
            this.error = reason;
            this.chw = null;
        }
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        ClipModel model = ExecutorModels.model(s.model());
        ZeroShotClassifier classifier = s.classify()
                ? ExecutorModels.classifier(s.model(), s.labels(), s.templates(), s.topK(), s.minScore()) : null;
        ModelInfo info = model.info();
        int batch = s.model().batchSize();
        return new Iterator<>() {
            private final ArrayDeque<Row> out = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (out.isEmpty() && input.hasNext()) {
                    fill();
                }
                return !out.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return out.poll();
            }

            /** Decodes up to a batch of good images (and the bad ones among them), encodes, ranks, emits. */
            private void fill() {
                List<Entry> entries = new ArrayList<>();
                List<float[]> chws = new ArrayList<>();
                // As tag: a batch closes at B images, or at 4B entries when most are bad (records keep flowing).
                while (input.hasNext() && chws.size() < batch && entries.size() < 4 * batch) {
                    Entry e = prepare(input.next(), model);
                    entries.add(e);
                    if (e.chw != null) {
                        chws.add(e.chw);
                    }
                }
                if (!chws.isEmpty()) {
                    float[][] vectors = model.encodePreprocessed(chws, true);
                    List<Classification> ranked = classifier != null ? classifier.classifyEmbeddings(vectors) : null;
                    int i = 0;
                    for (Entry e : entries) {
                        if (e.chw != null) {
                            e.embedding = vectors[i];
                            if (ranked != null) {
                                e.labels = ranked.get(i).labels();
                            }
                            e.chw = null;
                            i++;
                        }
                    }
                }
                for (Entry e : entries) {
                    (e.error == null ? ok : failed).add(1);
                    out.add(toRow(e, info));
                }
            }
        };
    }

    /** Reads and decodes one file; never throws for a bad file. */
    private Entry prepare(Row row, ClipModel model) {
        Entry e = new Entry(row.getString(pathCol));
        if (lengthCol >= 0 && !row.isNullAt(lengthCol)) {
            e.size = row.getLong(lengthCol);
        }
        if (mtimeCol >= 0 && !row.isNullAt(mtimeCol)) {
            e.mtime = row.getTimestamp(mtimeCol).toInstant().toString();
        }
        byte[] bytes;
        try {
            bytes = contentCol >= 0 && !row.isNullAt(contentCol) ? (byte[]) row.get(contentCol) : read(e);
        } catch (FileNotFoundException ex) {
            e.fail("error", "no such file");
            return e;
        } catch (IOException | RuntimeException | OutOfMemoryError ex) {
            e.fail("error", ByteTriage.reason(ex));
            return e;
        }
        if (bytes == null) {
            return e; // skipped: the reason is set
        }
        try {
            e.chw = ByteTriage.preprocess(model.preprocessor(), bytes, e.path);
        } catch (ImageDecodeException ex) {
            e.fail("error", ex.reason());
        }
        return e;
    }

    /** The file's bytes through Hadoop (local, HDFS, S3, ...); null when it is not a file to tag. */
    private byte[] read(Entry e) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(e.path);
        FileSystem fs = p.getFileSystem(s.hadoop().get());
        FileStatus st = fs.getFileStatus(p);
        e.mtime = java.time.Instant.ofEpochMilli(st.getModificationTime()).toString();
        if (st.isDirectory()) {
            e.fail("skipped", "is a folder, not an image");
            return null;
        }
        e.size = st.getLen();
        if (e.size > MAX_FILE_BYTES) {
            e.fail("error", "file too large (" + e.size + " bytes)");
            return null;
        }
        byte[] b = new byte[(int) e.size];
        try (InputStream in = fs.open(p)) {
            int n = in.readNBytes(b, 0, b.length);
            if (n != b.length) {
                throw new java.io.EOFException();
            }
        }
        return b;
    }

    private Row toRow(Entry e, ModelInfo info) {
        List<String> labels = new ArrayList<>(e.labels.size());
        List<Float> probs = new ArrayList<>(e.labels.size());
        List<Float> cosines = new ArrayList<>(e.labels.size());
        for (LabelScore l : e.labels) {
            labels.add(l.label());
            probs.add(l.probability());
            cosines.add(l.cosine());
        }
        Object embedding = null;
        if (s.embeddings() && e.embedding != null) {
            List<Float> v = new ArrayList<>(e.embedding.length);
            for (float x : e.embedding) {
                v.add(x);
            }
            embedding = seq(v);
        }
        return RowFactory.create(e.path, e.status, e.size, e.mtime, seq(labels), seq(probs), seq(cosines), embedding,
                e.error, info.name(), info.checkpointSha256());
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list).toList();
    }
}
