package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Ledger;
import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.Versioned;

import java.util.function.UnaryOperator;

/** Read-modify-write of the ledger with optimistic concurrency: on a conflict, read again and re-apply. */
public final class LedgerUpdates {

    static final int ATTEMPTS = 16;

    private LedgerUpdates() {
    }

    /** A short, jittered pause after a conflict, so contending writers stop colliding in lock-step. */
    static void backOff(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 5L << Math.min(attempt, 4)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static Ledger update(StateStore store, UnaryOperator<Ledger> change) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Versioned<Ledger> read = store.loadLedger();
            Ledger next = change.apply(read.value());
            if (next == read.value() || store.replaceLedger(read, next)) {
                return next;
            }
            backOff(i);
        }
        throw new StateStore.StoreUnavailableException("the ledger kept changing under " + ATTEMPTS + " attempts to update it", null);
    }
}
