package io.clipkit.server;

/** A request that is answered with a 4xx/5xx status and a JSON {@code {"error": message}}. */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false); // control flow, not a crash: no stack trace
        this.status = status;
    }
}
