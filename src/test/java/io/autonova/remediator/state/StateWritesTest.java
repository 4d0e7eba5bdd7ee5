package io.autonova.remediator.state;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Housekeeping calls give way to the decisions' calls, are not counted as them, and are never held back for good. */
class StateWritesTest {

    /** Starts a decision's call that lasts until {@code release}; returns once it is in flight. */
    static CompletableFuture<Void> decisionCall(StateWrites writes, CountDownLatch release) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> writes.during(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        started.await();
        return call;
    }

    private static CompletableFuture<Boolean> housekeeping(StateWrites writes, CountDownLatch release) {
        // Reports whether the decision's call had been released when the housekeeping call ran.
        return CompletableFuture.supplyAsync(() -> {
            boolean[] afterRelease = new boolean[1];
            writes.inBackground(() -> writes.during(() -> afterRelease[0] = release.getCount() == 0));
            return afterRelease[0];
        });
    }

    @Test
    void aHousekeepingCallWaitsForThePauseInTheDecisionsCalls() throws Exception {
        StateWrites writes = new StateWrites(Duration.ofSeconds(30));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> decision = decisionCall(writes, release);
        CompletableFuture<Boolean> flush = housekeeping(writes, release);
        Thread.sleep(300);
        assertFalse(flush.isDone(), "ran while a decision's call was in flight");
        release.countDown();
        assertTrue(flush.get(10, TimeUnit.SECONDS), "ran once the decision's call ended");
        decision.get(10, TimeUnit.SECONDS);
    }

    @Test
    void underSteadyDecisionCallsHousekeepingStillGoesAheadAndIsNotCountedAsOne() throws Exception {
        StateWrites writes = new StateWrites(Duration.ofMillis(100));
        CountDownLatch release = new CountDownLatch(1);
        decisionCall(writes, release);
        try {
            assertFalse(housekeeping(writes, release).get(10, TimeUnit.SECONDS), "went ahead while the decision's call was still in flight");
        } finally {
            release.countDown();
        }
        StateWrites quiet = new StateWrites();
        boolean[] idleDuring = new boolean[1];
        quiet.inBackground(() -> quiet.during(() -> idleDuring[0] = quiet.idle()));
        assertTrue(idleDuring[0], "a housekeeping call does not make the store busy (Events would wait for it)");
    }
}
