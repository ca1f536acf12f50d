package io.clipkit.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * The approximate index: Apache Lucene's HNSW graph over the same vectors, in a folder beside the
 * SQLite file ({@code <index>.hnsw}). Lucene's DOT_PRODUCT similarity on unit vectors is the
 * cosine, scored {@code (1 + cos) / 2}; the vectors it stores are fp32, so a hit's score is exact
 * (only which rows are found is approximate). The folder records the index generation and key it
 * was built from; a stale or foreign folder is ignored (exact search runs) and rebuilt by the next
 * update. Built into a temporary folder and renamed, so a crash never leaves half a graph.
 *
 * <p>Thread-safe: Lucene's searcher is.
 */
public final class Hnsw implements AutoCloseable {
    static final String FIELD = "v";
    static final String PATH = "path";
    static final String GENERATION = "clipkit.generation";
    static final String KEY = "clipkit.key";

    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final FSDirectory directory;

    private Hnsw(FSDirectory directory, DirectoryReader reader) {
        this.directory = directory;
        this.reader = reader;
        this.searcher = new IndexSearcher(reader);
    }

    /** Where the graph of an index file lives. */
    public static Path folderOf(Path indexFile) {
        return indexFile.resolveSibling(indexFile.getFileName() + ".hnsw");
    }

    /** The graph for this generation and key, or null if there is none or it is stale or unreadable. */
    public static Hnsw openIfCurrent(Path folder, long generation, String key) {
        if (generation < 0 || !Files.isDirectory(folder)) {
            return null;
        }
        FSDirectory dir = null;
        try {
            dir = FSDirectory.open(folder);
            if (!DirectoryReader.indexExists(dir)) {
                dir.close();
                return null;
            }
            DirectoryReader r = DirectoryReader.open(dir);
            Map<String, String> data = r.getIndexCommit().getUserData();
            if (!Long.toString(generation).equals(data.get(GENERATION)) || !key.equals(data.get(KEY))) {
                r.close();
                dir.close();
                return null;
            }
            return new Hnsw(dir, r);
        } catch (IOException | RuntimeException e) {
            try {
                if (dir != null) {
                    dir.close();
                }
            } catch (IOException ignored) {
                // it was unusable anyway
            }
            return null;
        }
    }

    /** Whether a current graph exists. */
    public static boolean isCurrent(Path folder, long generation, String key) {
        try (Hnsw h = openIfCurrent(folder, generation, key)) {
            return h != null;
        }
    }

    /** Feeds the rows to {@link #build}. */
    public interface Rows {
        void forEach(RowConsumer c) throws IOException;
    }

    /** One row for the graph. */
    public interface RowConsumer {
        void accept(String path, float[] vector) throws IOException;
    }

    /**
     * Builds the graph of these rows into {@code folder}, replacing what is there.
     *
     * @param ramBufferMb Lucene's indexing buffer: larger means fewer segments to search
     */
    public static void build(Path folder, long generation, String key, Rows rows, int ramBufferMb) throws IOException {
        Path parent = folder.toAbsolutePath().getParent();
        Path tmp = Files.createTempDirectory(parent, folder.getFileName() + ".tmp-");
        try {
            try (FSDirectory dir = FSDirectory.open(tmp)) {
                IndexWriterConfig cfg = new IndexWriterConfig().setRAMBufferSizeMB(ramBufferMb)
                        .setOpenMode(IndexWriterConfig.OpenMode.CREATE).setCommitOnClose(false);
                try (IndexWriter w = new IndexWriter(dir, cfg)) {
                    rows.forEach((path, v) -> {
                        Document d = new Document();
                        d.add(new StoredField(PATH, path));
                        d.add(new KnnFloatVectorField(FIELD, v, VectorSimilarityFunction.DOT_PRODUCT));
                        w.addDocument(d);
                    });
                    w.setLiveCommitData(Map.of(GENERATION, Long.toString(generation), KEY, key).entrySet());
                    w.commit();
                }
            }
            Path old = null;
            if (Files.exists(folder)) {
                old = Files.createTempDirectory(parent, folder.getFileName() + ".old-");
                Files.delete(old);
                Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            if (old != null) {
                deleteTree(old);
            }
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Removes a graph folder (e.g. when the index became too small to need one). */
    public static void delete(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            deleteTree(folder);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Documents in the graph. */
    public int size() {
        return reader.numDocs();
    }

    /**
     * The {@code k} nearest rows found by the graph, best first, scores as cosines.
     *
     * @param candidates the graph's search width ({@code >= k}); more is slower and finds more
     */
    public List<Scored> search(float[] q, int k, int candidates) throws IOException {
        KnnFloatVectorQuery query = new KnnFloatVectorQuery(FIELD, q, Math.max(k, candidates));
        TopDocs td = searcher.search(query, k);
        StoredFields fields = searcher.storedFields();
        List<Scored> out = new ArrayList<>(td.scoreDocs.length);
        for (ScoreDoc sd : td.scoreDocs) {
            String path = fields.document(sd.doc).get(PATH);
            out.add(new Scored(path, 2 * sd.score - 1));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            reader.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
