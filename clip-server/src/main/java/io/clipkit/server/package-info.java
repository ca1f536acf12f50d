/**
 * {@code clip serve}: an HTTP service over one loaded model for apps not written in Java. The
 * public type is {@link io.clipkit.server.ClipServer} and its builder; routing, the dynamic batcher,
 * metrics and the bundled web page are package-private.
 */
package io.clipkit.server;
