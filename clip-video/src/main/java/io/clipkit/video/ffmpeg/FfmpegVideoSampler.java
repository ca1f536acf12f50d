package io.clipkit.video.ffmpeg;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.video.VideoFrame;
import io.clipkit.video.VideoOptions;
import io.clipkit.video.VideoSample;
import io.clipkit.video.VideoSampler;
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
 * The {@link VideoSampler} on JavaCV's FFmpeg (natives inside the jars; no system FFmpeg): one
 * frame every {@link VideoOptions#every()}, plus one wherever the picture changes (a scene cut),
 * each rotated as the stream's display matrix says and preprocessed at once, so memory holds only
 * the model inputs, whatever the resolution. Frames are decoded in order (inter-frame codecs need
 * every frame decoded anyway); only sampled and checked frames are copied out of FFmpeg.
 *
 * <p>Scene changes: every decoded frame that falls on a check point (four per interval) is
 * reduced to a 16x16 RGB thumbnail; when its mean absolute difference from the previous check
 * point's exceeds {@link VideoOptions#sceneThreshold()} (0..1), the frame is taken too. This costs
 * one sparse downscale per check point, not an embedding.
 *
 * <p>Found through {@code ServiceLoader}; thread-safe (each call opens its own decoder).
 */
public final class FfmpegVideoSampler implements VideoSampler {
    static {
        io.clipkit.engine.Engines.javacpp(); // before FFmpeg's classes: see there
        // FFmpeg prints every damaged packet on stderr by default; errors are reported per file instead.
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET);
    }

    /** For ServiceLoader. */
    public FfmpegVideoSampler() {}

    /**
     * Decodes the video and returns its sampled frames.
     *
     * @throws ImageDecodeException naming the file and the reason when it has no usable video (empty,
     *     not a video, audio only, an unknown codec, no frame decodable, or over the time limit)
     * @throws IOException if the file cannot be read
     */
    @Override
    public VideoSample sample(Path file, ImagePreprocessor preprocessor, VideoOptions options) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(preprocessor, "preprocessor");
        Duration every = options.every();
        double sceneThreshold = options.sceneThreshold();
        int maxFrames = options.maxFrames();
        Duration timeout = options.timeout();
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
        if (!VideoSampler.looksLikeVideo(head, n)) {
            throw new ImageDecodeException(file, "not a video file (no MP4, QuickTime, Matroska/WebM, AVI, MPEG or FLV header)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        // One known layout for the copy below, whatever the stream's own (JavaCV would otherwise pass
        // some formats through with 4 channels).
        g.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
        // Frame-threaded decoding on every core (FFmpeg's "auto"), as OpenCV and PyAV use it.
        g.setVideoOption("threads", "0");
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
                    note = "decoding stopped at " + VideoFrame.timecode(Duration.ofNanos(lastTakenUs * 1000)) + " (damaged or truncated file)";
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
                // A threshold of 1 cannot be exceeded: no check points, no thumbnails.
                boolean check = sceneThreshold < 1 && t >= nextCheck;
                if (!regular && !check) {
                    continue;
                }
                boolean scene = false;
                if (check) {
                    // Straight from FFmpeg's buffer: a check point that takes no frame copies nothing else.
                    float[] thumb = thumbnail(f);
                    if (lastThumb != null && meanAbsDiff(thumb, lastThumb) > sceneThreshold && t - lastTakenUs >= checkUs) {
                        scene = true;
                    }
                    lastThumb = thumb;
                    nextCheck = t + checkUs;
                }
                if (regular || scene) {
                    BufferedImage img = rotate(f, rotation);
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

    /**
     * 16x16 cells x RGB, levels in 0..1, box-averaged over a sparse grid of the frame's BGR24 pixels
     * (read in place; unrotated, which is fine for comparing one frame with the next).
     */
    static float[] thumbnail(Frame f) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        int stride = f.imageStride;
        java.nio.ByteBuffer buf = (java.nio.ByteBuffer) f.image[0];
        float[] out = new float[768];
        int[] count = new int[256];
        int stepX = Math.max(1, w / 64);
        int stepY = Math.max(1, h / 64);
        for (int y = 0; y < h; y += stepY) {
            int cy = Math.min(15, y * 16 / h);
            int row = y * stride;
            for (int x = 0; x < w; x += stepX) {
                int i = row + 3 * x;
                int c = cy * 16 + Math.min(15, x * 16 / w);
                out[3 * c] += (buf.get(i + 2) & 0xff) / 255f;
                out[3 * c + 1] += (buf.get(i + 1) & 0xff) / 255f;
                out[3 * c + 2] += (buf.get(i) & 0xff) / 255f;
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

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

}
