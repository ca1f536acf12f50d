package io.clipkit.batch;

import io.clipkit.ImageDecodeException;
import io.clipkit.util.IoReasons;
import java.io.EOFException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the short specific reasons written to error records. */
final class Failures {
    private Failures() {}

    static String describe(Throwable e) {
        if (e instanceof ImageDecodeException ide) {
            return ide.reason();
        }
        if (e instanceof NoSuchFileException) {
            // Discovery saw it, so it went away since: say that rather than "no such file".
            return "file disappeared before it could be read (deleted or moved)";
        }
        if (e instanceof FileSystemException fse) {
            String r = fse.getReason();
            if (r != null && r.toLowerCase(java.util.Locale.ROOT).contains("too many levels of symbolic links")) {
                return "symbolic link loop";
            }
            return IoReasons.reason(fse);
        }
        if (e instanceof EOFException) {
            return "truncated file (unexpected end of data)";
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory while decoding (image too large for the heap)";
        }
        if (e instanceof StackOverflowError) {
            return "decoder recursion too deep (malformed file)";
        }
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        if (m == null || m.isBlank()) {
            return type;
        }
        return e instanceof java.io.IOException ? m : type + ": " + m;
    }

    /**
     * Whether a failure came from the environment (I/O errors, a full disk, permissions, the heap,
     * an interruption) rather than from the file's content: such records are retried on resume.
     */
    static boolean environmental(Throwable e) {
        if (e instanceof ImageDecodeException || e instanceof EOFException) {
            return false;
        }
        return e instanceof java.io.IOException || e instanceof OutOfMemoryError || e instanceof InterruptedException;
    }
}
