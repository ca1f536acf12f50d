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
                ? channel.map(FileChannel.MapMode.READ_ONLY, 0, size) : null;
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
                : channel.map(FileChannel.MapMode.READ_ONLY, offset, length);
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
