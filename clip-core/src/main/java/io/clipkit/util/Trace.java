package io.clipkit.util;

import java.lang.management.ManagementFactory;

/**
 * Startup timing for diagnosis: with {@code -Dclipkit.trace=true}, {@link #mark} prints the JVM's
 * uptime and the thread to stderr ({@code CLIP_JAVA_OPTS=-Dclipkit.trace=true ./clip ...}).
 * Off by default, and then it costs one boolean test.
 */
public final class Trace {
    private Trace() {}

    private static final boolean ON = Boolean.getBoolean("clipkit.trace");

    /** Prints {@code what} with the milliseconds since the JVM started, if tracing is on. */
    public static void mark(String what) {
        if (ON) {
            System.err.println("[clipkit " + ManagementFactory.getRuntimeMXBean().getUptime() + " ms "
                    + Thread.currentThread().getName() + "] " + what);
        }
    }
}
