package io.autonova.remediator.state;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The state store's calls in flight, so that telemetry (Events) and housekeeping (coalesced folds, retention)
 * give way to them at the API server. In a storm every new target needs its record created before its webhook
 * may be answered; an Event or a folded count can be written a moment later. A client-side priority, as API
 * Priority and Fairness gives server-side.
 */
public final class StateWrites {

    /** How long the store must have been idle before telemetry goes ahead. */
    static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final ThreadLocal<Boolean> BACKGROUND = new ThreadLocal<>();
    /** How long one housekeeping call waits for a pause: under steady decision writes it still goes ahead, slowly. */
    private final long backgroundWaitNanos;

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lastEnded = System.nanoTime() - QUIET_NANOS;

    public StateWrites() {
        this(java.time.Duration.ofMillis(100));
    }

    StateWrites(java.time.Duration backgroundWait) {
        this.backgroundWaitNanos = backgroundWait.toNanos();
    }

    <T> T during(Supplier<T> call) {
        if (BACKGROUND.get() != null) {
            try {
                awaitIdle(System.nanoTime() + backgroundWaitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return call.get(); // not counted: housekeeping does not hold back telemetry, nor itself
        }
        inFlight.incrementAndGet();
        try {
            return call.get();
        } finally {
            lastEnded = System.nanoTime();
            inFlight.decrementAndGet();
        }
    }

    /** Runs {@code housekeeping} on this thread with its store calls yielding to everybody else's. */
    public void inBackground(Runnable housekeeping) {
        BACKGROUND.set(Boolean.TRUE);
        try {
            housekeeping.run();
        } finally {
            BACKGROUND.remove();
        }
    }

    /** Whether the store has made no call for a moment. */
    public boolean idle() {
        return inFlight.get() == 0 && System.nanoTime() - lastEnded >= QUIET_NANOS;
    }

    /** Waits until the store is idle, or until {@code deadlineNanos} (of {@link System#nanoTime()}) has passed. */
    public void awaitIdle(long deadlineNanos) throws InterruptedException {
        while (!idle() && System.nanoTime() - deadlineNanos < 0) {
            Thread.sleep(5);
        }
    }
}
