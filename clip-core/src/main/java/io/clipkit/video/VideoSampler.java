package io.clipkit.video;

import io.clipkit.ImagePreprocessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Samples the frames of a video that a CLIP model should see, preprocessed at once. Decoding is
 * pluggable, as DJL's engines are: the {@code clip-video} artifact provides one on FFmpeg (through
 * JavaCV), found with {@link #find()}; without it on the classpath, videos are reported as
 * unsupported. Implementations are thread-safe.
 *
 * <pre>{@code
 * VideoSampler sampler = VideoSampler.find().orElseThrow();
 * VideoSample s = sampler.sample(Path.of("clip.mp4"), model.preprocessor(), VideoOptions.defaults());
 * }</pre>
 */
public interface VideoSampler {
    /** File extensions taken as videos when a folder is searched. */
    List<String> EXTENSIONS = List.of("mp4", "m4v", "mov", "mkv", "webm", "avi", "3gp", "mpg", "mpeg", "ts", "mts", "m2ts",
            "wmv", "flv");

    /**
     * Decodes the video and returns its sampled frames.
     *
     * @throws io.clipkit.ImageDecodeException naming the file and the reason when it has no usable video
     *     (empty, not a video, audio only, an unknown codec, no decodable frame, over the time limit)
     * @throws IOException if the file cannot be read
     */
    VideoSample sample(Path file, ImagePreprocessor preprocessor, VideoOptions options) throws IOException;

    /** The first sampler on the classpath ({@code META-INF/services/io.clipkit.video.VideoSampler}). */
    static Optional<VideoSampler> find() {
        return Holder.FOUND;
    }

    /** How many first bytes {@link #looksLikeVideo(byte[], int)} wants (an MPEG-TS needs two packets' sync bytes). */
    int HEAD = 256;

    /** Whether the file's first bytes look like a video container (content, not the name, decides). */
    static boolean looksLikeVideo(Path file) throws IOException {
        byte[] head = new byte[HEAD];
        int n;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return looksLikeVideo(head, n);
    }

    /** Whether the first bytes of a file look like a video container (MP4/MOV, Matroska/WebM, AVI, MPEG-PS/TS, FLV, ASF). */
    static boolean looksLikeVideo(byte[] head, int n) {
        if (n >= 12 && head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p') {
            String brand = new String(head, 8, 4, StandardCharsets.ISO_8859_1);
            // HEIF/AVIF stills share the box layout with MP4: those are images, not videos.
            return !(brand.startsWith("heic") || brand.startsWith("heix") || brand.startsWith("mif1")
                    || brand.startsWith("avif") || brand.startsWith("msf1"));
        }
        if (n >= 8 && (box(head, "moov") || box(head, "mdat") || box(head, "wide") || box(head, "free"))) {
            return true; // QuickTime without ftyp
        }
        if (n >= 4 && (head[0] & 0xff) == 0x1A && (head[1] & 0xff) == 0x45 && (head[2] & 0xff) == 0xDF
                && (head[3] & 0xff) == 0xA3) {
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
        return n >= 4 && (head[0] & 0xff) == 0x30 && (head[1] & 0xff) == 0x26 && (head[2] & 0xff) == 0xB2
                && (head[3] & 0xff) == 0x75; // ASF / WMV
    }

    private static boolean box(byte[] head, String type) {
        for (int i = 0; i < 4; i++) {
            if (head[4 + i] != type.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Looked up once: ServiceLoader scans the classpath. */
    final class Holder {
        static final Optional<VideoSampler> FOUND = ServiceLoader.load(VideoSampler.class).findFirst();

        private Holder() {}
    }
}
