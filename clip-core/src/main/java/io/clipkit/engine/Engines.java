package io.clipkit.engine;

import ai.djl.engine.Engine;

/**
 * The one place that starts the native runtimes: DJL's PyTorch engine (in offline mode first, so
 * the libtorch bundled in the {@code pytorch-native-cpu} jar is used and nothing is downloaded), and
 * JavaCPP, which OpenBLAS, oneDNN, OpenCV and FFmpeg are loaded through.
 */
public final class Engines {
    private Engines() {}

    private static volatile Engine engine;

    /** libc's setenv, to configure OpenMP before libtorch's libgomp reads its environment. */
    private interface CLib extends com.sun.jna.Library {
        int setenv(String name, String value, int overwrite);
    }

    /**
     * Unless the user chose otherwise, makes libtorch's OpenMP workers sleep between parallel
     * regions instead of spinning: the encoders' matrix products run on OpenBLAS's own threads, and
     * spinning OpenMP workers would take the cores from them (measured: half the throughput on 2
     * cores). Must happen before libtorch loads; harmless if it cannot.
     */
    private static void passiveOpenMpWait() {
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            try {
                com.sun.jna.Native.load("c", CLib.class).setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            } catch (RuntimeException | LinkageError e) {
                // not glibc/JNA: keep the OpenMP default
            }
        }
    }

    private static volatile boolean javacppReady;
    private static final Object JAVACPP_LOCK = new Object(); // not Engines.class: pytorch() holds that for long

    /**
     * Initialises JavaCPP ({@code Pointer} and its {@code Loader}) once; every first use of a
     * JavaCPP library in clipkit calls this before touching the library's classes. Why: JavaCPP's
     * first use from two threads at once can deadlock. One thread initialises {@code Pointer}, whose
     * static initialiser waits for {@code Loader}'s lock; the other holds that lock while loading a
     * library (oneDNN pulls in its OpenCL preset) whose JNI_OnLoad waits for {@code Pointer}'s
     * initialisation. It happened here: {@code clip tag --dtype bf16} hung for good at load, the
     * OpenBLAS probe and the oneDNN load racing on two start-up threads. Initialising {@code Pointer}
     * under one lock first, before any library is loaded, leaves no such cycle: a second
     * thread waits here holding nothing JavaCPP needs.
     *
     * @throws LinkageError if JavaCPP's natives cannot load (the caller reports it as its library's failure)
     */
    public static void javacpp() {
        if (!javacppReady) {
            synchronized (JAVACPP_LOCK) {
                if (!javacppReady) {
                    try { // Pointer's initialiser loads JavaCPP's own natives
                        Class.forName("org.bytedeco.javacpp.Pointer", true, Engines.class.getClassLoader());
                    } catch (ClassNotFoundException e) {
                        throw new NoClassDefFoundError("org.bytedeco.javacpp.Pointer");
                    }
                    javacppReady = true;
                }
            }
        }
    }

    /** glibc's malloc_trim. */
    private interface Malloc extends com.sun.jna.Library {
        int malloc_trim(long pad);
    }

    private static final Malloc MALLOC = loadMalloc();
    /** At most one trim every half second (see {@link #releaseFreedNativeMemory}). */
    private static final long TRIM_INTERVAL_NANOS = 500_000_000L;
    private static final java.util.concurrent.atomic.AtomicLong LAST_TRIM =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - TRIM_INTERVAL_NANOS - 1);

    private static Malloc loadMalloc() {
        try {
            Malloc m = com.sun.jna.Native.load("c", Malloc.class);
            m.malloc_trim(0); // present (glibc) and callable
            return m;
        } catch (RuntimeException | LinkageError e) {
            return null; // not glibc: nothing to do
        }
    }

    /**
     * Gives the pages of freed native memory back to the system (glibc's {@code malloc_trim}; a no-op
     * elsewhere), at most once every half second. Called after image-encoder calls: libtorch frees a
     * forward pass's activations (tens of MB per batch) into malloc's per-thread arenas, and glibc, having raised its mmap
     * threshold to the largest chunk freed, keeps them there, fragmented across the encoder and
     * decode threads' arenas. Measured on 812 openclipart PNGs with ViT-B/32: peak RSS 2.6-2.9 GB, of
     * which only 1.3 GB was the JVM's own (heap, GC, direct buffers) and 0.6 GB the weights; a
     * trim costs about a millisecond, and the next call re-faults its working set once, which for a
     * server's back-to-back single images cost up to 10% each: hence the interval. Thread-safe.
     */
    public static void releaseFreedNativeMemory() {
        long now = System.nanoTime();
        long last = LAST_TRIM.get();
        if (MALLOC != null && now - last > TRIM_INTERVAL_NANOS && LAST_TRIM.compareAndSet(last, now)) {
            MALLOC.malloc_trim(0);
        }
    }

    /** Returns the PyTorch engine, starting it in offline mode on first use. */
    public static Engine pytorch() {
        Engine e = engine;
        if (e == null) {
            synchronized (Engines.class) {
                e = engine;
                if (e == null) {
                    if (System.getProperty("ai.djl.offline") == null) {
                        System.setProperty("ai.djl.offline", "true");
                    }
                    passiveOpenMpWait();
                    e = Engine.getEngine("PyTorch");
                    engine = e;
                }
            }
        }
        return e;
    }
}
