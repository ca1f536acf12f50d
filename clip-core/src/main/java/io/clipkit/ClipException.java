package io.clipkit;

/**
 * Root of the failures that come from a model or from inference: a checkpoint that cannot be
 * understood, a tensor of the wrong shape, an engine that fails to run. Caller mistakes are
 * {@link IllegalArgumentException}s and I/O failures are {@link java.io.IOException}s.
 *
 * <pre>{@code
 * try (ClipModel model = io.clipkit.model.ModelLoader.load(path, ClipModel.Options.defaults())) { ... }
 * catch (ClipException e) { System.err.println("model failed: " + e.getMessage()); }
 * }</pre>
 */
public class ClipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClipException(String message) {
        super(message);
    }

    public ClipException(String message, Throwable cause) {
        super(message, cause);
    }
}
