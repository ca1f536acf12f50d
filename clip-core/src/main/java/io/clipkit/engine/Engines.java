package io.clipkit.engine;

import ai.djl.engine.Engine;

/**
 * The one place that starts DJL's PyTorch engine. DJL is put in offline mode first, so the
 * libtorch bundled in the {@code pytorch-native-cpu} jar is used and nothing is downloaded.
 */
public final class Engines {
    private Engines() {}

    private static volatile Engine engine;

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
                    e = Engine.getEngine("PyTorch");
                    engine = e;
                }
            }
        }
        return e;
    }
}
