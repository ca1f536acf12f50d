package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Read-only access to a checkpoint file by memory mapping, so that tensor bytes are never copied
 * through intermediate buffers. Files under 2 GiB are mapped once and sliced; larger ones are
 * mapped region by region. Mappings stay valid after {@link #close()}.
 */
final class FileSource implements Closeable {
    final Path file;
    private final FileChannel channel;
    final long size;
    private final MappedByteBuffer whole;

    /** Largest file mapped in one piece (a MappedByteBuffer holds at most 2 GiB). */
    static final long WHOLE_MAP_LIMIT = Integer.MAX_VALUE;

    FileSource(Path file) throws IOException {
        this(file, WHOLE_MAP_LIMIT);
    }

    /** @param wholeMapLimit files up to this size are mapped once; tests lower it to exercise region mapping */
    FileSource(Path file, long wholeMapLimit) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.size = channel.size();
        this.whole = size > 0 && size <= Math.min(wholeMapLimit, WHOLE_MAP_LIMIT)
                ? registered(channel.map(FileChannel.MapMode.READ_ONLY, 0, size)) : null;
    }

    /** Bytes {@code [offset, offset+length)} as a little-endian read-only buffer. */
    ByteBuffer slice(long offset, long length, String what) throws IOException {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new ClipException(file + ": " + what + " lies outside the file (bytes " + offset + ".."
                    + (offset + length) + " of a " + size + "-byte file); the file is truncated or corrupt");
        }
        if (length > Integer.MAX_VALUE) {
            throw new ClipException(file + ": " + what + " is larger than 2 GiB, which is not supported");
        }
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer b = whole != null
                ? whole.slice((int) offset, (int) length)
                : registered(channel.map(FileChannel.MapMode.READ_ONLY, offset, length));
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A live read-only file mapping made here: its end address and the buffer (alive while any slice is). */
    private record Mapping(long end, java.lang.ref.WeakReference<ByteBuffer> buffer) {}

    /** The file mappings made here, by start address; entries whose buffer was collected are dropped. */
    private static final java.util.concurrent.ConcurrentSkipListMap<Long, Mapping> MAPPINGS =
            new java.util.concurrent.ConcurrentSkipListMap<>();

    private interface LibC extends com.sun.jna.Library {
        int madvise(com.sun.jna.Pointer addr, long length, int advice);

        int getpagesize();
    }

    private static final int MADV_DONTNEED = 4; // Linux
    private static final LibC LIBC = loadLibC();
    private static final long PAGE = LIBC == null ? 4096 : LIBC.getpagesize(); // asked once, not per tensor

    private static LibC loadLibC() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return null; // MADV_DONTNEED's value (and meaning for file pages) is Linux's
        }
        try {
            return com.sun.jna.Native.load("c", LibC.class);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static long address(ByteBuffer b) {
        return com.sun.jna.Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(b));
    }

    private static MappedByteBuffer registered(MappedByteBuffer m) {
        if (LIBC != null) {
            MAPPINGS.values().removeIf(e -> e.buffer().get() == null);
            long a = address(m);
            MAPPINGS.put(a, new Mapping(a + m.capacity(), new java.lang.ref.WeakReference<>(m)));
        }
        return m;
    }

    /**
     * Drops the resident pages of {@code b}, a slice of a mapping made here, from this process (the
     * file's pages stay in the page cache; touching {@code b} again reads them back, unchanged). For
     * anything else (heap or anonymous memory, whose pages would be zeroed) it does nothing: only a
     * range inside a live mapping of this class is advised. Lets a loader that has copied a tensor
     * into the engine give its pages back at once, instead of holding the whole file resident until
     * the mapping is collected.
     */
    static void dropResident(ByteBuffer b) {
        if (LIBC == null || !b.isDirect() || b.capacity() == 0) {
            return;
        }
        long a = address(b);
        long end = a + b.capacity();
        java.util.Map.Entry<Long, Mapping> e = MAPPINGS.floorEntry(a);
        // b's parent is reachable through b, so a live mapping containing b has not been collected
        if (e == null || e.getValue().buffer().get() == null || end > e.getValue().end()) {
            return;
        }
        long from = (a + PAGE - 1) & -PAGE; // whole pages only: the neighbours' bytes stay resident
        long to = end & -PAGE;
        if (to > from) {
            LIBC.madvise(new com.sun.jna.Pointer(from), to - from, MADV_DONTNEED);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
