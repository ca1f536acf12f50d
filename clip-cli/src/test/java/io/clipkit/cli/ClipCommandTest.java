package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One-line failure messages: the JDK's file exceptions carry only the path, so their kind is added. */
class ClipCommandTest {
    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new AccessDeniedException("x.pt"), "x.pt: permission denied"),
                Arguments.of(new NoSuchFileException("x.pt"), "x.pt: no such file or folder"),
                Arguments.of(new FileAlreadyExistsException("out"), "out: already exists"),
                Arguments.of(new NotDirectoryException("a/b"), "a/b: not a folder"),
                Arguments.of(new FileSystemException("x.pt", null, "Is a directory"), "x.pt: Is a directory"),
                Arguments.of(new IOException("checkpoint x.pt is truncated"), "checkpoint x.pt is truncated"),
                Arguments.of(new EOFException(), "EOFException"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void describeNamesTheFileAndTheReason(Throwable e, String expected) {
        assertEquals(expected, ClipCommand.describe(e));
    }
}
