package io.autonova.remediator.state;

import io.autonova.remediator.domain.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
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

    final MovableClock clock = new MovableClock(java.time.Instant.parse("2026-12-04T03:00:00Z"));

    /** Returns once the housekeeping call is parked waiting for a pause, or has run (then it did not wait). */
    private static void parkedOrDone(StateWrites writes, CompletableFuture<Boolean> flush) {
        await().atMost(Duration.ofSeconds(10)).until(() -> writes.waiting() == 1 || flush.isDone());
    }

    @Test
    void aHousekeepingCallWaitsForThePauseInTheDecisionsCalls() throws Exception {
        StateWrites writes = new StateWrites(Duration.ofSeconds(30), clock);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> decision = decisionCall(writes, release);
        CompletableFuture<Boolean> flush = housekeeping(writes, release);
        parkedOrDone(writes, flush);
        assertFalse(flush.isDone(), "ran while a decision's call was in flight");
        clock.advance(Duration.ofSeconds(29));
        assertFalse(flush.isDone(), "still waiting before its deadline");
        release.countDown();
        decision.get(10, TimeUnit.SECONDS);
        clock.advance(StateWrites.QUIET);
        assertTrue(flush.get(10, TimeUnit.SECONDS), "ran once the decision's call ended and the store was quiet");
    }

    @Test
    void underSteadyDecisionCallsHousekeepingStillGoesAheadAndIsNotCountedAsOne() throws Exception {
        StateWrites writes = new StateWrites(Duration.ofMillis(100), clock);
        CountDownLatch release = new CountDownLatch(1);
        decisionCall(writes, release);
        try {
            CompletableFuture<Boolean> flush = housekeeping(writes, release);
            parkedOrDone(writes, flush);
            assertFalse(flush.isDone(), "went ahead before its wait was over");
            clock.advance(Duration.ofMillis(100));
            assertFalse(flush.get(10, TimeUnit.SECONDS), "went ahead while the decision's call was still in flight");
        } finally {
            release.countDown();
        }
        StateWrites quiet = new StateWrites(clock);
        boolean[] idleDuring = new boolean[1];
        quiet.inBackground(() -> quiet.during(() -> idleDuring[0] = quiet.idle()));
        assertTrue(idleDuring[0], "a housekeeping call does not make the store busy (Events would wait for it)");
    }
}
