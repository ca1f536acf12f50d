package io.clipkit.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal NumPy {@code .npy} (format 1.0) reader and writer for float32, float64, int32 and int64
 * arrays in C order. Enough for fixtures and {@code clip preprocess --npy}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?)([fiu])(\\d)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** A read array: its shape and values as float32 (integers converted). */
    public record Array(int[] shape, float[] data) {
        public int size() {
            return data.length;
        }
    }

    private Npy() {}

    /** Writes a little-endian float32 array. */
    public static void writeFloat32(Path file, int[] shape, float[] data) throws IOException {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
        StringBuilder sh = new StringBuilder();
        for (int d : shape) {
            sh.append(d).append(',');
        }
        if (shape.length > 1) {
            sh.setLength(sh.length() - 1);
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + sh + "), }";
        int total = MAGIC.length + 4 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            out.write(body.array());
        }
    }

    /** Reads an array of float or integer type as float32. */
    public static Array read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(8);
            if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
                throw new IOException(file + ": not a .npy file");
            }
            int major = magic[6];
            byte[] lenBytes = in.readNBytes(major == 1 ? 2 : 4);
            ByteBuffer lb = ByteBuffer.wrap(Arrays.copyOf(lenBytes, 4)).order(ByteOrder.LITTLE_ENDIAN);
            int hlen = lb.getInt();
            String header = new String(in.readNBytes(hlen), StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header);
            Matcher o = ORDER.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !o.find() || !s.find()) {
                throw new IOException(file + ": unreadable .npy header " + header.trim());
            }
            if (o.group(1).equals("True")) {
                throw new IOException(file + ": Fortran-order arrays are not supported");
            }
            int[] shape = Arrays.stream(s.group(1).split(","))
                    .map(String::trim)
                    .filter(t -> !t.isEmpty())
                    .mapToInt(Integer::parseInt)
                    .toArray();
            int n = 1;
            for (int v : shape) {
                n *= v;
            }
            ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            char kind = d.group(2).charAt(0);
            int width = Integer.parseInt(d.group(3));
            ByteBuffer b = ByteBuffer.wrap(in.readNBytes(n * width)).order(order);
            if (b.remaining() != n * width) {
                throw new IOException(file + ": truncated .npy data");
            }
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = switch (kind + "" + width) {
                    case "f4" -> b.getFloat();
                    case "f8" -> (float) b.getDouble();
                    case "i4" -> b.getInt();
                    case "i8" -> b.getLong();
                    case "u1", "i1" -> kind == 'u' ? (b.get() & 0xff) : b.get();
                    default -> throw new IOException(file + ": unsupported dtype " + kind + width);
                };
            }
            return new Array(shape, out);
        }
    }
}
