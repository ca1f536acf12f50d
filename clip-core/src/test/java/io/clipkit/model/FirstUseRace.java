package io.clipkit.model;

/**
 * A child JVM's main for {@link NativeFirstUseTest}: the OpenBLAS probe and the oneDNN load, both
 * first uses of JavaCPP, started on two threads {@code args[0]} ms apart (a decimal) (the race that once hung
 * {@code clip tag --dtype bf16}). Prints "ok" and exits 0 when both finish, exits 3 if either is
 * still running after 20 s.
 */
final class FirstUseRace {
    private FirstUseRace() {}

    public static void main(String[] args) throws InterruptedException {
        long dnnlDelayNanos = (long) (Double.parseDouble(args[0]) * 1e6);
        io.clipkit.engine.Engines.pytorch(); // as the loader's start-up thread has, before its probe
        Thread blas = new Thread(Blas::usable, "race-blas");
        Thread dnnl = new Thread(() -> {
            long until = System.nanoTime() + dnnlDelayNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // finer than sleep's millisecond: the window is narrow
            }
            Dnnl.usable();
        }, "race-dnnl");
        blas.setDaemon(true);
        dnnl.setDaemon(true);
        blas.start();
        dnnl.start();
        blas.join(20_000);
        dnnl.join(20_000);
        if (blas.isAlive() || dnnl.isAlive()) {
            System.out.println("deadlock");
            System.exit(3);
        }
        System.out.println("ok");
    }
}
