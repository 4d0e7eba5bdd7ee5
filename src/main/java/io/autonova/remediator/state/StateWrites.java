package io.autonova.remediator.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    static final Duration QUIET = Duration.ofMillis(20);

    private static final ThreadLocal<Boolean> BACKGROUND = new ThreadLocal<>();
    /** How long one housekeeping call waits for a pause: under steady decision writes it still goes ahead, slowly. */
    private final Duration backgroundWait;
    private final Clock clock;

    private final AtomicInteger inFlight = new AtomicInteger();
    /** Callers parked in {@link #awaitIdle}: what a test looks at instead of sleeping. */
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile Instant lastEnded;

    public StateWrites(Clock clock) {
        this(Duration.ofMillis(100), clock);
    }

    StateWrites(Duration backgroundWait, Clock clock) {
        this.backgroundWait = backgroundWait;
        this.clock = clock;
        this.lastEnded = clock.instant().minus(QUIET);
    }

    <T> T during(Supplier<T> call) {
        if (BACKGROUND.get() != null) {
            try {
                awaitIdle(clock.instant().plus(backgroundWait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return call.get(); // not counted: housekeeping does not hold back telemetry, nor itself
        }
        inFlight.incrementAndGet();
        try {
            return call.get();
        } finally {
            lastEnded = clock.instant();
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
        return inFlight.get() == 0 && !clock.instant().isBefore(lastEnded.plus(QUIET));
    }

    /** Waits until the store is idle, or until the clock passes {@code deadline}. */
    public void awaitIdle(Instant deadline) throws InterruptedException {
        waiting.incrementAndGet();
        try {
            while (!idle() && clock.instant().isBefore(deadline)) {
                Thread.sleep(5);
            }
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** How many callers wait for the store to pause right now. */
    public int waiting() {
        return waiting.get();
    }
}
