/**
 * Small helpers shared by the library and the CLI: SHA-256 ({@code Hashes}) and files' hashes
 * remembered by file identity ({@code HashCache}), replacing a file atomically ({@code AtomicFiles}),
 * readable reasons for file errors ({@code IoReasons}), NumPy {@code .npy} files ({@code Npy}) and
 * optional phase timing on stderr ({@code Trace}, with {@code -Dclipkit.trace=true}).
 */
package io.clipkit.util;
