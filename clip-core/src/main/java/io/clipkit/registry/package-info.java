/**
 * Models by name: the built-in registry of released checkpoints (and of the bundled model
 * {@code clipkit-mini}, shipped on the classpath by its own artifact) merged with the user's
 * {@code <cache>/registry.json} ({@code ModelRegistry}), the cache folder ({@code ClipHome}), name or
 * path to checkpoint ({@code ModelResolver}) and resumable, verified, locked downloads
 * ({@code Downloader}). {@link io.clipkit.ClipModel#builder()} uses these; callers rarely need to.
 */
package io.clipkit.registry;
