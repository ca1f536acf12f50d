package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The central directory of a zip file (zip64 included), read without java.util.zip so that stored
 * entries can be memory-mapped in place: PyTorch writes its archives uncompressed.
 */
final class ZipIndex {
    record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {}

    private final FileSource src;
    final Map<String, Entry> entries = new LinkedHashMap<>();

    ZipIndex(FileSource src) throws IOException {
        this.src = src;
        long tailLen = Math.min(src.size, 65_557);
        ByteBuffer tail = src.slice(src.size - tailLen, tailLen, "zip end record");
        int eocd = -1;
        for (int i = (int) tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new ClipException(src.file + ": zip archive has no end-of-central-directory record: the file is truncated or corrupt");
        }
        long count = tail.getShort(eocd + 10) & 0xffff;
        long cdSize = tail.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = tail.getInt(eocd + 16) & 0xffffffffL;
        if (eocd >= 20 && tail.getInt(eocd - 20) == 0x07064b50) {
            long z64 = tail.getLong(eocd - 20 + 8);
            ByteBuffer rec = src.slice(z64, 56, "zip64 end record");
            if (rec.getInt(0) != 0x06064b50) {
                throw new ClipException(src.file + ": corrupt zip64 end record");
            }
            count = rec.getLong(32);
            cdSize = rec.getLong(40);
            cdOffset = rec.getLong(48);
        }
        ByteBuffer cd = src.slice(cdOffset, cdSize, "zip central directory");
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cd.limit() || cd.getInt(p) != 0x02014b50) {
                throw new ClipException(src.file + ": corrupt zip central directory at entry " + i);
            }
            int method = cd.getShort(p + 10) & 0xffff;
            long csize = cd.getInt(p + 20) & 0xffffffffL;
            long usize = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long local = cd.getInt(p + 42) & 0xffffffffL;
            if (p + 46 + nameLen + extraLen > cd.limit()) {
                throw new ClipException(src.file + ": corrupt zip central directory at entry " + i);
            }
            byte[] nameBytes = new byte[nameLen];
            cd.get(p + 46, nameBytes);
            String name = new String(nameBytes, java.nio.charset.StandardCharsets.UTF_8);
            // zip64 extra field: 64-bit values for whichever 32-bit fields are saturated, in order.
            int e = p + 46 + nameLen;
            int eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = cd.getShort(e) & 0xffff;
                int len = cd.getShort(e + 2) & 0xffff;
                if (id == 1) {
                    int q = e + 4;
                    if (usize == 0xffffffffL && q + 8 <= e + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= e + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (local == 0xffffffffL && q + 8 <= e + 4 + len) {
                        local = cd.getLong(q);
                    }
                }
                e += 4 + len;
            }
            entries.put(name, new Entry(name, method, csize, usize, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
    }

    /** An entry's bytes: a mapping of the file for stored entries, inflated to the heap otherwise. */
    ByteBuffer read(Entry en) throws IOException {
        ByteBuffer lh = src.slice(en.localHeaderOffset(), 30, "zip entry " + en.name());
        if (lh.getInt(0) != 0x04034b50) {
            throw new ClipException(src.file + ": corrupt zip local header for " + en.name());
        }
        long start = en.localHeaderOffset() + 30 + (lh.getShort(26) & 0xffff) + (lh.getShort(28) & 0xffff);
        ByteBuffer raw = src.slice(start, en.compressedSize(), "zip entry " + en.name());
        if (en.method() == 0) {
            if (en.compressedSize() != en.size()) {
                throw new ClipException(src.file + ": corrupt zip entry " + en.name() + " (stored sizes differ)");
            }
            return raw;
        }
        if (en.method() != 8) {
            throw new ClipException(src.file + ": zip entry " + en.name() + " uses unsupported compression method " + en.method());
        }
        if (en.size() > Integer.MAX_VALUE - 8) {
            throw new ClipException(src.file + ": compressed zip entry " + en.name() + " is larger than 2 GiB");
        }
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw);
            ByteBuffer out = ByteBuffer.allocate((int) en.size());
            while (out.hasRemaining() && !inf.finished()) {
                if (inf.inflate(out) == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
            }
            if (out.hasRemaining()) {
                throw new ClipException(src.file + ": zip entry " + en.name() + " is truncated");
            }
            return out.flip().order(ByteOrder.LITTLE_ENDIAN);
        } catch (DataFormatException ex) {
            throw new ClipException(src.file + ": corrupt compressed zip entry " + en.name() + ": " + ex.getMessage(), ex);
        } finally {
            inf.end();
        }
    }
}
