package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An image file that cannot be used: empty, truncated, not an image, unsupported, or over the
 * pixel limit. The message names the file and the reason.
 */
public class ImageDecodeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String reason;

    public ImageDecodeException(Path file, String reason) {
        this(file, reason, null);
    }

    public ImageDecodeException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public String reason() {
        return reason;
    }
}
