package io.clipkit.util;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Short reasons for I/O failures, for messages that already name the file. The JDK's file
 * exceptions often have only the path as their message ({@code AccessDeniedException: x.pt}),
 * which says nothing once the file is named.
 */
public final class IoReasons {
    private IoReasons() {}

    /** "permission denied", "no such file or folder", ..., else the exception's own message or type. */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "folder not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "symbolic link loop";
        }
        if (e instanceof FileSystemException fse) {
            // Without a reason its message is only the path, which the caller names already.
            return fse.getReason() != null ? fse.getReason() : fse.getClass().getSimpleName();
        }
        if (e instanceof EOFException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "the file is empty or cut short";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
