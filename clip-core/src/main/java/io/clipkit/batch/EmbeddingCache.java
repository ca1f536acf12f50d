package io.clipkit.batch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image embeddings of one model in a single SQLite file (xerial sqlite-jdbc: embedded, one file,
 * crash-safe transactions, WAL for concurrent readers). Keyed by content hash (SHA-256 of the file
 * bytes, so a moved or copied photo is found again, and a collision cannot silently give another
 * photo's tags; with SHA extensions it runs at GB/s, far below decoding cost) and by absolute path +
 * size + mtime, a fast check that needs no read at all.
 *
 * <p>The file records its format, the model's checkpoint SHA-256, the embedding size and the
 * preprocessing settings; opening a file that is not such an index, or one made for another model,
 * is an {@link IOException} and the file is left exactly as it was. Thread-safe (one connection,
 * synchronized).
 */
public final class EmbeddingCache implements AutoCloseable {
    static final String FORMAT = "clipkit-embeddings";
    static final String VERSION = "1";
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.ISO_8859_1);

    /** One image's entry. */
    public record Entry(String path, long size, String mtime, byte[] hash, float[] vector) {}

    private final Path file;
    private final Connection conn;
    private final int dim;
    private final PreparedStatement byPath;
    private final PreparedStatement byHash;
    private final PreparedStatement putVector;
    private final PreparedStatement putPath;

    private EmbeddingCache(Path file, Connection conn, int dim) throws SQLException {
        this.file = file;
        this.conn = conn;
        this.dim = dim;
        this.byPath = conn.prepareStatement("SELECT e.vector FROM files f JOIN embeddings e ON e.hash = f.hash"
                + " WHERE f.path = ? AND f.size = ? AND f.mtime = ?");
        this.byHash = conn.prepareStatement("SELECT vector FROM embeddings WHERE hash = ?");
        this.putVector = conn.prepareStatement("INSERT OR REPLACE INTO embeddings(hash, vector) VALUES (?, ?)");
        this.putPath = conn.prepareStatement("INSERT OR REPLACE INTO files(path, size, mtime, hash) VALUES (?, ?, ?, ?)");
    }

    /**
     * Opens or creates the index for a model.
     *
     * @param modelSha256 checkpoint SHA-256 of the model the vectors come from
     * @param preprocessing the preprocessing settings, compared as a string
     * @throws IOException if the file exists but is not a clipkit index, is corrupt, or belongs to
     *     another model or preprocessing (the message says which); the file is not modified
     */
    public static EmbeddingCache open(Path file, String modelSha256, String modelName, int dim, String preprocessing)
            throws IOException {
        return open(file, modelSha256, modelName, dim, preprocessing, false);
    }

    /**
     * Opens an index that must already exist (for readers such as search: a missing file is an
     * error, never created).
     *
     * @throws java.nio.file.NoSuchFileException if there is no file
     */
    public static EmbeddingCache openExisting(Path file, String modelSha256, String modelName, int dim, String preprocessing)
            throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no embedding index here");
        }
        return open(file, modelSha256, modelName, dim, preprocessing, true);
    }

    private static EmbeddingCache open(Path file, String modelSha256, String modelName, int dim, String preprocessing,
            boolean mustExist) throws IOException {
        boolean exists = Files.exists(file);
        if (exists) {
            verifyExisting(file, modelSha256, dim, preprocessing);
        } else {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        }
        try {
            // A reader (mustExist) opens read-only: searching an index never changes it.
            Connection c = connect(file, mustExist);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 30000");
                    if (!mustExist) {
                        s.execute("PRAGMA journal_mode = WAL");
                        s.execute("PRAGMA synchronous = NORMAL");
                    }
                }
                if (!exists) {
                    c.setAutoCommit(false);
                    try (Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                        s.execute("CREATE TABLE IF NOT EXISTS embeddings(hash BLOB PRIMARY KEY, vector BLOB NOT NULL)");
                        s.execute("CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
                                + " mtime TEXT NOT NULL, hash BLOB NOT NULL)");
                    }
                    try (PreparedStatement p = c.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) {
                        for (var e : Map.of("format", FORMAT, "version", VERSION, "model_sha256", modelSha256, "model_name",
                                modelName, "dim", Integer.toString(dim), "preprocessing", preprocessing).entrySet()) {
                            p.setString(1, e.getKey());
                            p.setString(2, e.getValue());
                            p.executeUpdate();
                        }
                    }
                    c.commit();
                }
                if (!mustExist) {
                    generationTriggers(c);
                }
                c.setAutoCommit(true);
                return new EmbeddingCache(file, c, dim);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        } catch (SQLException e) {
            throw new IOException("embedding index " + file + " cannot be used: " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path file, boolean readOnly) throws SQLException {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        // Checking a file that may not be ours must not change it.
        config.setReadOnly(readOnly);
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
    }

    /**
     * Every change to the path table bumps {@code meta.generation}, so a derived structure (the
     * approximate search graph) can tell whether it is still current without a scan. Added to
     * older files on their first writable open; a file without it simply has no generation.
     */
    private static void generationTriggers(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String event : List.of("INSERT", "UPDATE", "DELETE")) {
                s.execute("CREATE TRIGGER IF NOT EXISTS clipkit_generation_" + event.toLowerCase(java.util.Locale.ROOT)
                        + " AFTER " + event + " ON files BEGIN INSERT OR REPLACE INTO meta(key, value) VALUES ('generation',"
                        + " CAST(COALESCE((SELECT value FROM meta WHERE key = 'generation'), '0') AS INTEGER) + 1); END");
            }
        }
    }

    /**
     * The metadata of an existing index (format, model name and SHA-256, dim, preprocessing),
     * read without changing the file.
     *
     * @throws IOException if the file is missing, not a clipkit index or corrupt
     */
    public static Map<String, String> readMeta(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no embedding index here");
        }
        return checkedMeta(file);
    }

    private static void verifyExisting(Path file, String modelSha256, int dim, String preprocessing) throws IOException {
        String untouched = UNTOUCHED;
        Map<String, String> meta = checkedMeta(file);
        if (!modelSha256.equals(meta.get("model_sha256"))) {
            throw new IOException("embedding index " + file + " holds embeddings of model " + meta.get("model_name") + " (sha256 "
                    + meta.get("model_sha256") + "), not of this model (sha256 " + modelSha256 + ")" + untouched);
        }
        if (!Integer.toString(dim).equals(meta.get("dim")) || !preprocessing.equals(meta.get("preprocessing"))) {
            throw new IOException("embedding index " + file + " was made with other settings (dim " + meta.get("dim") + ", "
                    + meta.get("preprocessing") + "; now dim " + dim + ", " + preprocessing + ")" + untouched);
        }
    }

    private static final String UNTOUCHED = "; it was left untouched (choose another index file, or move it away yourself)";

    private static Map<String, String> checkedMeta(Path file) throws IOException {
        String untouched = UNTOUCHED;
        if (!Files.isRegularFile(file)) {
            throw new IOException("embedding index " + file + " is not a regular file" + untouched);
        }
        byte[] head = new byte[SQLITE_MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < head.length || !Arrays.equals(head, SQLITE_MAGIC)) {
            throw new IOException("embedding index " + file + " is not a clipkit index (not an SQLite database)" + untouched);
        }
        Map<String, String> meta = new HashMap<>();
        try (Connection c = connect(file, true)) {
            try (Statement s = c.createStatement()) {
                ResultSet tables = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
                if (!tables.next()) {
                    throw new IOException("embedding index " + file + " is an SQLite database of something else (no clipkit"
                            + " meta table)" + untouched);
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT key, value FROM meta")) {
                while (rs.next()) {
                    meta.put(rs.getString(1), rs.getString(2));
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check(1)")) {
                String r = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equalsIgnoreCase(r)) {
                    throw new IOException("embedding index " + file + " is corrupt (" + r + ")" + untouched);
                }
            }
        } catch (SQLException e) {
            throw new IOException("embedding index " + file + " is corrupt or unreadable (" + e.getMessage() + ")" + untouched, e);
        }
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IOException("embedding index " + file + " is not a clipkit index (format '" + meta.get("format") + "')" + untouched);
        }
        if (!VERSION.equals(meta.get("version"))) {
            throw new IOException("embedding index " + file + " has version " + meta.get("version") + ", this clipkit reads "
                    + VERSION + untouched);
        }
        return meta;
    }

    public Path file() {
        return file;
    }

    /** The vector stored for this exact path, size and mtime, or null. */
    public synchronized float[] byPath(String path, long size, String mtime) throws IOException {
        try {
            byPath.setString(1, path);
            byPath.setLong(2, size);
            byPath.setString(3, mtime);
            try (ResultSet rs = byPath.executeQuery()) {
                return rs.next() ? decode(rs.getBytes(1)) : null;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * A video's frames as indexed: rows {@code <path>#t=<seconds>} (the file's size and mtime, hash
     * SHA-256(file hash || time)), plus a vector-less row {@code <path>#duration=<seconds>}.
     *
     * @param times the frames' times, in order
     * @param vectors one embedding per frame
     * @param duration the video's duration as sampled (zero when not recorded)
     */
    public record VideoFrames(List<java.time.Duration> times, float[][] vectors, java.time.Duration duration) {}

    /** The frames indexed for this video path with this size and mtime, or null when none are. */
    public synchronized VideoFrames framesByPath(String path, long size, String mtime) throws IOException {
        java.util.TreeMap<Long, float[]> byTime = new java.util.TreeMap<>();
        java.time.Duration duration = java.time.Duration.ZERO;
        // '$' follows '#' (binary TEXT order): the range holds the rows of this path's fragments.
        try (PreparedStatement q = conn.prepareStatement("SELECT f.path, e.vector FROM files f LEFT JOIN embeddings e"
                + " ON e.hash = f.hash WHERE f.path >= ? AND f.path < ? AND f.size = ? AND f.mtime = ?")) {
            q.setString(1, path + "#");
            q.setString(2, path + "$");
            q.setLong(3, size);
            q.setString(4, mtime);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1).substring(path.length());
                    byte[] v = rs.getBytes(2);
                    if (key.startsWith("#t=") && v != null) {
                        byTime.put(Math.round(Double.parseDouble(key.substring(3)) * 1000), decode(v));
                    } else if (key.startsWith("#duration=")) {
                        duration = java.time.Duration.ofMillis(Math.round(Double.parseDouble(key.substring(10)) * 1000));
                    }
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        } catch (NumberFormatException e) {
            return null; // a path that only looks like a frame key: not ours, sample afresh
        }
        if (byTime.isEmpty()) {
            return null;
        }
        List<java.time.Duration> times = byTime.keySet().stream().map(java.time.Duration::ofMillis).toList();
        return new VideoFrames(times, byTime.values().toArray(new float[0][]), duration);
    }

    /** The vector stored for this content hash, or null. */
    public synchronized float[] byHash(byte[] hash) throws IOException {
        try {
            byHash.setBytes(1, hash);
            try (ResultSet rs = byHash.executeQuery()) {
                return rs.next() ? decode(rs.getBytes(1)) : null;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Stores entries in one transaction; a null vector only records the path key of a known hash. */
    public synchronized void putAll(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        try {
            conn.setAutoCommit(false);
            try {
                for (Entry e : entries) {
                    if (e.vector() != null) {
                        if (e.vector().length != dim) {
                            throw new IllegalArgumentException("vector of " + e.vector().length + " values, index holds " + dim);
                        }
                        putVector.setBytes(1, e.hash());
                        putVector.setBytes(2, encode(e.vector()));
                        putVector.executeUpdate();
                    }
                    putPath.setString(1, e.path());
                    putPath.setLong(2, e.size());
                    putPath.setString(3, e.mtime());
                    putPath.setBytes(4, e.hash());
                    putPath.executeUpdate();
                }
                conn.commit();
            } catch (SQLException | RuntimeException ex) {
                conn.rollback();
                throw ex;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** One row of the path table with its vector, as {@link #scan} hands it out. */
    public interface RowConsumer {
        void accept(String path, long size, String mtime, byte[] hash, float[] vector) throws IOException;
    }

    /**
     * Hands every indexed path with its vector to {@code consumer}, in path order. Each vector is a
     * fresh array. Holds the index's lock for the whole scan (writers wait).
     */
    public synchronized void scan(RowConsumer consumer) throws IOException {
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT f.path, f.size, f.mtime, f.hash, e.vector FROM files f"
                        + " JOIN embeddings e ON e.hash = f.hash ORDER BY f.path")) {
            while (rs.next()) {
                consumer.accept(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getBytes(4), decode(rs.getBytes(5)));
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Hands every indexed path to {@code consumer} (no vectors read). */
    public synchronized void scanPaths(java.util.function.Consumer<String> consumer) throws IOException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT path FROM files")) {
            while (rs.next()) {
                consumer.accept(rs.getString(1));
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** The vector stored for a path, whatever its size and mtime, or null. */
    public synchronized float[] byPathOnly(String path) throws IOException {
        try (PreparedStatement p = conn.prepareStatement("SELECT e.vector FROM files f JOIN embeddings e ON e.hash = f.hash"
                + " WHERE f.path = ?")) {
            p.setString(1, path);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? decode(rs.getBytes(1)) : null;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * Removes these paths, then every vector no path refers to any more, in one transaction.
     *
     * @return the number of paths removed
     */
    public synchronized int removePaths(java.util.Collection<String> paths) throws IOException {
        try {
            conn.setAutoCommit(false);
            try (PreparedStatement p = conn.prepareStatement("DELETE FROM files WHERE path = ?");
                    Statement s = conn.createStatement()) {
                int n = 0;
                for (String path : paths) {
                    p.setString(1, path);
                    n += p.executeUpdate();
                }
                s.executeUpdate("DELETE FROM embeddings WHERE hash NOT IN (SELECT hash FROM files)");
                conn.commit();
                return n;
            } catch (SQLException | RuntimeException ex) {
                conn.rollback();
                throw ex;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Number of indexed paths (several paths may share one vector). */
    public synchronized long paths() throws IOException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM files")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** The change counter of the path table (-1 if this file predates it and was never opened for writing). */
    public synchronized long generation() throws IOException {
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'generation'")) {
            if (!rs.next()) {
                try (ResultSet t = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                        + " AND name LIKE 'clipkit_generation_%'")) {
                    return t.next() && t.getInt(1) > 0 ? 0 : -1;
                }
            }
            return Long.parseLong(rs.getString(1));
        } catch (SQLException | NumberFormatException e) {
            throw new IOException("embedding index " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Number of stored vectors. */
    public synchronized long size() throws IOException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM embeddings")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private IOException failure(SQLException e) {
        return new IOException("embedding index " + file + " failed: " + e.getMessage(), e);
    }

    private float[] decode(byte[] b) throws IOException {
        if (b == null || b.length != dim * 4) {
            throw new IOException("embedding index " + file + " holds a vector of " + (b == null ? 0 : b.length) + " bytes, expected "
                    + dim * 4 + " (corrupt index)");
        }
        float[] v = new float[dim];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static byte[] encode(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return bb.array();
    }

    @Override
    public synchronized void close() {
        try {
            byPath.close();
            byHash.close();
            putVector.close();
            putPath.close();
            conn.close();
        } catch (SQLException e) {
            throw new io.clipkit.ClipException("closing embedding index " + file + " failed: " + e.getMessage(), e);
        }
    }
}
