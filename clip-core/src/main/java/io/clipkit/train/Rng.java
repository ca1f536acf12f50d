package io.clipkit.train;

/**
 * Stateless randomness: every random choice is a function of (seed, purpose, position), so a
 * resumed run makes exactly the choices the uninterrupted one would have, whatever the thread
 * timing, without saving any generator state.
 */
final class Rng {
    private Rng() {}

    static final long SHUFFLE = 0x5348554646L;
    static final long AUGMENT = 0x4155474dL;
    static final long CAPTION = 0x43415054L;
    static final long INIT = 0x494e4954L;

    /** SplitMix64's finalizer over the combined inputs. */
    static long mix(long seed, long purpose, long position) {
        long z = seed * 0x9E3779B97F4A7C15L + purpose;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L + position;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
