package io.autonova.remediator.state;


import java.util.function.BiPredicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Read-modify-write with optimistic concurrency: the first attempt reads the cache; after a conflict the
 * cache is behind, so later attempts read from the server once each. The change is re-applied to what
 * was read, so it is decided again on the newest state.
 */
public final class Cas {

    public static final int ATTEMPTS = 8;

    private Cas() {
    }

    /** A short, jittered pause after a conflict, so contending writers stop colliding in lock-step. */
    public static void backOff(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 4L << Math.min(attempt, 4)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns the value written (or the one read, when the change left it as it was). */
    public static <T> T update(String what, Supplier<Versioned<T>> cached, Supplier<Versioned<T>> fetched,
                               BiPredicate<Versioned<T>, T> replace, UnaryOperator<T> change) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Versioned<T> read = i == 0 ? cached.get() : fetched.get();
            T next = change.apply(read.value());
            if (next == read.value() || replace.test(read, next)) {
                return next;
            }
            backOff(i);
        }
        throw new StateStore.StoreUnavailableException(what + " kept changing under " + ATTEMPTS + " attempts to update it", null);
    }
}
