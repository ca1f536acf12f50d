package io.clipkit.batch;

import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Streams the input files to a sink, one at a time, never holding a listing in memory: folders
 * are walked with {@link Files#walkFileTree}, which keeps only the open directory streams of
 * the current branch. Symbolic links are followed (photo libraries use them) and loops are
 * detected by the walker's file-key check on the ancestors, reported as skipped entries.
 */
final class Discovery {
    /** Extensions looked for when no {@code --include} is given. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "jfif", "png", "gif", "bmp", "tif",
            "tiff", "webp");

    /** A discovered entry: a file to tag, or an entry that gets a record without decoding. */
    record Candidate(Path path, Kind kind, String reason) {
        static Candidate file(Path p) {
            return new Candidate(p, Kind.FILE, "");
        }
    }

    enum Kind {
        FILE,
        SKIPPED,
        ERROR
    }

    /** Receives candidates; may block (that is what bounds the pipeline). */
    interface Sink {
        void accept(Candidate c) throws InterruptedException;
    }

    private final boolean recursive;
    private final List<Matcher> includes;
    private final List<Matcher> excludes;

    private final Set<Path> own;
    private final boolean videos;

    Discovery(boolean recursive, List<String> includes, List<String> excludes, Set<Path> ownFiles) {
        this(recursive, includes, excludes, ownFiles, false);
    }

    /** @param videos whether video file names ({@code VideoSampler.EXTENSIONS}) are taken too (a sampler exists) */
    Discovery(boolean recursive, List<String> includes, List<String> excludes, Set<Path> ownFiles, boolean videos) {
        this.videos = videos;
        this.recursive = recursive;
        this.own = ownFiles.stream().map(p -> p.toAbsolutePath().normalize()).collect(java.util.stream.Collectors.toSet());
        this.includes = includes.stream().map(Matcher::new).toList();
        this.excludes = excludes.stream().map(Matcher::new).toList();
    }

    /** Checks that every input exists, before anything starts. */
    static void checkInputs(List<Path> inputs) {
        List<String> missing = new ArrayList<>();
        for (Path p : inputs) {
            if (!Files.exists(p) && !Files.isSymbolicLink(p)) {
                missing.add(p.toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no such file or folder: " + String.join(", ", missing));
        }
    }

    void walk(List<Path> inputs, Sink sink) throws IOException, InterruptedException {
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                walkDirectory(input, sink);
            } else {
                // A file named on the command line is taken whatever its name.
                sink.accept(Candidate.file(input));
            }
        }
    }

    private void walkDirectory(Path root, Sink sink) throws IOException, InterruptedException {
        int depth = recursive ? Integer.MAX_VALUE : 1;
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), depth, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root) && excluded(root, dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isDirectory()) {
                        // Only reached at the depth limit (not --recursive): a folder named like an image.
                        if (included(root, file) && !excluded(root, file)) {
                            emit(new Candidate(file, Kind.SKIPPED, "is a folder, not an image (folders are searched only in a recursive run)"));
                        }
                    } else if (included(root, file) && !excluded(root, file) && !ours(file)) {
                        emit(Candidate.file(file));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (excluded(root, file)) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (exc instanceof FileSystemLoopException) {
                        emit(new Candidate(file, Kind.SKIPPED, "symbolic link loop: leads back to a folder already being searched"));
                    } else if (exc instanceof AccessDeniedException) {
                        emit(new Candidate(file, Kind.ERROR, "cannot open folder: permission denied"));
                    } else {
                        emit(new Candidate(file, Kind.ERROR, "cannot read: " + Failures.describe(exc)));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null) {
                        emit(new Candidate(dir, Kind.ERROR, "folder listing failed part way: " + Failures.describe(exc)));
                    }
                    return FileVisitResult.CONTINUE;
                }

                private void emit(Candidate c) throws IOException {
                    try {
                        sink.accept(c);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
            });
        } catch (InterruptedIOException e) {
            throw new InterruptedException("discovery interrupted");
        }
    }

    private static final class InterruptedIOException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /** Files this tool writes (the output, the index, temporary files of atomic writes) are not inputs. */
    private boolean ours(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".clipkit-tmp") || name.endsWith(".sqlite-wal") || name.endsWith(".sqlite-shm")) {
            return true;
        }
        Path abs = file.toAbsolutePath().normalize();
        return own.contains(abs);
    }

    boolean included(Path root, Path file) {
        if (includes.isEmpty()) {
            Path name = file.getFileName();
            if (name == null) {
                return false;
            }
            String n = name.toString();
            int dot = n.lastIndexOf('.');
            String ext = dot >= 0 ? n.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
            return dot >= 0 && (IMAGE_EXTENSIONS.contains(ext) || videos && VideoSampler.EXTENSIONS.contains(ext));
        }
        for (Matcher m : includes) {
            if (m.matches(root, file)) {
                return true;
            }
        }
        return false;
    }

    boolean excluded(Path root, Path file) {
        for (Matcher m : excludes) {
            if (m.matches(root, file)) {
                return true;
            }
        }
        return false;
    }

    /** A glob on the file name, or on the path below the input folder when it contains a slash. */
    private static final class Matcher {
        private final PathMatcher matcher;
        private final boolean onPath;

        Matcher(String glob) {
            this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            this.onPath = glob.contains("/");
        }

        boolean matches(Path root, Path file) {
            if (onPath) {
                Path rel = file.startsWith(root) ? root.relativize(file) : file;
                return matcher.matches(rel);
            }
            Path name = file.getFileName();
            return name != null && matcher.matches(name);
        }
    }
}
