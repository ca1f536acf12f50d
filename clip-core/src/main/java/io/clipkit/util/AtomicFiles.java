package io.clipkit.util;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Replacing a file by a finished temporary one, so that readers see the old file or the new, never a part. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Moves {@code tmp} over {@code target}: atomically where the file system can (same folder), else
     * as a plain replacing move (some file systems refuse atomic moves altogether).
     */
    public static void replace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
