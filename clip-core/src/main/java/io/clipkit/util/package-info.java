/**
 * Small helpers shared by the library and the CLI: SHA-256 ({@code Hashes}), readable reasons for
 * file errors ({@code IoReasons}), NumPy {@code .npy} files ({@code Npy}) and optional phase timing
 * on stderr ({@code Trace}, with {@code -Dclipkit.trace=true}).
 */
package io.clipkit.util;
