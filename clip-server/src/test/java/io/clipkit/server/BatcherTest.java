package io.clipkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The batcher, made deterministic by an encoder that blocks on its first batch: everything
 * submitted meanwhile is queued, and must come out as full batches, in order, each result to its
 * own caller.
 */
class BatcherTest {
    /** Doubles its inputs; holds the first batch until released; records every batch. */
    static final class Encoder {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());

        List<Integer> encode(List<Integer> in) {
            batches.add(List.copyOf(in));
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (in.contains(-1)) {
                throw new IllegalStateException("engine failure");
            }
            return in.stream().map(i -> 2 * i).toList();
        }
    }

    @Test
    void queuedRequestsAreEncodedTogetherUpToMaxBatch() throws Exception {
        Encoder enc = new Encoder();
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        try (Batcher<Integer, Integer> b = new Batcher<>("test", enc::encode, 4, TimeUnit.SECONDS.toNanos(5), sizes::add)) {
            CompletableFuture<Integer> first = b.submit(0);
            assertTrue(enc.entered.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<Integer>> rest = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                rest.add(b.submit(i));
            }
            enc.release.countDown();
            assertEquals(0, first.get(30, TimeUnit.SECONDS));
            for (int i = 1; i <= 10; i++) {
                assertEquals(2 * i, rest.get(i - 1).get(30, TimeUnit.SECONDS));
            }
            // The first batch left alone (it was encoding, max wait 5 s is not awaited once the queue
            // holds a full batch), then the ten queued ones as 4 + 4 + 2.
            assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(9, 10)), enc.batches.subList(0, 4));
            assertEquals(List.of(1, 4, 4, 2), sizes);
        }
    }

    @Test
    void aLoneItemWaitsAtMostMaxWait() throws Exception {
        Encoder enc = new Encoder();
        enc.release.countDown();
        try (Batcher<Integer, Integer> b = new Batcher<>("test", enc::encode, 64, TimeUnit.MILLISECONDS.toNanos(1), n -> { })) {
            assertEquals(14, b.submit(7).get(30, TimeUnit.SECONDS));
            assertEquals(List.of(List.of(7)), enc.batches);
        }
    }

    @Test
    void aFailingBatchFailsItsItemsAndTheNextBatchStillRuns() throws Exception {
        Encoder enc = new Encoder();
        enc.release.countDown();
        try (Batcher<Integer, Integer> b = new Batcher<>("test", enc::encode, 8, 0, n -> { })) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> b.submit(-1).get(30, TimeUnit.SECONDS));
            assertEquals("engine failure", e.getCause().getMessage());
            assertEquals(6, b.submit(3).get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeEncodesWhatIsQueuedAndRefusesMore() throws Exception {
        Encoder enc = new Encoder();
        Batcher<Integer, Integer> b = new Batcher<>("test", enc::encode, 2, 0, n -> { });
        CompletableFuture<Integer> first = b.submit(1);
        assertTrue(enc.entered.await(30, TimeUnit.SECONDS));
        CompletableFuture<Integer> queued = b.submit(2);
        Thread closer = new Thread(b::close);
        closer.start();
        enc.release.countDown();
        closer.join(30_000);
        assertEquals(2, first.get(1, TimeUnit.SECONDS));
        assertEquals(4, queued.get(1, TimeUnit.SECONDS));
        ExecutionException e = assertThrows(ExecutionException.class, () -> b.submit(3).get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("shutting down"));
    }
}
