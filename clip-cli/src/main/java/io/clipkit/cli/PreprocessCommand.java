package io.clipkit.cli;

import io.clipkit.ImagePreprocessor;
import io.clipkit.util.IoReasons;
import io.clipkit.util.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clip preprocess}: writes what the model sees, as the normalized tensor ({@code --npy})
 * and/or the center crop as an image ({@code --png}). Bad images are reported and skipped.
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = {"Write what the model sees, as a tensor and/or an image.",
            "--npy DIR: the normalized CHW float32 tensor; --png DIR: the resized, center-cropped RGB image; "
                + "both as the reference CLIP preprocessing makes them.",
            "Outputs are DIR/<image file name>.npy / .png. Exit 1 if any image failed (the others are still written)."})
final class PreprocessCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (JPEG, PNG, GIF, BMP, TIFF, WebP).")
    List<Path> images;

    @Option(names = "--size", required = true, paramLabel = "N", description = "Model input size (e.g. 224).")
    int size;

    @Option(names = "--npy", paramLabel = "DIR", description = "Write float32 [3,N,N] normalized tensors here.")
    Path npyDir;

    @Option(names = "--png", paramLabel = "DIR", description = "Write the N x N crops (what the model sees) here.")
    Path pngDir;

    @picocli.CommandLine.Mixin DecodeOptionsMixin decode;

    @Override
    public Integer call() throws IOException {
        if (npyDir == null && pngDir == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give --npy DIR and/or --png DIR");
        }
        ImagePreprocessor pre = decode.preprocessor(size);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Path dir : new Path[] {npyDir, pngDir}) {
            if (dir != null) {
                if (Files.exists(dir) && !Files.isDirectory(dir)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "output folder " + dir + " (" + (dir == npyDir ? "--npy" : "--png") + ") is an existing file, not a folder");
                }
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    throw new IOException("cannot create output folder " + dir + ": " + IoReasons.reason(e), e);
                }
            }
        }
        Map<String, Path> seen = new HashMap<>();
        int failed = 0;
        for (Path image : images) {
            String name = image.getFileName().toString();
            Path earlier = seen.putIfAbsent(name, image);
            if (earlier != null) {
                err.println("clip preprocess: " + image + ": same file name as " + earlier + "; skipped so its output is not overwritten");
                failed++;
                continue;
            }
            try {
                BufferedImage crop = pre.crop(image);
                StringBuilder done = new StringBuilder(image.toString());
                if (npyDir != null) {
                    // The crop is N x N already: preprocessing it again only normalizes (no resize).
                    float[] chw = pre.preprocess(crop);
                    Path target = npyDir.resolve(name + ".npy");
                    writeAtomically(target, tmp -> Npy.writeFloat32(tmp, new int[] {3, size, size}, chw));
                    done.append(" -> ").append(target);
                }
                if (pngDir != null) {
                    Path target = pngDir.resolve(name + ".png");
                    writeAtomically(target, tmp -> {
                        if (!ImageIO.write(crop, "png", tmp.toFile())) {
                            throw new IOException("no PNG writer");
                        }
                    });
                    done.append(" -> ").append(target);
                }
                out.println(done);
            } catch (IOException e) {
                failed++;
                err.println("clip preprocess: " + ClipCommand.describe(e));
                if (ClipCommand.verbose(spec.commandLine())) {
                    e.printStackTrace(err);
                }
            }
        }
        out.flush();
        err.flush();
        return failed == 0 ? 0 : ClipCommand.EXIT_FAILURE;
    }

    interface Writer {
        void write(Path tmp) throws IOException;
    }

    /**
     * Writes next to the target and renames, so a reader never sees a half-written file. The
     * temporary file is created with the default permissions (the umask's, as for any new file),
     * not {@code createTempFile}'s owner-only 0600: .npy and .png outputs get the same mode.
     */
    static void writeAtomically(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            while (tmp == null) {
                Path candidate = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + ".part");
                try {
                    tmp = Files.createFile(candidate);
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    // another writer's name: draw again
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + IoReasons.reason(e), e);
        }
        try {
            writer.write(tmp);
            io.clipkit.util.AtomicFiles.replace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
