/**
 * Starting DJL's PyTorch engine once per JVM (offline unless {@code ai.djl.offline} says otherwise,
 * OpenMP threads that sleep when idle). The libtorch native library comes from the application's
 * classpath: clip-core leaves the platform classifier of {@code pytorch-native-cpu} to it.
 */
package io.clipkit.engine;
