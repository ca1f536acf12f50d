package io.clipkit.video;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Samples the frames of a video file that a CLIP model should see, through JavaCV's FFmpeg
 * (natives inside the jars; no system FFmpeg): one frame every {@link Builder#every} seconds, plus
 * one wherever the picture changes (a scene cut), each rotated as the stream's display matrix says
 * and preprocessed at once, so memory holds only the model inputs, whatever the resolution.
 *
 * <p>Scene changes: every decoded frame that falls on a check point (four per interval) is
 * reduced to a 16x16 RGB thumbnail; when its mean absolute difference from the previous check
 * point's exceeds {@link Builder#sceneThreshold} (0..1), the frame is taken too. This costs one
 * small downscale per check point, not an embedding.
 *
 * <p>Thread-safe: each {@link #sample} call opens its own decoder.
 *
 * <pre>{@code
 * VideoFrames frames = VideoFrames.builder(model.preprocessor()).every(Duration.ofSeconds(2)).build();
 * VideoSample s = frames.sample(Path.of("clip.mp4"));
 * float[][] emb = model.encodePreprocessed(s.frames().stream().map(VideoFrame::chw).toList(), true);
 * }</pre>
 */
public final class VideoFrames {
    /** File extensions taken as videos when a folder is searched. */
    public static final List<String> EXTENSIONS = List.of("mp4", "m4v", "mov", "mkv", "webm", "avi", "3gp", "mpg", "mpeg", "ts", "mts", "m2ts", "wmv", "flv");

    static {
        // FFmpeg prints every damaged packet on stderr by default; errors are reported per file instead.
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET);
    }

    private final ImagePreprocessor preprocessor;
    private final Duration every;
    private final double sceneThreshold;
    private final int maxFrames;
    private final Duration timeout;

    private VideoFrames(Builder b) {
        this.preprocessor = b.preprocessor;
        this.every = b.every;
        this.sceneThreshold = b.sceneThreshold;
        this.maxFrames = b.maxFrames;
        this.timeout = b.timeout;
    }

    /** Frames for the model that {@code preprocessor} prepares images for ({@code model.preprocessor()}). */
    public static Builder builder(ImagePreprocessor preprocessor) {
        return new Builder(preprocessor);
    }

    /** Whether the first bytes of a file look like a video container (MP4/MOV, Matroska/WebM, AVI, MPEG-PS/TS, FLV, ASF). */
    public static boolean looksLikeVideo(byte[] head, int n) {
        if (n >= 12 && head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p') {
            String brand = new String(head, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            // HEIF/AVIF stills share the box layout with MP4: those are images, not videos.
            return !(brand.startsWith("heic") || brand.startsWith("heix") || brand.startsWith("mif1")
                    || brand.startsWith("avif") || brand.startsWith("msf1"));
        }
        if (n >= 8 && (head[4] == 'm' && head[5] == 'o' && head[6] == 'o' && head[7] == 'v'
                || head[4] == 'm' && head[5] == 'd' && head[6] == 'a' && head[7] == 't'
                || head[4] == 'w' && head[5] == 'i' && head[6] == 'd' && head[7] == 'e')) {
            return true; // QuickTime without ftyp
        }
        if (n >= 4 && (head[0] & 0xff) == 0x1A && (head[1] & 0xff) == 0x45 && (head[2] & 0xff) == 0xDF && (head[3] & 0xff) == 0xA3) {
            return true; // EBML: Matroska / WebM
        }
        if (n >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
                && head[8] == 'A' && head[9] == 'V' && head[10] == 'I') {
            return true;
        }
        if (n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1 && (head[3] & 0xff) == 0xBA) {
            return true; // MPEG program stream
        }
        if (n >= 189 && head[0] == 0x47 && head[188] == 0x47) {
            return true; // MPEG transport stream
        }
        if (n >= 3 && head[0] == 'F' && head[1] == 'L' && head[2] == 'V') {
            return true;
        }
        return n >= 4 && (head[0] & 0xff) == 0x30 && (head[1] & 0xff) == 0x26 && (head[2] & 0xff) == 0xB2 && (head[3] & 0xff) == 0x75;
    }

    /**
     * Decodes the video and returns its sampled frames.
     *
     * @throws ImageDecodeException naming the file and the reason when it has no usable video (empty,
     *     not a video, audio only, an unknown codec, no frame decodable, or over the time limit)
     * @throws IOException if the file cannot be read
     */
    public VideoSample sample(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "video does not exist");
        }
        long size = Files.size(file);
        if (size == 0) {
            throw new ImageDecodeException(file, "empty file (0 bytes)");
        }
        byte[] head = new byte[256];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (!looksLikeVideo(head, n)) {
            throw new ImageDecodeException(file, "not a video file (no MP4, QuickTime, Matroska/WebM, AVI, MPEG or FLV header)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        // One known layout for the copy below, whatever the stream's own (JavaCV would otherwise pass
        // some formats through with 4 channels).
        g.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
        try {
            try {
                g.start();
            } catch (FFmpegFrameGrabber.Exception e) {
                throw new ImageDecodeException(file, "cannot open the video (truncated, corrupt or an unsupported container): "
                        + firstLine(e.getMessage()), e);
            }
            if (g.getVideoStream() < 0 || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
                throw new ImageDecodeException(file, g.getAudioStream() >= 0 ? "no video stream (audio only)" : "no video stream");
            }
            String codec = g.getVideoCodecName() == null ? "unknown" : g.getVideoCodecName();
            int rotation = clockwise(g.getDisplayRotation());
            long everyUs = Math.max(1, every.toNanos() / 1000);
            long checkUs = Math.max(1, everyUs / 4);
            List<VideoFrame> frames = new ArrayList<>();
            long nextRegular = 0;
            long nextCheck = 0;
            float[] lastThumb = null;
            long lastTakenUs = Long.MIN_VALUE;
            String note = "";
            int decoded = 0;
            while (true) {
                if (System.nanoTime() > deadline) {
                    if (frames.isEmpty()) {
                        throw new ImageDecodeException(file, "decoding took longer than " + timeout.toSeconds() + " s; gave up on this file");
                    }
                    note = "stopped after " + timeout.toSeconds() + " s of decoding (" + frames.size() + " frames sampled)";
                    break;
                }
                Frame f;
                try {
                    f = g.grabImage();
                } catch (FFmpegFrameGrabber.Exception e) {
                    if (frames.isEmpty()) {
                        throw new ImageDecodeException(file, "no frame could be decoded: " + firstLine(e.getMessage()), e);
                    }
                    note = "decoding stopped at " + timecode(Duration.ofNanos(lastTakenUs * 1000)) + " (damaged or truncated file)";
                    break;
                }
                if (f == null) {
                    break; // end of stream
                }
                if (f.image == null) {
                    continue;
                }
                decoded++;
                long t = Math.max(0, f.timestamp);
                boolean regular = t >= nextRegular;
                boolean check = t >= nextCheck;
                if (!regular && !check) {
                    continue;
                }
                BufferedImage img = rotate(f, rotation);
                boolean scene = false;
                if (check) {
                    float[] thumb = thumbnail(img);
                    if (lastThumb != null && meanAbsDiff(thumb, lastThumb) > sceneThreshold && t - lastTakenUs >= checkUs) {
                        scene = true;
                    }
                    lastThumb = thumb;
                    nextCheck = t + checkUs;
                }
                if (regular || scene) {
                    frames.add(new VideoFrame(Duration.ofNanos(t * 1000), scene && !regular, preprocessor.preprocess(img)));
                    lastTakenUs = t;
                    if (regular) {
                        nextRegular = (t / everyUs + 1) * everyUs;
                    }
                    if (frames.size() >= maxFrames) {
                        note = "stopped after " + maxFrames + " frames (the frame limit)";
                        break;
                    }
                }
            }
            if (frames.isEmpty()) {
                throw new ImageDecodeException(file, decoded == 0 ? "no video frame could be decoded (truncated or corrupt, or the codec '"
                        + codec + "' is not supported)" : "no frame could be sampled");
            }
            long lengthUs = g.getLengthInTime();
            return new VideoSample(file, frames, Duration.ofNanos(Math.max(0, lengthUs) * 1000), g.getImageWidth(),
                    g.getImageHeight(), rotation, codec, note);
        } finally {
            try {
                g.close();
            } catch (FFmpegFrameGrabber.Exception e) {
                // nothing left to report: the frames, or the error, are already out
            }
        }
    }

    /** JavaCV reports the display matrix's counter-clockwise angle; frames must turn the other way. */
    static int clockwise(double displayRotation) {
        if (!Double.isFinite(displayRotation)) {
            return 0;
        }
        int ccw = (int) Math.round(displayRotation / 90.0) * 90;
        return Math.floorMod(-ccw, 360);
    }

    /**
     * The frame (FFmpeg's BGR24 rows, {@code imageStride} bytes apart: rows are padded for SIMD)
     * as a fresh {@code TYPE_INT_RGB} image, turned {@code clockwise} degrees. Copied at once:
     * FFmpeg overwrites the buffer with the next frame.
     */
    static BufferedImage rotate(Frame f, int clockwise) {
        // The grabber was asked for BGR24. Frame.imageChannels cannot be trusted here: JavaCV derives
        // it from the padded row length (imageStride / imageWidth).
        if (f.imageDepth != Frame.DEPTH_UBYTE || f.imageStride < 3 * f.imageWidth) {
            throw new IllegalStateException("expected BGR24 frames, got depth " + f.imageDepth + ", stride " + f.imageStride
                    + " for width " + f.imageWidth);
        }
        int w = f.imageWidth;
        int h = f.imageHeight;
        int stride = f.imageStride;
        java.nio.ByteBuffer buf = ((java.nio.ByteBuffer) f.image[0]).duplicate();
        byte[] row = new byte[w * 3];
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) {
            buf.position(y * stride);
            buf.get(row, 0, row.length);
            for (int x = 0, i = 0; x < w; x++, i += 3) {
                px[y * w + x] = (row[i + 2] & 0xff) << 16 | (row[i + 1] & 0xff) << 8 | (row[i] & 0xff);
            }
        }
        return rotate(px, w, h, clockwise);
    }

    static BufferedImage rotate(int[] px, int w, int h, int clockwise) {
        if (clockwise == 0) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            out.setRGB(0, 0, w, h, px, 0, w);
            return out;
        }
        boolean swap = clockwise == 90 || clockwise == 270;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] turned = new int[px.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = px[y * w + x];
                switch (clockwise) {
                    case 90 -> turned[x * ow + (h - 1 - y)] = rgb;
                    case 180 -> turned[(h - 1 - y) * ow + (w - 1 - x)] = rgb;
                    default -> turned[(w - 1 - x) * ow + y] = rgb;
                }
            }
        }
        BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, ow, oh, turned, 0, ow);
        return out;
    }

    /** 16x16 cells x RGB, levels in 0..1, box-averaged over a sparse grid of pixels. */
    static float[] thumbnail(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[768];
        int[] count = new int[256];
        int stepX = Math.max(1, w / 64);
        int stepY = Math.max(1, h / 64);
        for (int y = 0; y < h; y += stepY) {
            int cy = Math.min(15, y * 16 / h);
            for (int x = 0; x < w; x += stepX) {
                int rgb = img.getRGB(x, y);
                int c = cy * 16 + Math.min(15, x * 16 / w);
                out[3 * c] += ((rgb >> 16) & 0xff) / 255f;
                out[3 * c + 1] += ((rgb >> 8) & 0xff) / 255f;
                out[3 * c + 2] += (rgb & 0xff) / 255f;
                count[c]++;
            }
        }
        for (int i = 0; i < 768; i++) {
            out[i] = count[i / 3] == 0 ? 0 : out[i] / count[i / 3];
        }
        return out;
    }

    static double meanAbsDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    static String timecode(Duration d) {
        long ms = d.toMillis();
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms / 100 % 10);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Validating builder. */
    public static final class Builder {
        private final ImagePreprocessor preprocessor;
        private Duration every = Duration.ofSeconds(2);
        private double sceneThreshold = 0.12;
        private int maxFrames = 1000;
        private Duration timeout = Duration.ofMinutes(5);

        private Builder(ImagePreprocessor preprocessor) {
            this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
        }

        /** The regular sampling interval (default 2 s). */
        public Builder every(Duration every) {
            if (every == null || every.isNegative() || every.isZero() || every.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("sampling interval must be in (0, 1 h], got " + every);
            }
            this.every = every;
            return this;
        }

        /** Mean colour-level change (0..1) between check points that counts as a scene change (default 0.12); 1 turns it off. */
        public Builder sceneThreshold(double threshold) {
            if (!(threshold > 0 && threshold <= 1)) {
                throw new IllegalArgumentException("scene threshold must be in (0, 1], got " + threshold);
            }
            this.sceneThreshold = threshold;
            return this;
        }

        /** The most frames sampled from one video (default 1000): bounds a 10-hour file. */
        public Builder maxFrames(int maxFrames) {
            if (maxFrames < 1 || maxFrames > 1_000_000) {
                throw new IllegalArgumentException("max frames must be in 1..1000000, got " + maxFrames);
            }
            this.maxFrames = maxFrames;
            return this;
        }

        /** How long one video may take to decode (default 5 min). */
        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("decode timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public VideoFrames build() {
            return new VideoFrames(this);
        }
    }
}
