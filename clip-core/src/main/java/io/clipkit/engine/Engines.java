package io.clipkit.engine;

import ai.djl.engine.Engine;

/**
 * The one place that starts DJL's PyTorch engine. DJL is put in offline mode first, so the
 * libtorch bundled in the {@code pytorch-native-cpu} jar is used and nothing is downloaded.
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
